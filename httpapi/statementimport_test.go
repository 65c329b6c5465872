package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// waitImport polls an import until it is no longer running, for at most a minute.
func waitImport(t *testing.T, c *client.Client, id string) *client.StatementImport {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		imp, err := c.StatementImport(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if imp.Status != "running" {
			return imp
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %s still running: %+v", id, imp)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition with a deadline
	}
}

// TestStatementImportRoutes: a statement sent through the client, its progress to done, its
// exceptions listed and resolved by note and by an adjustment (admin only), the replay and the
// conflict, roles, and a bad line refused naming it.
func TestStatementImportRoutes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("d1", "1001", "USD", "100.00")
	e.deposit("d2", "1001", "USD", "7.00")
	day := e.clock.Now().Format(time.DateOnly)
	statement := "date,amount,direction,reference,description\n" +
		day + ",100.00,credit,d1,top-up\n" +
		day + ",9.99,credit,,interest\n"
	req := client.StatementImportRequest{ID: "st-1", AccountID: "wallet:1001:USD"}
	imp, err := e.operator.ImportStatement(ctx, req, strings.NewReader(statement))
	if err != nil || imp.Lines != 2 || imp.CreatedBy == "" {
		t.Fatalf("import: %+v %v", imp, err)
	}
	imp = waitImport(t, e.reader, "st-1")
	if imp.Status != "done" || imp.LinesRead != 2 || imp.Matched != 1 || imp.Exceptions != 2 || imp.FinishedAt == nil {
		t.Fatalf("done: %+v", imp)
	}
	again, err := e.operator.ImportStatement(ctx, req, strings.NewReader(statement))
	if err != nil || again.Status != "done" || again.Exceptions != 2 {
		t.Fatalf("the same statement again: %+v %v", again, err)
	}
	_, err = e.operator.ImportStatement(ctx, req, strings.NewReader(statement+day+",1.00,credit,,\n"))
	wantCode(t, err, coffer.ECONFLICT)
	_, err = e.reader.ImportStatement(ctx, client.StatementImportRequest{ID: "st-2", AccountID: "wallet:1001:USD"}, strings.NewReader(statement))
	wantCode(t, err, coffer.EFORBIDDEN)
	code, body := e.raw("POST", "/v1/statement-imports?id=st-3&account_id=wallet:1001:USD", e.operatorKey,
		"date,amount,direction,reference,description\n"+day+",1.001,credit,,\n")
	if code != 400 || !strings.Contains(string(body), "line 2") || !strings.Contains(string(body), `"param":"body"`) {
		t.Fatalf("a bad line: %d %s", code, body)
	}
	code, body = e.raw("POST", "/v1/statement-imports?id=st-3&account_id=wallet:1001:USD&window=soon", e.operatorKey, statement)
	if code != 400 || !strings.Contains(string(body), `"param":"window"`) {
		t.Fatalf("a bad window: %d %s", code, body)
	}
	if _, err := e.reader.StatementImport(ctx, "st-3"); coffer.ErrorCode(err) != coffer.ENOTFOUND {
		t.Fatalf("a refused import stored: %v", err)
	}

	page, err := e.reader.StatementExceptions(ctx, "st-1", client.StatementExceptionsQuery{Status: "open", Limit: 1})
	if err != nil || len(page.Exceptions) != 1 || !page.HasMore || page.Exceptions[0].Kind != "line" || page.Exceptions[0].Line != 3 ||
		page.Exceptions[0].Amount != "9.99" || page.Exceptions[0].Status != "open" {
		t.Fatalf("open exceptions: %+v %v", page, err)
	}
	page, err = e.reader.StatementExceptions(ctx, "st-1", client.StatementExceptionsQuery{Status: "open", Cursor: page.NextCursor})
	if err != nil || len(page.Exceptions) != 1 || page.HasMore || page.Exceptions[0].TransferID != "d2" || page.Exceptions[0].Amount != "7.00" {
		t.Fatalf("the next page: %+v %v", page, err)
	}
	_, err = e.reader.ResolveException(ctx, "st-1", 2, client.ResolveExceptionRequest{Action: "explain", Note: "test"})
	wantCode(t, err, coffer.EFORBIDDEN)
	got, err := e.operator.ResolveException(ctx, "st-1", 2, client.ResolveExceptionRequest{Action: "explain", Note: "a test deposit"})
	if err != nil || got.Status != "resolved" || got.Resolution != "explained" || got.ResolvedBy == "" || got.ResolvedAt == nil {
		t.Fatalf("explain: %+v %v", got, err)
	}
	adjust := client.ResolveExceptionRequest{Action: "adjust", AdjustmentID: "adj-st-1", Note: "interest"}
	_, err = e.operator.ResolveException(ctx, "st-1", 1, adjust)
	wantCode(t, err, coffer.EFORBIDDEN)
	got, err = e.admin.ResolveException(ctx, "st-1", 1, adjust)
	if err != nil || got.Resolution != "adjusted" || got.AdjustmentID != "adj-st-1" {
		t.Fatalf("adjust: %+v %v", got, err)
	}
	e.wantBalance("1001", "USD", "116.99", "116.99", "0.00", "0.00")
	_, err = e.operator.ResolveException(ctx, "st-1", 1, client.ResolveExceptionRequest{Action: "explain", Note: "x"})
	wantCode(t, err, coffer.ECONFLICT)
	if page, err = e.reader.StatementExceptions(ctx, "st-1", client.StatementExceptionsQuery{Status: "open"}); err != nil || len(page.Exceptions) != 0 {
		t.Fatalf("open after resolving: %+v %v", page, err)
	}
	if rep, err := e.admin.Verify(ctx); err != nil || len(rep.Violations) != 0 {
		t.Fatalf("verify: %+v %v", rep, err)
	}
	_, err = e.reader.StatementExceptions(ctx, "nope", client.StatementExceptionsQuery{})
	wantCode(t, err, coffer.ENOTFOUND)
}

// TestStatementImportMatches: the matched pairs of an import listed with the rule of each, a
// page ending inside a settlement line's pairs, and the import's exceptions served under
// /v1/reconciliations too, beside the chain reconciliations' routes.
func TestStatementImportMatches(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("d1", "1001", "USD", "100.00")
	e.deposit("d2", "1001", "USD", "7.00")
	e.deposit("d3", "1001", "USD", "3.00")
	e.deposit("d4", "1001", "USD", "2.00")
	day := e.clock.Now().Format(time.DateOnly)
	statement := "date,amount,direction,reference,description\n" +
		day + ",100.00,credit,d1,top-up\n" +
		day + ",7.00,credit,,top-up\n" +
		day + ",5.00,credit,,daily settlement\n" +
		day + ",9.99,credit,,interest\n"
	if _, err := e.operator.ImportStatement(ctx, client.StatementImportRequest{ID: "st-1", AccountID: "wallet:1001:USD"},
		strings.NewReader(statement)); err != nil {
		t.Fatal(err)
	}
	if imp := waitImport(t, e.reader, "st-1"); imp.Status != "done" || imp.Matched != 3 || imp.Exceptions != 1 {
		t.Fatalf("done: %+v", imp)
	}

	want := []string{"2 d1 reference", "3 d2 amount_date", "4 d3 settlement", "4 d4 settlement"}
	var got []string
	q := client.StatementMatchesQuery{Limit: 3}
	for range len(want) {
		page, err := e.reader.StatementMatches(ctx, "st-1", q)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.Matches {
			if m.MatchedBy != "" || m.MatchedAt.IsZero() {
				t.Errorf("match %+v: want no key and a time", m)
			}
			got = append(got, fmt.Sprintf("%d %s %s", m.Line, m.TransferID, m.Rule))
		}
		if !page.HasMore {
			break
		}
		if page.NextCursor != "4:d3" {
			t.Errorf("next cursor %q, want 4:d3: the page ends inside line 4's pairs", page.NextCursor)
		}
		q.Cursor = page.NextCursor
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("matches %v, want %v", got, want)
	}
	_, err := e.reader.StatementMatches(ctx, "st-1", client.StatementMatchesQuery{Cursor: "d3"})
	wantCode(t, err, coffer.EINVALID)
	_, err = e.reader.StatementMatches(ctx, "nope", client.StatementMatchesQuery{})
	wantCode(t, err, coffer.ENOTFOUND)

	// The import's exceptions under /v1/reconciliations are those under /v1/statement-imports.
	code, viaImport := e.raw("GET", "/v1/statement-imports/st-1/exceptions?status=open", e.readerKey, "")
	if code != 200 || !strings.Contains(string(viaImport), `"amount":"9.99"`) {
		t.Fatalf("exceptions: %d %s", code, viaImport)
	}
	code, viaRecon := e.raw("GET", "/v1/reconciliations/st-1/exceptions?status=open", e.readerKey, "")
	if code != 200 || string(viaRecon) != string(viaImport) {
		t.Fatalf("exceptions under /v1/reconciliations: %d %s; want %s", code, viaRecon, viaImport)
	}
	for _, c := range []struct {
		path, key string
		status    int
		code      string
	}{
		{"/v1/reconciliations/nope/exceptions", e.readerKey, 404, coffer.ENOTFOUND},
		{"/v1/reconciliations/st-1/exceptions?state=open", e.readerKey, 400, coffer.EINVALID},
		{"/v1/reconciliations/st-1/matches", e.readerKey, 404, coffer.ENOTFOUND}, // no such route
		{"/v1/reconciliations/st-1/exceptions", "", 401, coffer.EUNAUTHORIZED},
	} {
		code, body := e.raw("GET", c.path, c.key, "")
		if code != c.status || !strings.Contains(string(body), `"code":"`+c.code+`"`) {
			t.Errorf("GET %s: %d %s; want %d %s", c.path, code, body, c.status, c.code)
		}
	}
	// The chain reconciliations keep their paths: .../chain/{id} is the more specific pattern.
	for _, path := range []string{"/v1/reconciliations/chain/exceptions", "/v1/reconciliations/chain/st-1"} {
		code, body := e.raw("GET", path, e.readerKey, "")
		if code == 200 || strings.Contains(string(body), "exceptions\":[") {
			t.Errorf("GET %s answered as an import's exceptions: %d %s", path, code, body)
		}
	}
}
