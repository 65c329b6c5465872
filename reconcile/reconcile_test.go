package reconcile_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/reconcile"
)

type store interface {
	coffer.Store
	coffer.ReconciliationStore
}

// TestBalance: matched, within tolerance at its very edge, mismatched one minor unit past it,
// either sign; a replay answered from the first; other figures under the id a conflict; bad
// requests refused naming the field; the list by account and status.
func TestBalance(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			s := kind.Open(t).(store)
			now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			l := ledger.New(s, ledger.Config{Now: clock, Logger: slog.New(slog.DiscardHandler)})
			t.Cleanup(func() { l.Close() })
			ctx := t.Context()
			for _, c := range []ledger.Command{
				ledger.CreateAsset{Code: "USD", Scale: 2},
				ledger.Deposit{ID: "d1", Owner: "1001", Asset: "USD", Amount: coffer.AmountFromInt64(10_000)},
			} {
				if _, err := l.Do(ctx, c); err != nil {
					t.Fatal(err)
				}
			}
			periodEnd := now.Add(time.Hour) // after d1
			now = now.Add(2 * time.Hour)
			if _, err := l.Do(ctx, ledger.Deposit{ID: "d2", Owner: "1001", Asset: "USD", Amount: coffer.AmountFromInt64(500)}); err != nil {
				t.Fatal(err)
			}
			const acct = "wallet:1001:USD"
			for _, tc := range []struct {
				id, external, tolerance string
				status                  coffer.ReconciliationStatus
				diff                    int64
			}{
				{"r-match", "100.00", "", coffer.ReconMatched, 0},
				{"r-edge", "100.25", "0.25", coffer.ReconWithinTolerance, 25},
				{"r-edge-neg", "99.75", "0.25", coffer.ReconWithinTolerance, -25},
				{"r-past", "100.26", "0.25", coffer.ReconMismatched, 26},
				{"r-below", "99.74", "0.25", coffer.ReconMismatched, -26},
			} {
				r, created, err := reconcile.Balance(ctx, s, reconcile.Request{ID: tc.id, AccountID: acct, PeriodEnd: periodEnd,
					External: tc.external, Tolerance: tc.tolerance, Source: "bank", CreatedBy: "k1"}, now)
				if err != nil || !created {
					t.Fatalf("%s: %v %v", tc.id, created, err)
				}
				if r.Status != tc.status || r.Difference != coffer.AmountFromInt64(tc.diff) || r.Ledger != coffer.AmountFromInt64(10_000) || r.Seq != 1 {
					t.Fatalf("%s: %+v; want %s, difference %d, ledger 10000 at seq 1", tc.id, r, tc.status, tc.diff)
				}
				again, created, err := reconcile.Balance(ctx, s, reconcile.Request{ID: tc.id, AccountID: acct, PeriodEnd: periodEnd,
					External: tc.external, Tolerance: tc.tolerance, Source: "bank", CreatedBy: "k2"}, now.Add(time.Hour))
				if err != nil || created || again.CreatedAt != r.CreatedAt || again.Status != r.Status {
					t.Fatalf("%s replayed: %+v %v %v", tc.id, again, created, err)
				}
			}
			if _, _, err := reconcile.Balance(ctx, s, reconcile.Request{ID: "r-match", AccountID: acct, PeriodEnd: periodEnd,
				External: "100.01", Source: "bank"}, now); coffer.ErrorCode(err) != coffer.ECONFLICT {
				t.Fatalf("other figures under a used id: %v", err)
			}
			start := periodEnd.Add(time.Hour)
			for _, tc := range []struct {
				req   reconcile.Request
				param string
			}{
				{reconcile.Request{AccountID: acct, PeriodEnd: periodEnd, External: "1"}, "id"},
				{reconcile.Request{ID: "a/b", AccountID: acct, PeriodEnd: periodEnd, External: "1"}, "id"},
				{reconcile.Request{ID: "x", PeriodEnd: periodEnd, External: "1"}, "account_id"},
				{reconcile.Request{ID: "x", AccountID: acct, External: "1"}, "period_end"},
				{reconcile.Request{ID: "x", AccountID: acct, PeriodEnd: now.Add(time.Minute), External: "1"}, "period_end"},
				{reconcile.Request{ID: "x", AccountID: acct, PeriodStart: &start, PeriodEnd: periodEnd, External: "1"}, "period_start"},
				{reconcile.Request{ID: "x", AccountID: acct, PeriodEnd: periodEnd, External: "1.001"}, "external_balance"},
				{reconcile.Request{ID: "x", AccountID: acct, PeriodEnd: periodEnd, External: "1", Tolerance: "-0.01"}, "tolerance"},
			} {
				_, _, err := reconcile.Balance(ctx, s, tc.req, now)
				var ce *coffer.Error
				if coffer.ErrorCode(err) != coffer.EINVALID || !asError(err, &ce) || ce.Param != tc.param {
					t.Errorf("%+v: %v; want invalid naming %s", tc.req, err, tc.param)
				}
			}
			if _, _, err := reconcile.Balance(ctx, s, reconcile.Request{ID: "x", AccountID: "wallet:nobody:USD", PeriodEnd: periodEnd, External: "1"}, now); coffer.ErrorCode(err) != coffer.ENOTFOUND {
				t.Fatalf("an unknown account: %v", err)
			}
			list, err := s.Reconciliations(ctx, coffer.ReconciliationFilter{AccountID: acct, Status: coffer.ReconMismatched, Limit: 10})
			if err != nil || len(list) != 2 {
				t.Fatalf("mismatched: %d %v", len(list), err)
			}
			page, err := s.Reconciliations(ctx, coffer.ReconciliationFilter{Limit: 3})
			if err != nil || len(page) != 3 {
				t.Fatal(len(page), err)
			}
			last := page[2]
			rest, err := s.Reconciliations(ctx, coffer.ReconciliationFilter{After: &coffer.ReconciliationCursor{CreatedAt: last.CreatedAt, ID: last.ID}, Limit: 10})
			if err != nil || len(rest) != 2 {
				t.Fatalf("the rest: %d %v", len(rest), err)
			}
		})
	}
}

func asError(err error, target **coffer.Error) bool {
	e, ok := err.(*coffer.Error)
	*target = e
	return ok
}
