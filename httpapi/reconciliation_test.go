package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/client"
)

// TestReconciliationRoutes: a reconciliation through the API on both ways of naming the
// account, its replay (200), a conflict, roles, bad requests naming the field, the list.
func TestReconciliationRoutes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("d1", "1001", "USD", "100.00")
	end := e.clock.Now()
	e.clock.Advance(time.Hour)
	e.deposit("d2", "1001", "USD", "1.00") // after the period: not counted
	req := client.ReconciliationRequest{ID: "rec-1", Owner: "1001", Asset: "USD", PeriodEnd: end,
		ExternalBalance: "100.40", Tolerance: "0.50", Source: "bank"}
	rec, err := e.operator.Reconcile(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if rec.AccountID != "wallet:1001:USD" || rec.LedgerBalance != "100.00" || rec.Difference != "0.40" || rec.Status != "within_tolerance" || rec.CreatedBy == "" {
		t.Fatalf("%+v", rec)
	}
	code, _ := e.rawJSON("POST", "/v1/reconciliations", e.operatorKey, req)
	if code != 200 {
		t.Fatalf("a replay: %d; want 200", code)
	}
	req.ExternalBalance = "100.41"
	if code, body := e.rawJSON("POST", "/v1/reconciliations", e.operatorKey, req); code != 409 {
		t.Fatalf("other figures under the id: %d %s", code, body)
	}
	if code, _ := e.rawJSON("POST", "/v1/reconciliations", e.readerKey, req); code != 403 {
		t.Fatalf("a reader reconciling: %d; want 403", code)
	}
	for _, tc := range []struct{ body, param string }{
		{`{"id":"r2","owner":"1001","period_end":"2026-01-01T00:00:00Z","external_balance":"1"}`, "owner"},
		{`{"id":"r2","account_id":"wallet:1001:USD","owner":"1001","asset":"USD","period_end":"2026-01-01T00:00:00Z","external_balance":"1"}`, "account_id"},
		{`{"id":"r2","account_id":"wallet:1001:USD","period_end":"2026-01-01T00:00:00Z"}`, "external_balance"},
		{`{"id":"r2","account_id":"wallet:1001:USD","period_end":"2999-01-01T00:00:00Z","external_balance":"1"}`, "period_end"},
		{`{"id":"r2","account_id":"wallet:1001:USD","period_end":"2025-01-01T00:00:00Z","external_balance":"1","tolerance":"0.001"}`, "tolerance"},
	} {
		code, body := e.raw("POST", "/v1/reconciliations", e.operatorKey, tc.body)
		if code != 400 || !strings.Contains(string(body), `"param":"`+tc.param+`"`) {
			t.Errorf("%s: %d %s; want 400 naming %s", tc.body, code, body, tc.param)
		}
	}
	page, err := e.reader.Reconciliations(ctx, client.ReconciliationsQuery{AccountID: "wallet:1001:USD", Status: "within_tolerance"})
	if err != nil || len(page.Reconciliations) != 1 || page.Reconciliations[0].ID != "rec-1" {
		t.Fatalf("list: %+v %v", page, err)
	}
	got, err := e.reader.Reconciliation(ctx, "rec-1")
	if err != nil || got.ExternalBalance != "100.40" {
		t.Fatalf("get: %+v %v", got, err)
	}
}
