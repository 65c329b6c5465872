package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/payout"
	"github.com/cofferhq/coffer/chain/sweep"
	"github.com/cofferhq/coffer/client"
)

// listSweeps pages the sweeps and their gas top-ups (send intents of the sweeps' id prefix),
// newest first; the cursor is the last one's creation time and id.
func (s *Server) listSweeps(r *http.Request) (int, any, error) {
	svc, l, err := s.sweepStore()
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	f, limit, err := sendIntentQuery(q)
	if err != nil {
		return 0, nil, err
	}
	f.IDPrefix = sweep.Prefix
	if _, ok := svc.Hot(f.Chain); f.Chain != "" && !ok {
		return 0, nil, coffer.Invalid("chain", "chain %q is not one this server sends on", f.Chain)
	}
	if a := q.Get("address"); a != "" {
		addr, err := chain.ParseAddress(a)
		if err != nil {
			return 0, nil, coffer.Invalid("address", "%s", err.Error())
		}
		f.Address = strings.ToLower(addr.Hex())
	}
	ins, err := l.ListSendIntents(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	items, more, next, err := paged(ins, limit, func(in coffer.SendIntent) (client.Sweep, error) { return s.renderSweep(r.Context(), svc, in) },
		func(in coffer.SendIntent) string { return timeCursor(in.CreatedAt, in.ID) })
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, client.SweepPage{Sweeps: items, HasMore: more, NextCursor: next}, nil
}

// getSweep answers one sweep or top-up.
func (s *Server) getSweep(r *http.Request) (int, any, error) {
	svc, l, err := s.sweepStore()
	if err != nil {
		return 0, nil, err
	}
	id := r.PathValue("id")
	in, err := l.SendIntent(r.Context(), id)
	if err == nil && !strings.HasPrefix(id, sweep.Prefix) {
		err = coffer.Errorf(coffer.ENOTFOUND, "sweep %q does not exist", id)
	}
	if coffer.ErrorCode(err) == coffer.ENOTFOUND {
		err = coffer.Errorf(coffer.ENOTFOUND, "sweep %q does not exist", id)
	}
	if err != nil {
		return 0, nil, err
	}
	sw, err := s.renderSweep(r.Context(), svc, in)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, sw, nil
}

// sweepLister is what the sweeps' listing reads of the store.
type sweepLister interface {
	coffer.SendIntentLister
	SendIntent(ctx context.Context, id string) (coffer.SendIntent, error)
}

// sweepStore returns the payout service (for the chains' coins) and the store's send intents,
// or answers unavailable when the server watches no chains: the sweeps run beside the payouts.
func (s *Server) sweepStore() (*payout.Service, sweepLister, error) {
	svc, _, err := s.payoutService()
	if err != nil {
		return nil, nil, err
	}
	l, ok := s.cfg.Store.(sweepLister)
	if !ok {
		return nil, nil, coffer.Errorf(coffer.EUNAVAILABLE, "this server keeps no sweeps: its store has no send intents")
	}
	return svc, l, nil
}

// sendIntentQuery reads the state, chain, cursor and limit of a listing of send intents, and
// returns the query (to read one row more than the page) and the page's size.
func sendIntentQuery(q url.Values) (coffer.SendIntentQuery, int, error) {
	limit, err := pageLimit(q)
	if err != nil {
		return coffer.SendIntentQuery{}, 0, err
	}
	f := coffer.SendIntentQuery{Chain: q.Get("chain"), State: coffer.SendState(q.Get("state")), Limit: fetchLimit(limit)}
	switch f.State {
	case "", coffer.SendQueued, coffer.SendWaitingFunds, coffer.SendSigned, coffer.SendBroadcast, coffer.SendConfirmed,
		coffer.SendFailed, coffer.SendCancelled:
	default:
		return coffer.SendIntentQuery{}, 0, coffer.Invalid("state",
			"state %q must be queued, waiting_funds, signed, broadcast, confirmed, failed or cancelled", f.State)
	}
	if c := q.Get("cursor"); c != "" {
		at, id, err := decodeTimeCursor(c)
		if err != nil {
			return coffer.SendIntentQuery{}, 0, err
		}
		f.Before = &coffer.SendIntentCursor{CreatedAt: at, ID: id}
	}
	return f, limit, nil
}

// renderSweep writes a sweep's amount in its asset's major unit, the fee in the chain's coin's.
func (s *Server) renderSweep(ctx context.Context, svc *payout.Service, in coffer.SendIntent) (client.Sweep, error) {
	scale, err := s.scale(ctx, in.Asset)
	if err != nil {
		return client.Sweep{}, err
	}
	amount, ok := coffer.AmountFromBig(in.Amount)
	if !ok {
		return client.Sweep{}, coffer.Errorf(coffer.EINTERNAL, "sweep %s: amount %s is past 2^127-1", in.ID, in.Amount)
	}
	kind, of := sweep.Kind(in.ID)
	out := client.Sweep{ID: in.ID, Kind: kind, Sweep: of, Chain: in.Chain, From: in.From, To: in.To, Asset: in.Asset,
		Amount: amount.Format(scale), State: string(in.State), TxHash: in.TxHash, BlockNumber: in.BlockNumber,
		GasUsed: in.GasUsed, Reason: in.Reason, CreatedAt: apiTime(in.CreatedAt), UpdatedAt: apiTime(in.UpdatedAt)}
	switch in.State {
	case coffer.SendSigned, coffer.SendBroadcast, coffer.SendConfirmed:
		out.Nonce = &in.Nonce
	case coffer.SendFailed:
		if in.TxHash != "" { // mined and reverted; an abandoned one never had a nonce
			out.Nonce = &in.Nonce
		}
	}
	if in.Fee != nil && in.Fee.Sign() > 0 {
		feeAsset := svc.FeeAsset(in.Chain)
		fee, ok := coffer.AmountFromBig(in.Fee)
		if feeAsset != "" && ok {
			fs, err := s.scale(ctx, feeAsset)
			if err != nil {
				return client.Sweep{}, err
			}
			out.Fee, out.FeeAsset = fee.Format(fs), feeAsset
		}
	}
	return out, nil
}
