package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/chainrecon"
	"github.com/cofferhq/coffer/chain/chainview"
	"github.com/cofferhq/coffer/client"
)

// chainReconStore returns the store's chain reconciliations, or unavailable.
func (s *Server) chainReconStore() (coffer.ChainReconciliationStore, error) {
	cs, ok := s.store.(coffer.ChainReconciliationStore)
	if !ok {
		return nil, coffer.Errorf(coffer.EUNAVAILABLE, "this server's store keeps no chain reconciliations")
	}
	return cs, nil
}

func (s *Server) createChainReconciliation(r *http.Request) (int, any, error) {
	cs, err := s.chainReconStore()
	if err != nil {
		return 0, nil, err
	}
	var req client.ChainReconciliationRequest
	if err := s.decode(r, &req, false); err != nil {
		return 0, nil, err
	}
	switch {
	case req.ID == "":
		return 0, nil, coffer.Invalid("id", "id is required: it names the reconciliation, so a retry finds the first answer")
	case strings.Contains(req.ID, coffer.DerivedSep):
		return 0, nil, coffer.Invalid("id", "id %q contains %q, which Coffer keeps for the ids it derives", req.ID, coffer.DerivedSep)
	case req.Chain == "":
		return 0, nil, coffer.Invalid("chain", "chain is required: the name of a configured chain")
	}
	if have, err := cs.ChainReconciliation(r.Context(), req.ID); err == nil {
		if have.Chain != req.Chain {
			return 0, nil, coffer.Errorf(coffer.ECONFLICT, "chain reconciliation %q is of chain %s, not %s", req.ID, have.Chain, req.Chain)
		}
		return http.StatusOK, s.renderChainReconciliation(r.Context(), have), nil
	} else if coffer.ErrorCode(err) != coffer.ENOTFOUND {
		return 0, nil, err
	}
	if len(s.cfg.ChainReconcilers) == 0 {
		return 0, nil, coffer.Errorf(coffer.EUNAVAILABLE, "this server reconciles no chains: it has no chains configured")
	}
	rec, ok := s.cfg.ChainReconcilers[req.Chain]
	if !ok {
		return 0, nil, coffer.Invalid("chain", "chain %q is not configured on this server", req.Chain)
	}
	out, err := rec.Run(r.Context(), chainrecon.Request{ID: req.ID, CreatedBy: info(r.Context()).keyID})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, s.renderChainReconciliation(r.Context(), out), nil
}

func (s *Server) getChainReconciliation(r *http.Request) (int, any, error) {
	cs, err := s.chainReconStore()
	if err != nil {
		return 0, nil, err
	}
	rec, err := cs.ChainReconciliation(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.renderChainReconciliation(r.Context(), rec), nil
}

func (s *Server) listChainReconciliations(r *http.Request) (int, any, error) {
	cs, err := s.chainReconStore()
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	f := coffer.ChainReconciliationFilter{Chain: q.Get("chain"), Status: coffer.ReconciliationStatus(q.Get("status"))}
	switch f.Status {
	case "", coffer.ReconMatched, coffer.ReconMismatched:
	default:
		return 0, nil, coffer.Invalid("status", "status %q must be matched or mismatched", f.Status)
	}
	limit, err := pageLimit(q)
	if err != nil {
		return 0, nil, err
	}
	f.Limit = fetchLimit(limit)
	if c := q.Get("cursor"); c != "" {
		at, id, err := decodeTimeCursor(c)
		if err != nil {
			return 0, nil, err
		}
		f.After = &coffer.ReconciliationCursor{CreatedAt: at, ID: id}
	}
	list, err := cs.ChainReconciliations(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	render := func(rec coffer.ChainReconciliation) client.ChainReconciliation {
		return s.renderChainReconciliation(r.Context(), rec)
	}
	items, more, next, _ := paged(list, limit, infallible(render), func(rec coffer.ChainReconciliation) string { return timeCursor(rec.CreatedAt, rec.ID) })
	return http.StatusOK, client.ChainReconciliationPage{Reconciliations: items, HasMore: more, NextCursor: next}, nil
}

// renderChainReconciliation writes the amounts in each asset's major unit: with its decimals on
// the chain, else the ledger asset's scale, else (an asset neither knows any more) in the minor
// unit.
func (s *Server) renderChainReconciliation(ctx context.Context, rec coffer.ChainReconciliation) client.ChainReconciliation {
	out := client.ChainReconciliation{ID: rec.ID, Chain: rec.Chain, BlockNumber: rec.BlockNumber, BlockHash: rec.BlockHash,
		FromBlock: rec.FromBlock, Status: string(rec.Status), Addresses: rec.Addresses, Assets: rec.Assets,
		Lines: make([]client.ChainReconLine, len(rec.Lines)), Omitted: rec.Omitted, CreatedBy: rec.CreatedBy,
		CreatedAt: apiTime(rec.CreatedAt)}
	decimals := map[string]int{}
	for i, l := range rec.Lines {
		d, ok := decimals[l.Asset]
		if !ok {
			d = s.chainDecimals(ctx, l.Asset)
			decimals[l.Asset] = d
		}
		out.Lines[i] = client.ChainReconLine{Kind: string(l.Kind), Address: l.Address, Asset: l.Asset, TxHash: l.TxHash,
			OnChain: chainview.FormatAmount(l.OnChain, d), Ledger: chainview.FormatAmount(l.Ledger, d),
			Difference: chainview.FormatAmount(l.Difference, d)}
	}
	return out
}

// chainDecimals returns the decimals of a chain asset, as configured or as the ledger's scale.
func (s *Server) chainDecimals(ctx context.Context, asset string) int {
	if s.cfg.Chains != nil {
		if a, ok := s.cfg.Chains.Config.Asset(asset); ok {
			return int(a.Decimals)
		}
	}
	if scale, err := s.scale(ctx, asset); err == nil {
		return scale
	}
	return 0
}
