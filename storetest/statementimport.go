package storetest

import (
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

// testStatementImports checks a statement import's life in the store: put once by id, progress
// written, lines, matches and exceptions in bulk and read back, exceptions listed open or
// resolved, a resolution that races another refused whole, a transfer matched twice refused,
// and a restart that empties the import only if it is unchanged.
func testStatementImports(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	ss, ok := s.(coffer.StatementImportStore)
	if !ok {
		t.Fatalf("%T does not implement coffer.StatementImportStore", s)
	}
	imp := coffer.StatementImport{ID: "imp-1", AccountID: "wallet:alice:USD", Asset: "USD", Format: "csv", ContentHash: "h1",
		From: t0, To: t0.Add(24 * time.Hour), Window: 72 * time.Hour, Status: coffer.ImportRunning, Lines: 3,
		CreatedBy: "k1", CreatedAt: t0, UpdatedAt: t0}
	got, created, err := ss.PutStatementImport(ctx, imp)
	if err != nil || !created || got != imp {
		t.Fatalf("PutStatementImport: %+v %v %v; want %+v", got, created, err, imp)
	}
	other := imp
	other.ContentHash = "h2"
	if got, created, err := ss.PutStatementImport(ctx, other); err != nil || created || got.ContentHash != "h1" {
		t.Fatalf("PutStatementImport of a taken id: %+v %v %v", got, created, err)
	}
	_, err = ss.StatementImport(ctx, "nope")
	wantCode(t, "StatementImport", err, coffer.ENOTFOUND)

	lines := []coffer.StatementLine{
		{ImportID: "imp-1", Line: 2, Date: t0, Day: true, Amount: coffer.AmountFromInt64(1250), Direction: coffer.Credit, Reference: "t1", Description: "in"},
		{ImportID: "imp-1", Line: 3, Date: at(60), Amount: mustAmount(t, "170141183460469231731687303715884105727"), Direction: coffer.Debit},
		{ImportID: "imp-1", Line: 4, Date: at(61), Amount: coffer.AmountFromInt64(7), Direction: coffer.Credit},
	}
	if err := ss.AddStatementLines(ctx, lines); err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if got, err := ss.StatementLine(ctx, "imp-1", l.Line); err != nil || got != l {
			t.Fatalf("StatementLine %d: %+v %v; want %+v", l.Line, got, err, l)
		}
	}
	_, err = ss.StatementLine(ctx, "imp-1", 9)
	wantCode(t, "StatementLine", err, coffer.ENOTFOUND)
	if err := ss.AddStatementMatches(ctx, []coffer.StatementMatch{
		{ImportID: "imp-1", Line: 2, TransferID: "t1", Rule: coffer.RuleReference, At: at(100)},
		{ImportID: "imp-1", Line: 3, TransferID: "t3", Rule: coffer.RuleSettlement, At: at(100)},
		{ImportID: "imp-1", Line: 3, TransferID: "t2", Rule: coffer.RuleSettlement, At: at(100)},
	}); err != nil {
		t.Fatal(err)
	}
	ms, err := ss.StatementMatches(ctx, coffer.StatementMatchFilter{ImportID: "imp-1", AfterLine: 2, Limit: 10})
	if err != nil || len(ms) != 2 || ms[0].TransferID != "t2" || ms[1].TransferID != "t3" || ms[0].Rule != coffer.RuleSettlement || !ms[0].At.Equal(at(100)) {
		t.Fatalf("StatementMatches after line 2: %+v %v", ms, err)
	}
	// A page may end inside a settlement line's matches: the cursor is the line and the transfer.
	ms, err = ss.StatementMatches(ctx, coffer.StatementMatchFilter{ImportID: "imp-1", Limit: 2})
	if err != nil || len(ms) != 2 || ms[0].TransferID != "t1" || ms[1].TransferID != "t2" {
		t.Fatalf("StatementMatches, the first page of 2: %+v %v", ms, err)
	}
	ms, err = ss.StatementMatches(ctx, coffer.StatementMatchFilter{ImportID: "imp-1", AfterLine: 3, AfterTransferID: "t2", Limit: 2})
	if err != nil || len(ms) != 1 || ms[0].Line != 3 || ms[0].TransferID != "t3" {
		t.Fatalf("StatementMatches after line 3's t2: %+v %v", ms, err)
	}
	if line, err := ss.TransferMatched(ctx, "imp-1", "t3"); err != nil || line != 3 {
		t.Fatalf("TransferMatched t3: %d %v", line, err)
	}
	if line, err := ss.TransferMatched(ctx, "imp-1", "t9"); err != nil || line != 0 {
		t.Fatalf("TransferMatched t9: %d %v", line, err)
	}
	exc := []coffer.StatementException{
		{ImportID: "imp-1", Seq: 1, Kind: coffer.ExceptionLine, Line: 4, Amount: coffer.AmountFromInt64(7), Direction: coffer.Credit, Date: at(61), Reason: "no transfer"},
		{ImportID: "imp-1", Seq: 2, Kind: coffer.ExceptionTransfer, TransferID: "t4", Amount: coffer.AmountFromInt64(8), Direction: coffer.Debit, Date: at(62), Reason: "no line", Candidate: "4"},
		{ImportID: "imp-1", Seq: 3, Kind: coffer.ExceptionTransfer, TransferID: "t5", Amount: coffer.AmountFromInt64(9), Direction: coffer.Credit, Date: at(63), Reason: "no line"},
	}
	if err := ss.AddStatementExceptions(ctx, exc); err != nil {
		t.Fatal(err)
	}
	if got, err := ss.StatementException(ctx, "imp-1", 2); err != nil || got != exc[1] || !got.Open() {
		t.Fatalf("StatementException 2: %+v %v; want %+v", got, err, exc[1])
	}
	_, err = ss.StatementException(ctx, "imp-1", 4)
	wantCode(t, "StatementException", err, coffer.ENOTFOUND)

	// Line 4 matched by hand to t4: both exceptions resolved, one match added.
	when := at(200)
	a, b := exc[0], exc[1]
	a.Resolution, a.MatchedTransfer, a.ResolvedBy, a.ResolvedAt, a.Note = coffer.ResolvedMatched, "t4", "k2", &when, "same payment"
	b.Resolution, b.MatchedLine, b.ResolvedBy, b.ResolvedAt, b.Note = coffer.ResolvedMatched, 4, "k2", &when, "same payment"
	manual := coffer.StatementMatch{ImportID: "imp-1", Line: 4, TransferID: "t4", Rule: coffer.RuleManual, By: "k2", At: when}
	if err := ss.ResolveStatementExceptions(ctx, []coffer.StatementException{a, b}, []coffer.StatementMatch{manual}); err != nil {
		t.Fatal(err)
	}
	// Resolving exception 1 again, with exception 3, changes neither.
	c := exc[2]
	c.Resolution, c.ResolvedBy, c.ResolvedAt, c.Note = coffer.ResolvedExplained, "k3", &when, "fee"
	err = ss.ResolveStatementExceptions(ctx, []coffer.StatementException{c, a}, nil)
	wantCode(t, "ResolveStatementExceptions of a resolved one", err, coffer.ECONFLICT)
	// t1 is matched already: the match and the resolution of exception 3 are refused together.
	err = ss.ResolveStatementExceptions(ctx, []coffer.StatementException{c},
		[]coffer.StatementMatch{{ImportID: "imp-1", Line: 4, TransferID: "t1", Rule: coffer.RuleManual, At: when}})
	wantCode(t, "ResolveStatementExceptions matching a matched transfer", err, coffer.ECONFLICT)
	open, err := ss.StatementExceptions(ctx, coffer.StatementExceptionFilter{ImportID: "imp-1", Status: "open"})
	if err != nil || len(open) != 1 || open[0] != exc[2] {
		t.Fatalf("open exceptions: %+v %v", open, err)
	}
	resolved, err := ss.StatementExceptions(ctx, coffer.StatementExceptionFilter{ImportID: "imp-1", Status: "resolved"})
	if err != nil || len(resolved) != 2 || resolved[0].MatchedTransfer != "t4" || resolved[1].MatchedLine != 4 ||
		resolved[0].ResolvedBy != "k2" || !resolved[1].ResolvedAt.Equal(when) {
		t.Fatalf("resolved exceptions: %+v %v", resolved, err)
	}
	if got, err := ss.StatementExceptions(ctx, coffer.StatementExceptionFilter{ImportID: "imp-1", AfterSeq: 1, Limit: 1}); err != nil || len(got) != 1 || got[0].Seq != 2 {
		t.Fatalf("exceptions after 1: %+v %v", got, err)
	}
	if got, err := ss.StatementExceptions(ctx, coffer.StatementExceptionFilter{ImportID: "imp-1", TransferID: "t5"}); err != nil || len(got) != 1 || got[0].Seq != 3 {
		t.Fatalf("exceptions of t5: %+v %v", got, err)
	}
	if got, err := ss.StatementExceptions(ctx, coffer.StatementExceptionFilter{ImportID: "imp-1", Line: 4}); err != nil || len(got) != 1 || got[0].Seq != 1 {
		t.Fatalf("exceptions of line 4: %+v %v", got, err)
	}

	fin := at(300)
	imp.Status, imp.LinesRead, imp.Matched, imp.Exceptions, imp.UpdatedAt, imp.FinishedAt = coffer.ImportFailed, 3, 2, 3, fin, &fin
	imp.Error = "internal error"
	if err := ss.UpdateStatementImport(ctx, imp); err != nil {
		t.Fatal(err)
	}
	if got, err := ss.StatementImport(ctx, "imp-1"); err != nil || got.Status != coffer.ImportFailed || got.LinesRead != 3 ||
		got.Exceptions != 3 || got.Error != imp.Error || !got.FinishedAt.Equal(fin) || !got.UpdatedAt.Equal(fin) {
		t.Fatalf("after UpdateStatementImport: %+v %v", got, err)
	}
	again := imp
	again.Status, again.LinesRead, again.Matched, again.Exceptions, again.Error, again.UpdatedAt, again.FinishedAt =
		coffer.ImportRunning, 0, 0, 0, "", at(400), nil
	wantCode(t, "RestartStatementImport of a changed import", ss.RestartStatementImport(ctx, again, t0), coffer.ECONFLICT)
	if err := ss.RestartStatementImport(ctx, again, fin); err != nil {
		t.Fatal(err)
	}
	if got, err := ss.StatementImport(ctx, "imp-1"); err != nil || got != again {
		t.Fatalf("after RestartStatementImport: %+v %v; want %+v", got, err, again)
	}
	if ms, err := ss.StatementMatches(ctx, coffer.StatementMatchFilter{ImportID: "imp-1", Limit: 10}); err != nil || len(ms) != 0 {
		t.Fatalf("matches after a restart: %+v %v", ms, err)
	}
	if es, err := ss.StatementExceptions(ctx, coffer.StatementExceptionFilter{ImportID: "imp-1"}); err != nil || len(es) != 0 {
		t.Fatalf("exceptions after a restart: %+v %v", es, err)
	}
	_, err = ss.StatementLine(ctx, "imp-1", 2)
	wantCode(t, "StatementLine after a restart", err, coffer.ENOTFOUND)
}

func mustAmount(t *testing.T, s string) coffer.Amount {
	t.Helper()
	a, err := coffer.ParseAmount(s, 0)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
