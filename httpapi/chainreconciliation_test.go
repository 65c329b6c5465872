package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/client"
)

// TestChainReconciliationRoutes: on a server that watches no chain, bad requests are refused
// naming the field, a reader may not reconcile, a well-formed one is unavailable, and the
// listing and a missing one answer as they should.
func TestChainReconciliationRoutes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	for _, tc := range []struct{ body, param string }{
		{`{"chain":"dev"}`, "id"},
		{`{"id":"a/b","chain":"dev"}`, "id"},
		{`{"id":"r1"}`, "chain"},
		{`{"id":"r1","chain":"dev","extra":1}`, "extra"},
	} {
		code, body := e.raw("POST", "/v1/reconciliations/chain", e.operatorKey, tc.body)
		if code != 400 || !strings.Contains(string(body), `"param":"`+tc.param+`"`) {
			t.Errorf("%s: %d %s; want 400 naming %s", tc.body, code, body, tc.param)
		}
	}
	req := client.ChainReconciliationRequest{ID: "r1", Chain: "dev"}
	if code, _ := e.rawJSON("POST", "/v1/reconciliations/chain", e.readerKey, req); code != 403 {
		t.Fatalf("a reader reconciling: %d; want 403", code)
	}
	if code, body := e.rawJSON("POST", "/v1/reconciliations/chain", e.operatorKey, req); code != 503 {
		t.Fatalf("no chain configured: %d %s; want 503", code, body)
	}
	page, err := e.reader.ChainReconciliations(ctx, client.ChainReconciliationsQuery{Chain: "dev"})
	if err != nil || len(page.Reconciliations) != 0 || page.HasMore {
		t.Fatalf("list: %+v %v", page, err)
	}
	if code, body := e.raw("GET", "/v1/reconciliations/chain?status=odd", e.readerKey, ""); code != 400 || !strings.Contains(string(body), `"param":"status"`) {
		t.Fatalf("a bad status: %d %s", code, body)
	}
	if _, err := e.reader.ChainReconciliation(ctx, "none"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("a missing one: %v", err)
	}
}
