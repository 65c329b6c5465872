package match_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/reconcile/match"
)

// small makes a ledger of a few transfers of wallet:m1:USD and imports a statement of them
// with a line the ledger lacks and a transfer the statement lacks, among others.
func small(t *testing.T, e *env, id string) coffer.StatementImport {
	t.Helper()
	day := start.Add(24 * time.Hour)
	e.at(day.Add(9 * time.Hour))
	e.do(t, ledger.Deposit{ID: "d1", Owner: "m1", Asset: "USD", Amount: coffer.AmountFromInt64(10_000)},
		ledger.Deposit{ID: "d2", Owner: "m1", Asset: "USD", Amount: coffer.AmountFromInt64(2_500)},
		ledger.Deposit{ID: "d3", Owner: "m1", Asset: "USD", Amount: coffer.AmountFromInt64(333)},
		ledger.Deposit{ID: "d4", Owner: "m1", Asset: "USD", Amount: coffer.AmountFromInt64(444)},
		ledger.Pay{ID: "p1", Owner: "m1", Merchant: "shop", Asset: "USD", Amount: coffer.AmountFromInt64(1_200), OrderID: "o-1"})
	e.at(day.Add(48 * time.Hour))
	statement := "date,amount,direction,reference,description\n" +
		day.Format(time.DateOnly) + ",100.00,credit,d1,top-up\n" + // by reference
		day.Format(time.DateOnly) + ",25.00,credit,,top-up\n" + // by amount and date
		day.Format(time.DateOnly) + ",12.00,debit,o-1,order\n" + // by the order id
		day.Format(time.DateOnly) + ",3.33,credit,,\n" + // d3, which the ledger has at 3.33: matched
		day.Format(time.DateOnly) + ",9.99,credit,,interest\n" // the ledger lacks it; d4 lacks a line
	imp, _, err := e.svc.Import(t.Context(), match.Request{ID: id, AccountID: "wallet:m1:USD",
		Format: match.Format{Kind: match.FormatCSV, Columns: match.ColumnsDefault}, CreatedBy: "k1"}, strings.NewReader(statement))
	if err != nil {
		t.Fatal(err)
	}
	e.svc.Wait()
	imp, err = e.s.StatementImport(t.Context(), imp.ID)
	if err != nil || imp.Status != coffer.ImportDone || imp.Matched != 4 || imp.Exceptions != 2 {
		t.Fatalf("import: %+v %v; want done, 4 matched, 2 exceptions", imp, err)
	}
	return imp
}

// TestResolve: exceptions resolved by hand, by a note and by an adjustment; who and when kept;
// a replay answered as resolved; another resolution a conflict; the adjustment linked to the
// exception and the ledger verified clean after it.
func TestResolve(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := t.Context()
			small(t, e, "s1")
			exc, err := e.s.StatementExceptions(ctx, coffer.StatementExceptionFilter{ImportID: "s1"})
			if err != nil || len(exc) != 2 || exc[0].Kind != coffer.ExceptionLine || exc[0].Line != 6 ||
				exc[1].Kind != coffer.ExceptionTransfer || exc[1].TransferID != "d4" {
				t.Fatalf("exceptions: %+v %v", exc, err)
			}
			// By hand: line 6 is d4 after all.
			got, err := e.svc.Resolve(ctx, match.Resolution{ImportID: "s1", Seq: 1, Action: match.ActionMatch, TransferID: "d4", Note: "bank's rounding", By: "k2"})
			if err != nil || got.Resolution != coffer.ResolvedMatched || got.MatchedTransfer != "d4" || got.ResolvedBy != "k2" || got.ResolvedAt == nil {
				t.Fatalf("match by hand: %+v %v", got, err)
			}
			if other, _ := e.s.StatementException(ctx, "s1", 2); other.Resolution != coffer.ResolvedMatched || other.MatchedLine != 6 {
				t.Fatalf("the transfer's exception: %+v", other)
			}
			if line, _ := e.s.TransferMatched(ctx, "s1", "d4"); line != 6 {
				t.Fatalf("d4 matched to line %d", line)
			}
			if again, err := e.svc.Resolve(ctx, match.Resolution{ImportID: "s1", Seq: 1, Action: match.ActionMatch, TransferID: "d4", By: "k3"}); err != nil || again.ResolvedBy != "k2" {
				t.Fatalf("the same match again: %+v %v", again, err)
			}
			_, err = e.svc.Resolve(ctx, match.Resolution{ImportID: "s1", Seq: 1, Action: match.ActionExplain, Note: "x", By: "k3"})
			if coffer.ErrorCode(err) != coffer.ECONFLICT {
				t.Fatalf("explaining a matched exception: %v", err)
			}

			// Explained, and adjusted, on a second import of another account's statement.
			e2 := setup(t, kind)
			small(t, e2, "s2")
			for _, bad := range []match.Resolution{
				{ImportID: "s2", Seq: 1, Action: match.ActionExplain},
				{ImportID: "s2", Seq: 1, Action: "ignore", Note: "x"},
				{ImportID: "s2", Seq: 1, Action: match.ActionMatch, TransferID: "nope"},
				{ImportID: "s2", Seq: 1, Action: match.ActionMatch, TransferID: "d1"}, // matched to line 2 already
				{ImportID: "s2", Seq: 2, Action: match.ActionMatch, Line: 2},          // matched already
				{ImportID: "s2", Seq: 2, Action: match.ActionAdjust, Note: "x"},
			} {
				if _, err := e2.svc.Resolve(ctx, bad); err == nil {
					t.Fatalf("%+v: resolved", bad)
				}
			}
			if _, err := e2.svc.Resolve(ctx, match.Resolution{ImportID: "s2", Seq: 9, Action: match.ActionExplain, Note: "x"}); coffer.ErrorCode(err) != coffer.ENOTFOUND {
				t.Fatalf("exception 9: %v", err)
			}
			got, err = e2.svc.Resolve(ctx, match.Resolution{ImportID: "s2", Seq: 2, Action: match.ActionExplain, Note: "a test deposit", By: "k4"})
			if err != nil || got.Resolution != coffer.ResolvedExplained || got.Note != "a test deposit" {
				t.Fatalf("explain: %+v %v", got, err)
			}
			before, _ := e2.s.Account(ctx, "wallet:m1:USD")
			got, err = e2.svc.Resolve(ctx, match.Resolution{ImportID: "s2", Seq: 1, Action: match.ActionAdjust, AdjustmentID: "adj-1", Note: "interest the ledger missed", By: "admin-1"})
			if err != nil || got.Resolution != coffer.ResolvedAdjusted || got.AdjustmentID != "adj-1" {
				t.Fatalf("adjust: %+v %v", got, err)
			}
			adj, err := e2.s.Transfer(ctx, "adj-1")
			if err != nil || adj.Type != coffer.TypeAdjustment || adj.CreditAccountID != "wallet:m1:USD" || adj.Amount != coffer.AmountFromInt64(999) ||
				!strings.Contains(adj.Metadata["reason"], "statement import s2, exception 1") {
				t.Fatalf("the adjustment: %+v %v", adj, err)
			}
			after, _ := e2.s.Account(ctx, "wallet:m1:USD")
			if d, _ := after.CreditsPosted.Sub(before.CreditsPosted); d != coffer.AmountFromInt64(999) {
				t.Fatalf("credits grew by %s; want 999", d)
			}
			if again, err := e2.svc.Resolve(ctx, match.Resolution{ImportID: "s2", Seq: 1, Action: match.ActionAdjust, AdjustmentID: "adj-1", Note: "interest the ledger missed"}); err != nil || again.AdjustmentID != "adj-1" {
				t.Fatalf("the adjustment again: %+v %v", again, err)
			}
			rep, err := ledger.Verify(ctx, e2.s)
			if err != nil || len(rep.Violations) != 0 {
				t.Fatalf("verify: %+v %v", rep, err)
			}
			// With approvals required, the adjustment is made (and approved) on its own path
			// first, and the exception names it.
			e3 := setup(t, kind)
			small(t, e3, "s3")
			strict := match.New(match.Config{Store: e3.s, Ledger: e3.l, ApprovalsRequired: true, SpoolDir: t.TempDir()})
			t.Cleanup(strict.Close)
			resolve := match.Resolution{ImportID: "s3", Seq: 1, Action: match.ActionAdjust, AdjustmentID: "adj-3", Note: "interest", By: "admin-1"}
			if _, err := strict.Resolve(ctx, resolve); coffer.ErrorCode(err) != coffer.EINVALID || !strings.Contains(err.Error(), "approval") {
				t.Fatalf("an adjustment without approval: %v", err)
			}
			if _, err := e3.s.Transfer(ctx, "adj-3"); coffer.ErrorCode(err) != coffer.ENOTFOUND {
				t.Fatalf("an adjustment was made: %v", err)
			}
			e3.do(t, ledger.Adjust{ID: "adj-3", AccountID: "wallet:m1:USD", Direction: coffer.Credit, Amount: coffer.AmountFromInt64(999), Reason: "interest, approved"},
				ledger.Adjust{ID: "adj-wrong", AccountID: "wallet:m1:USD", Direction: coffer.Debit, Amount: coffer.AmountFromInt64(999), Reason: "the other way"})
			wrong := resolve
			wrong.AdjustmentID = "adj-wrong"
			if _, err := strict.Resolve(ctx, wrong); coffer.ErrorCode(err) != coffer.EINVALID {
				t.Fatalf("an adjustment the other way: %v", err)
			}
			if got, err := strict.Resolve(ctx, resolve); err != nil || got.AdjustmentID != "adj-3" || got.Resolution != coffer.ResolvedAdjusted {
				t.Fatalf("the approved adjustment: %+v %v", got, err)
			}

			open, _ := e2.s.StatementExceptions(ctx, coffer.StatementExceptionFilter{ImportID: "s2", Status: "open"})
			if len(open) != 0 {
				t.Fatalf("open exceptions left: %+v", open)
			}
		})
	}
}

// TestBadStatements: every kind of bad statement is refused naming its line, and nothing is
// stored.
func TestBadStatements(t *testing.T) {
	kind := testdb.Kinds()[0]
	e := setup(t, kind)
	e.do(t, ledger.Deposit{ID: "d1", Owner: "m1", Asset: "USD", Amount: coffer.AmountFromInt64(100)})
	e.at(start.Add(30 * 24 * time.Hour))
	const head = "date,amount,direction,reference,description\n"
	long := head + "2026-01-05,1.00,credit,x," + strings.Repeat("a", match.LineBytesMax) + "\n"
	csv := match.Format{Kind: match.FormatCSV, Columns: match.ColumnsDefault}
	for _, tc := range []struct {
		name, body string
		req        match.Request
		want       string
	}{
		{"wrong columns", "day,sum\n2026-01-05,1.00\n", match.Request{}, `line 1: the header has no column "date"`},
		{"fields", head + "2026-01-05,1.00,credit,x\n", match.Request{}, "line 2: 4 fields where the statement has 5"},
		{"bad amount", head + "2026-01-05,1.00,credit,,\n2026-01-05,1e3,credit,,\n", match.Request{}, `line 3: amount "1e3"`},
		{"scale", head + "2026-01-05,1.001,credit,,\n", match.Request{}, `line 2: amount "1.001"`},
		{"negative", head + "2026-01-05,-1.00,credit,,\n", match.Request{}, `line 2: amount "-1.00"`},
		{"direction", head + "2026-01-05,1.00,sideways,,\n", match.Request{}, `line 2: direction "sideways"`},
		{"date", head + "05/01/2026,1.00,credit,,\n", match.Request{}, `line 2: date "05/01/2026"`},
		{"future", head + "2027-01-05,1.00,credit,,\n", match.Request{}, "line 2: date 2027-01-05T00:00:00Z has not come yet"},
		{"a long line", long, match.Request{}, "line 2: the line is longer than"},
		{"not UTF-8", head + "2026-01-05,1.00,credit,\xff\xfe,\n", match.Request{}, "line 2: the line is not valid UTF-8"},
		{"quote", head + "2026-01-05,1.00,credit,\"x,\n", match.Request{}, "line 2: a quoted field has no closing quote"},
		{"empty", "", match.Request{}, "the statement is empty"},
		{"no lines", head, match.Request{}, "the statement has no lines"},
		{"outside the period", head + "2026-01-05,1.00,credit,,\n2026-01-09,1.00,credit,,\n",
			match.Request{From: start, To: start.Add(72 * time.Hour)}, "line 3: date 2026-01-09T00:00:00Z is not before the period's end"},
		{"impossible period", head + "2026-01-05,1.00,credit,,\n", match.Request{From: start, To: start}, "the period's start"},
		{"unfinished period", head + "2026-01-05,1.00,credit,,\n", match.Request{From: start, To: start.Add(60 * 24 * time.Hour)}, "has not come yet"},
		{"unknown account", head + "2026-01-05,1.00,credit,,\n", match.Request{AccountID: "wallet:nobody:USD"}, `account "wallet:nobody:USD" does not exist`},
		{"window", head + "2026-01-05,1.00,credit,,\n", match.Request{Window: 40 * 24 * time.Hour}, "window"},
		{"json", `{"date":"2026-01-05","amount":"1.00","direction":"credit"}` + "\n" + `{"date":"2026-01-05","amount":1.5,"colour":"red"}` + "\n",
			match.Request{Format: match.Format{Kind: match.FormatJSONL}}, `line 2: not a JSON object`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			req.ID = "bad"
			if req.AccountID == "" {
				req.AccountID = "wallet:m1:USD"
			}
			if req.Format.Kind == "" {
				req.Format = csv
			}
			_, _, err := e.svc.Import(t.Context(), req, bytes.NewReader([]byte(tc.body)))
			if coffer.ErrorCode(err) != coffer.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v; want invalid saying %q", err, tc.want)
			}
			if _, err := e.s.StatementImport(t.Context(), "bad"); coffer.ErrorCode(err) != coffer.ENOTFOUND {
				t.Fatalf("stored after a refusal: %v", err)
			}
		})
	}
	// JSON lines read as exact decimals, numbers or strings; a signed amount without a
	// direction column.
	for _, tc := range []struct {
		body   string
		format match.Format
	}{
		{`{"date":"2026-01-05T10:00:00Z","amount":1.00,"direction":"credit","reference":"d1"}` + "\n", match.Format{Kind: match.FormatJSONL}},
		{"when,sum,ref\n2026-01-05,1.00,d1\n", match.Format{Kind: match.FormatCSV, Columns: match.Columns{Date: "when", Amount: "2", Reference: "ref"}}},
	} {
		e.svc.Wait()
		imp, _, err := e.svc.Import(t.Context(), match.Request{ID: "ok-" + tc.format.Kind, AccountID: "wallet:m1:USD", Format: tc.format}, strings.NewReader(tc.body))
		if err != nil {
			t.Fatalf("%s: %v", tc.body, err)
		}
		e.svc.Wait()
		if imp, err = e.s.StatementImport(t.Context(), imp.ID); err != nil || imp.Status != coffer.ImportDone || imp.Matched != 1 || imp.Exceptions != 0 {
			t.Fatalf("%s: %+v %v", tc.body, imp, err)
		}
	}
}
