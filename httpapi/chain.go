package httpapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/chainview"
	"github.com/cofferhq/coffer/client"
)

// chainService returns the view of the chains, or unavailable when the server watches none.
func (s *Server) chainService() (*chainview.Service, error) {
	if s.cfg.Chains == nil || len(s.cfg.Chains.Config.Chains) == 0 {
		return nil, coffer.Errorf(coffer.EUNAVAILABLE, "this server watches no chains: it has no chains configured")
	}
	return s.cfg.Chains, nil
}

// listChainDeposits pages the deposits seen on the chains, newest first; the cursor is the last
// one's creation time and key.
func (s *Server) listChainDeposits(r *http.Request) (int, any, error) {
	svc, err := s.chainService()
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	limit, err := pageLimit(q)
	if err != nil {
		return 0, nil, err
	}
	f := chainview.DepositFilter{Owner: q.Get("owner"), Address: q.Get("address"), Status: q.Get("status"),
		TxHash: q.Get("tx_hash"), Chain: q.Get("chain"), Asset: q.Get("asset"), Limit: fetchLimit(limit)}
	if c := q.Get("cursor"); c != "" {
		at, key, err := decodeTimeCursor(c)
		if err != nil {
			return 0, nil, err
		}
		f.Before = &coffer.DepositCursor{CreatedAt: at, Key: key}
	}
	ds, err := svc.Deposits(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	items, more, next, err := paged(ds, limit, func(d chainview.Deposit) (client.ChainDeposit, error) { return s.renderChainDeposit(r.Context(), d) },
		func(d chainview.Deposit) string { return timeCursor(d.CreatedAt, d.Key) })
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, client.ChainDepositPage{Deposits: items, HasMore: more, NextCursor: next}, nil
}

// renderChainDeposit writes the amount with the asset's decimals on its chain, or with the
// ledger asset's scale, which equals them, for an asset no longer configured on the chain.
func (s *Server) renderChainDeposit(ctx context.Context, d chainview.Deposit) (client.ChainDeposit, error) {
	decimals := d.Decimals
	if decimals < 0 {
		scale, err := s.scale(ctx, d.Asset)
		if err != nil {
			return client.ChainDeposit{}, fmt.Errorf("deposit %s: asset %s is neither on a configured chain nor in the ledger: %w", d.Key, d.Asset, err)
		}
		decimals = scale
	}
	return client.ChainDeposit{
		Key: d.Key, Chain: d.Chain, ChainID: d.ChainID, Asset: d.Asset, TxHash: d.TxHash,
		From: d.From, To: d.To, Owner: d.Owner,
		Amount: chainview.FormatAmount(d.Amount, decimals), Status: string(d.Status),
		BlockNumber: d.BlockNumber, BlockHash: d.BlockHash, ForkedAt: d.ForkedAt,
		Confirmations: d.Confirmations, ConfirmationsRequired: d.ConfirmationsRequired,
		Reason: d.Reason, CreatedAt: apiTime(d.CreatedAt), UpdatedAt: apiTime(d.UpdatedAt),
	}, nil
}

// listChains answers each configured chain and its watcher.
func (s *Server) listChains(r *http.Request) (int, any, error) {
	svc, err := s.chainService()
	if err != nil {
		return 0, nil, err
	}
	cs, err := svc.Chains(r.Context())
	if err != nil {
		return 0, nil, err
	}
	out := client.ChainList{Chains: make([]client.Chain, len(cs))}
	for i, c := range cs {
		v := client.Chain{Name: c.Name, ChainID: c.ID, Confirmations: c.Confirmations,
			PollSeconds: c.Poll.Seconds(), RPC: c.RPC, Watcher: client.ChainWatcher{Running: c.Running}}
		if c.Cursor != nil {
			v.Cursor = &client.ChainBlock{Number: c.Cursor.Number, Hash: c.Cursor.Hash}
		}
		if head, ok := c.Head(); ok {
			v.Head = &head
		}
		if lag, ok := c.Lag(); ok {
			v.Lag = &lag
		}
		if p := c.Progress; p != nil {
			v.LastError, v.LastErrorAt = p.LastError, apiTimePtr(p.LastErrorAt)
			if !p.At.IsZero() {
				v.Watcher.ReportedAt = apiTimePtr(&p.At)
			}
		}
		if l := c.Lease; l != nil {
			v.Watcher.Holder, v.Watcher.RenewedAt = l.Holder, apiTimePtr(&l.RenewedAt)
		}
		out.Chains[i] = v
	}
	return http.StatusOK, out, nil
}
