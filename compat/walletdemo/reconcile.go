package walletdemo

import (
	"net/http"
	"strconv"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/reconcile"
)

// ReconcileRequest is the body of POST /api/wallets/{id}/reconcile: the period, the balance
// from outside at its end, and how far the two may differ and still match.
type ReconcileRequest struct {
	StartTime       string  `json:"start_time"`
	EndTime         string  `json:"end_time"`
	ExternalBalance Decimal `json:"external_balance"`
	Tolerance       Decimal `json:"tolerance"`
	Notes           string  `json:"notes"`
}

// Reconciliation is a stored reconciliation as the demo answers it. SystemBalance is the
// wallet's balance at EndTime, exact from its entries; Difference is ExternalBalance less
// SystemBalance; Status is matched when the difference is within the tolerance (so a matched
// one may show a difference), mismatch otherwise.
type Reconciliation struct {
	ID              uint64    `json:"ID"`
	CreatedAt       time.Time `json:"CreatedAt"`
	UpdatedAt       time.Time `json:"UpdatedAt"`
	WalletID        uint64    `json:"WalletID"`
	StartTime       time.Time `json:"StartTime"`
	EndTime         time.Time `json:"EndTime"`
	SystemBalance   string    `json:"SystemBalance"`
	ExternalBalance string    `json:"ExternalBalance"`
	Status          string    `json:"Status"`
	Difference      string    `json:"Difference"`
	Notes           string    `json:"Notes"`
}

// The demo's reconciliation statuses. It had pending too, for one being computed; Coffer's
// are computed in the request.
const (
	reconMatched  = "matched"
	reconMismatch = "mismatch"
)

// reconcile checks the wallet's balance at the period's end against the external balance
// with package reconcile, which stores the result (GET /v1/reconciliations shows it too, as
// walletdemo-<ID>). Each request is a new reconciliation, as in the demo.
func (p *Profile) reconcile(r *http.Request) (int, any, error) {
	dw, asset, err := p.wallet(r)
	if err != nil {
		return 0, nil, err
	}
	var req ReconcileRequest
	if err := decode(r, &req); err != nil {
		return 0, nil, err
	}
	if req.StartTime == "" {
		return 0, nil, coffer.Invalid("start_time", "start_time is required: when the period begins (RFC 3339)")
	}
	if req.EndTime == "" {
		return 0, nil, coffer.Invalid("end_time", "end_time is required: when the period ends, the moment external_balance stands at (RFC 3339)")
	}
	start, err := parseTime("start_time", req.StartTime)
	if err != nil {
		return 0, nil, err
	}
	end, err := parseTime("end_time", req.EndTime)
	if err != nil {
		return 0, nil, err
	}
	// Times are kept to the microsecond, as the stores keep them.
	start, end = start.Truncate(time.Microsecond), end.Truncate(time.Microsecond)
	now := p.now()
	switch {
	case !start.Before(end):
		return 0, nil, coffer.Invalid("start_time", "start_time must be before end_time")
	case end.After(now):
		return 0, nil, coffer.Invalid("end_time", "end_time %s has not come yet: the wallet's balance then is not known", end.Format(time.RFC3339Nano))
	}
	if _, err := parseAmount("external_balance", req.ExternalBalance, asset, true); err != nil {
		return 0, nil, err
	}
	if req.Tolerance != "" {
		if _, err := parseAmount("tolerance", req.Tolerance, asset, true); err != nil {
			return 0, nil, err
		}
	}
	if err := checkText("notes", req.Notes); err != nil {
		return 0, nil, err
	}
	if _, err := p.cfg.Store.Account(r.Context(), dw.AccountID()); coffer.ErrorCode(err) == coffer.ENOTFOUND {
		// The ledger makes a wallet's account at its first transfer; before it the balance has
		// always been zero and there is nothing to reconcile.
		return 0, nil, coffer.Invalid("id", "wallet %d has had no transaction yet: there is nothing to reconcile", dw.ID)
	} else if err != nil {
		return 0, nil, err
	}
	n, err := p.cfg.Store.AddDemoReconciliation(r.Context(), dw.ID, now)
	if err != nil {
		return 0, nil, err
	}
	rec, _, err := reconcile.Balance(r.Context(), p.cfg.Store, reconcile.Request{ID: reconPrefix + strconv.FormatUint(n, 10),
		AccountID: dw.AccountID(), PeriodStart: &start, PeriodEnd: end, External: string(req.ExternalBalance),
		Tolerance: string(req.Tolerance), Source: Name, Note: req.Notes, CreatedBy: keyID(r)}, now)
	if err != nil {
		return 0, nil, err
	}
	status := reconMismatch
	if rec.Status != coffer.ReconMismatched {
		status = reconMatched
	}
	return http.StatusOK, Reconciliation{ID: n, CreatedAt: rec.CreatedAt, UpdatedAt: rec.CreatedAt, WalletID: dw.ID,
		StartTime: start, EndTime: rec.PeriodEnd, SystemBalance: formatAmount(rec.Ledger, asset.Scale),
		ExternalBalance: formatAmount(rec.External, asset.Scale), Status: status,
		Difference: formatAmount(rec.Difference, asset.Scale), Notes: rec.Note}, nil
}
