// Package reconcile checks the ledger against the outside world. Balance compares an
// account's balance at the end of a period, exact from its entries, with a balance from outside
// (a bank's statement, a payment provider's settlement, an auditor's figure) within a tolerance
// that is an amount of the asset, and stores the result under the caller's id.
package reconcile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/statement"
)

// Store is what the package reads and writes; both stores have it.
type Store interface {
	statement.Store
	Asset(ctx context.Context, code string) (coffer.Asset, error)
	coffer.ReconciliationStore
}

// Request asks for a reconciliation. Amounts are decimal strings in the asset's major unit.
type Request struct {
	ID          string // the idempotency key
	AccountID   string
	PeriodStart *time.Time
	PeriodEnd   time.Time
	External    string
	Tolerance   string // "" for zero
	Source      string
	Note        string
	CreatedBy   string // the API key's id
}

// Balance computes, stores and returns the reconciliation req asks for; created is false when
// the id was used before with the same figures, whose stored result is returned. The same id
// with other figures is ECONFLICT. now is the clock: a period that has not ended is refused.
func Balance(ctx context.Context, s Store, req Request, now time.Time) (coffer.Reconciliation, bool, error) {
	switch {
	case req.ID == "":
		return coffer.Reconciliation{}, false, coffer.Invalid("id", "id is required: it names the reconciliation, so a retry finds the first answer")
	case strings.Contains(req.ID, coffer.DerivedSep):
		return coffer.Reconciliation{}, false, coffer.Invalid("id", "id %q contains %q, which Coffer keeps for the ids it derives", req.ID, coffer.DerivedSep)
	case req.AccountID == "":
		return coffer.Reconciliation{}, false, coffer.Invalid("account_id", "account_id is required (or owner and asset)")
	case req.PeriodEnd.IsZero():
		return coffer.Reconciliation{}, false, coffer.Invalid("period_end", "period_end is required: the moment the outside balance stands at")
	case req.PeriodEnd.After(now):
		return coffer.Reconciliation{}, false, coffer.Invalid("period_end", "period_end %s has not come yet: the ledger's balance then is not known",
			req.PeriodEnd.UTC().Format(time.RFC3339Nano))
	case req.PeriodStart != nil && !req.PeriodStart.Before(req.PeriodEnd):
		return coffer.Reconciliation{}, false, coffer.Invalid("period_start", "period_start must be before period_end")
	}
	a, err := s.Account(ctx, req.AccountID)
	if err != nil {
		return coffer.Reconciliation{}, false, err
	}
	asset, err := s.Asset(ctx, a.Asset)
	if err != nil {
		return coffer.Reconciliation{}, false, err
	}
	external, err := coffer.ParseAmount(req.External, asset.Scale)
	if err != nil {
		return coffer.Reconciliation{}, false, coffer.Invalid("external_balance", "external_balance: %v", err)
	}
	tolerance := coffer.Amount{}
	if req.Tolerance != "" {
		if tolerance, err = coffer.ParseAmount(req.Tolerance, asset.Scale); err != nil || tolerance.Sign() < 0 {
			return coffer.Reconciliation{}, false, coffer.Invalid("tolerance", "tolerance %q must be an amount of %s of at least zero, with at most %d decimals",
				req.Tolerance, asset.Code, asset.Scale)
		}
	}
	print := fingerprint(req.AccountID, req.PeriodStart, req.PeriodEnd, external, tolerance, req.Source, req.Note)
	if have, err := s.Reconciliation(ctx, req.ID); err == nil {
		return same(have, print)
	} else if coffer.ErrorCode(err) != coffer.ENOTFOUND {
		return coffer.Reconciliation{}, false, err
	}
	b, err := statement.At(ctx, s, req.AccountID, req.PeriodEnd)
	if err != nil {
		return coffer.Reconciliation{}, false, err
	}
	diff, ok := external.Sub(b.Balance)
	if !ok {
		return coffer.Reconciliation{}, false, coffer.Invalid("external_balance", "the difference from the ledger's balance passes 2^127-1")
	}
	status := coffer.ReconMismatched
	switch {
	case diff.IsZero():
		status = coffer.ReconMatched
	case diff.Abs().Cmp(tolerance) <= 0:
		status = coffer.ReconWithinTolerance
	}
	r := coffer.Reconciliation{ID: req.ID, AccountID: a.ID, Asset: a.Asset, PeriodEnd: req.PeriodEnd.UTC(),
		Seq: b.Seq, Ledger: b.Balance, External: external, Difference: diff, Tolerance: tolerance, Status: status,
		Source: req.Source, Note: req.Note, Fingerprint: print, CreatedBy: req.CreatedBy,
		CreatedAt: now.UTC().Truncate(time.Microsecond)}
	if req.PeriodStart != nil {
		start := req.PeriodStart.UTC()
		r.PeriodStart = &start
	}
	got, created, err := s.PutReconciliation(ctx, r)
	if err != nil || created {
		return got, created, err
	}
	return same(got, print) // another request with the id came first
}

// same answers a stored reconciliation asked for again: the same one, or a conflict.
func same(have coffer.Reconciliation, print string) (coffer.Reconciliation, bool, error) {
	if have.Fingerprint != print {
		return coffer.Reconciliation{}, false, coffer.Errorf(coffer.ECONFLICT,
			"reconciliation %q exists with other figures; use a new id for a new reconciliation", have.ID)
	}
	return have, false, nil
}

func fingerprint(account string, start *time.Time, end time.Time, external, tolerance coffer.Amount, source, note string) string {
	h := sha256.New()
	s := ""
	if start != nil {
		s = start.UTC().Format(time.RFC3339Nano)
	}
	for _, f := range []string{account, s, end.UTC().Format(time.RFC3339Nano), external.String(), tolerance.String(), source, note} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}
