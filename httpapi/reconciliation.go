package httpapi

import (
	"net/http"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/reconcile"
)

// reconciliationStore returns the store's reconciliations, or unavailable.
func (s *Server) reconciliationStore() (reconcile.Store, error) {
	rs, ok := s.store.(reconcile.Store)
	if !ok {
		return nil, coffer.Errorf(coffer.EUNAVAILABLE, "this server's store keeps no reconciliations")
	}
	return rs, nil
}

func (s *Server) createReconciliation(r *http.Request) (int, any, error) {
	rs, err := s.reconciliationStore()
	if err != nil {
		return 0, nil, err
	}
	var req client.ReconciliationRequest
	if err := s.decode(r, &req, false); err != nil {
		return 0, nil, err
	}
	account := req.AccountID
	switch {
	case account != "" && (req.Owner != "" || req.Asset != ""):
		return 0, nil, coffer.Invalid("account_id", "give account_id, or owner and asset, not both")
	case account == "" && (req.Owner == "") != (req.Asset == ""):
		return 0, nil, coffer.Invalid("owner", "owner and asset go together: the owner's wallet in that asset")
	case account == "" && req.Owner != "":
		account = string(coffer.KindWallet) + ":" + req.Owner + ":" + req.Asset
	}
	if req.ExternalBalance == "" {
		return 0, nil, coffer.Invalid("external_balance", "external_balance is required: the balance from outside, in major units")
	}
	rec, created, err := reconcile.Balance(r.Context(), rs, reconcile.Request{ID: req.ID, AccountID: account,
		PeriodStart: req.PeriodStart, PeriodEnd: req.PeriodEnd, External: req.ExternalBalance, Tolerance: req.Tolerance,
		Source: req.Source, Note: req.Note, CreatedBy: info(r.Context()).keyID}, s.cfg.Ledger.Now())
	if err != nil {
		return 0, nil, err
	}
	out, err := s.renderReconciliation(r, rec)
	if err != nil {
		return 0, nil, err
	}
	if created {
		return http.StatusCreated, out, nil
	}
	return http.StatusOK, out, nil
}

func (s *Server) getReconciliation(r *http.Request) (int, any, error) {
	rs, err := s.reconciliationStore()
	if err != nil {
		return 0, nil, err
	}
	rec, err := rs.Reconciliation(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	out, err := s.renderReconciliation(r, rec)
	return http.StatusOK, out, err
}

func (s *Server) listReconciliations(r *http.Request) (int, any, error) {
	rs, err := s.reconciliationStore()
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	f := coffer.ReconciliationFilter{AccountID: q.Get("account_id"), Status: coffer.ReconciliationStatus(q.Get("status"))}
	switch f.Status {
	case "", coffer.ReconMatched, coffer.ReconWithinTolerance, coffer.ReconMismatched:
	default:
		return 0, nil, coffer.Invalid("status", "status %q must be matched, within_tolerance or mismatched", f.Status)
	}
	if f.From, err = timeParam(q, "from"); err != nil {
		return 0, nil, err
	}
	if f.To, err = timeParam(q, "to"); err != nil {
		return 0, nil, err
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
	list, err := rs.Reconciliations(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	items, more, next, err := paged(list, limit, func(rec coffer.Reconciliation) (client.Reconciliation, error) { return s.renderReconciliation(r, rec) },
		func(rec coffer.Reconciliation) string { return timeCursor(rec.CreatedAt, rec.ID) })
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, client.ReconciliationPage{Reconciliations: items, HasMore: more, NextCursor: next}, nil
}

func (s *Server) renderReconciliation(r *http.Request, rec coffer.Reconciliation) (client.Reconciliation, error) {
	scale, err := s.scale(r.Context(), rec.Asset)
	if err != nil {
		return client.Reconciliation{}, err
	}
	out := client.Reconciliation{ID: rec.ID, AccountID: rec.AccountID, Asset: rec.Asset, PeriodEnd: apiTime(rec.PeriodEnd),
		Seq: rec.Seq, LedgerBalance: rec.Ledger.Format(scale), ExternalBalance: rec.External.Format(scale),
		Difference: rec.Difference.Format(scale), Tolerance: rec.Tolerance.Format(scale), Status: string(rec.Status),
		Source: rec.Source, Note: rec.Note, CreatedBy: rec.CreatedBy, CreatedAt: apiTime(rec.CreatedAt)}
	if rec.PeriodStart != nil {
		t := apiTime(*rec.PeriodStart)
		out.PeriodStart = &t
	}
	return out, nil
}
