package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// TestOpenAPI holds the document to the implementation: the same routes with the same roles,
// the same fields in every wire type, the same status for every error code, and no dangling
// reference.
func TestOpenAPI(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI    string                                           `json:"openapi"`
		Paths      map[string]map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			SecuritySchemes map[string]any `json:"securitySchemes"`
			Responses       map[string]struct {
				Content map[string]struct {
					Example struct {
						Error struct{ Code string } `json:"error"`
					} `json:"example"`
				} `json:"content"`
			} `json:"responses"`
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
				Required   []string       `json:"required"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	if doc.Components.SecuritySchemes["bearer"] == nil {
		t.Error("no bearer security scheme")
	}

	// Routes and roles; every error response under the status of its code.
	store := testdb.SQLite(t)
	l := ledger.New(store, ledger.Config{})
	t.Cleanup(func() { l.Close() })
	srv := httpapi.New(httpapi.Config{Ledger: l})
	routes := httpapi.Routes(srv)
	queries := httpapi.RouteQueries(srv)
	codeOf := map[string]string{}
	for name, resp := range doc.Components.Responses {
		codeOf["#/components/responses/"+name] = resp.Content["application/json"].Example.Error.Code
	}
	documented := map[string]string{}
	used := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			var role string
			json.Unmarshal(op["x-role"], &role)
			documented[strings.ToUpper(method)+" "+path] = role
			var params []struct{ Name, In string }
			json.Unmarshal(op["parameters"], &params)
			var query []string
			for _, p := range params {
				if p.In == "query" {
					query = append(query, p.Name)
				}
			}
			slices.Sort(query)
			if r := strings.ToUpper(method) + " " + path; !slices.Equal(query, queries[r]) {
				t.Errorf("%s documents the query parameters %v; the route takes %v", r, query, queries[r])
			}
			var responses map[string]struct {
				Ref string `json:"$ref"`
			}
			json.Unmarshal(op["responses"], &responses)
			if role != "none" && (responses["401"].Ref == "" || responses["403"].Ref == "") {
				t.Errorf("%s %s: no 401 or 403 response", method, path)
			}
			for status, r := range responses {
				if r.Ref == "" {
					continue
				}
				code := codeOf[r.Ref]
				used[code] = true
				if strconv.Itoa(httpapi.StatusByCode[code]) != status {
					t.Errorf("%s %s: status %s answers %s (code %q), whose status is %d", method, path, status, r.Ref, code, httpapi.StatusByCode[code])
				}
			}
		}
	}
	if !reflect.DeepEqual(routes, documented) {
		for r, role := range routes {
			if documented[r] != role {
				t.Errorf("route %s (role %s) is documented with role %q", r, role, documented[r])
			}
		}
		for r := range documented {
			if _, ok := routes[r]; !ok {
				t.Errorf("documented %s is no route", r)
			}
		}
	}
	for code := range httpapi.StatusByCode {
		if !used[code] {
			t.Errorf("code %s is documented under no status", code)
		}
	}

	// Wire types: the same JSON fields; a response field is required unless it is omitempty.
	wire := map[string]struct {
		v        any
		response bool
	}{
		"ErrorResponse": {client.ErrorResponse{}, true}, "ErrorBody": {client.ErrorBody{}, true},
		"Asset": {client.Asset{}, true}, "CreateAssetRequest": {client.CreateAssetRequest{}, false},
		"AssetPage": {client.AssetPage{}, true}, "Account": {client.Account{}, true},
		"CreateAccountRequest": {client.CreateAccountRequest{}, false}, "AccountPage": {client.AccountPage{}, true},
		"LockAccountRequest": {client.LockAccountRequest{}, false}, "UnlockAccountRequest": {client.UnlockAccountRequest{}, false},
		"Balance": {client.Balance{}, true}, "Balances": {client.Balances{}, true},
		"Transfer": {client.Transfer{}, true}, "TransferResult": {client.TransferResult{}, true},
		"TransferRequest": {client.TransferRequest{}, false}, "PostRequest": {client.PostRequest{}, false},
		"VoidRequest": {client.VoidRequest{}, false}, "BatchRequest": {client.BatchRequest{}, false},
		"BatchResult": {client.BatchResult{}, true}, "BatchResponse": {client.BatchResponse{}, true},
		"TransferPage": {client.TransferPage{}, true}, "DepositRequest": {client.DepositRequest{}, false},
		"WithdrawalRequest": {client.WithdrawalRequest{}, false}, "PaymentRequest": {client.PaymentRequest{}, false},
		"RefundRequest": {client.RefundRequest{}, false}, "ExchangeRequest": {client.ExchangeRequest{}, false},
		"HoldRequest": {client.HoldRequest{}, false}, "AdjustmentRequest": {client.AdjustmentRequest{}, false},
		"Entry": {client.Entry{}, true}, "EntryPage": {client.EntryPage{}, true},
		"Event": {client.Event{}, true}, "EventPage": {client.EventPage{}, true},
		"Operation": {client.Operation{}, true}, "OperationPage": {client.OperationPage{}, true},
		"Key": {client.Key{}, true}, "CreatedKey": {client.CreatedKey{}, true},
		"CreateKeyRequest": {client.CreateKeyRequest{}, false}, "KeyPage": {client.KeyPage{}, true},
		"VerifyReport": {client.VerifyReport{}, true}, "Violation": {client.Violation{}, true},
		"Health": {client.Health{}, true}, "Webhook": {client.Webhook{}, true},
		"CreatedWebhook": {client.CreatedWebhook{}, true}, "WebhookPage": {client.WebhookPage{}, true},
		"CreateWebhookRequest": {client.CreateWebhookRequest{}, false}, "UpdateWebhookRequest": {client.UpdateWebhookRequest{}, false},
		"RotateWebhookSecretRequest": {client.RotateWebhookSecretRequest{}, false}, "ReplayWebhookRequest": {client.ReplayWebhookRequest{}, false},
		"WebhookAttempt": {client.WebhookAttempt{}, true}, "WebhookAttemptPage": {client.WebhookAttemptPage{}, true},
		"ChainDeposit": {client.ChainDeposit{}, true}, "ChainDepositPage": {client.ChainDepositPage{}, true},
		"Chain": {client.Chain{}, true}, "ChainBlock": {client.ChainBlock{}, true},
		"ChainWatcher": {client.ChainWatcher{}, true}, "ChainList": {client.ChainList{}, true},
		"Overview": {client.Overview{}, true}, "AssetTotals": {client.AssetTotals{}, true},
		"ActivitySample": {client.ActivitySample{}, true}, "SinkLag": {client.SinkLag{}, true},
		"ChainLag": {client.ChainLag{}, true}, "VerifyStatus": {client.VerifyStatus{}, true},
		"ChainReconciliationRequest": {client.ChainReconciliationRequest{}, false},
		"ChainReconciliation":        {client.ChainReconciliation{}, true}, "ChainReconLine": {client.ChainReconLine{}, true},
		"ChainReconciliationPage": {client.ChainReconciliationPage{}, true},
		"Approval":                {client.Approval{}, true}, "ApprovalPage": {client.ApprovalPage{}, true},
		"ApprovalRequested": {client.ApprovalRequested{}, true}, "RejectApprovalRequest": {client.RejectApprovalRequest{}, false},
		"StatementImport": {client.StatementImport{}, true}, "StatementException": {client.StatementException{}, true},
		"StatementExceptionPage": {client.StatementExceptionPage{}, true}, "StatementMatch": {client.StatementMatch{}, true},
		"StatementMatchPage": {client.StatementMatchPage{}, true}, "ResolveExceptionRequest": {client.ResolveExceptionRequest{}, false},
	}
	for name, w := range wire {
		s, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("schema %s is missing", name)
			continue
		}
		fields, required := jsonFields(reflect.TypeOf(w.v))
		var props []string
		for p := range s.Properties {
			props = append(props, p)
		}
		slices.Sort(props)
		if !slices.Equal(props, fields) {
			t.Errorf("schema %s has %v; the type has %v", name, props, fields)
		}
		if w.response {
			got := slices.Clone(s.Required)
			slices.Sort(got)
			if !slices.Equal(got, required) {
				t.Errorf("schema %s requires %v; the type always writes %v", name, got, required)
			}
		}
	}

	// Every reference resolves.
	var refs func(v any)
	refs = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "$ref" {
					parts := strings.Split(strings.TrimPrefix(s, "#/"), "/")
					var cur any
					json.Unmarshal(raw, &cur)
					for _, p := range parts {
						m, _ := cur.(map[string]any)
						cur = m[p]
					}
					if cur == nil {
						t.Errorf("dangling reference %s", s)
					}
				}
				refs(x)
			}
		case []any:
			for _, x := range v {
				refs(x)
			}
		}
	}
	var all any
	json.Unmarshal(raw, &all)
	refs(all)
}

// jsonFields returns the sorted JSON names of a struct's fields (embedded structs flattened) and
// those written always (not omitempty).
func jsonFields(t reflect.Type) (names, always []string) {
	for f := range t.Fields() {
		if f.Anonymous {
			n, a := jsonFields(f.Type)
			names, always = append(names, n...), append(always, a...)
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		names = append(names, name)
		if !strings.Contains(opts, "omitempty") {
			always = append(always, name)
		}
	}
	slices.Sort(names)
	slices.Sort(always)
	return names, always
}

func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	e := setup(t)
	got, err := client.New(e.url, "").OpenAPI(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile("openapi.json")
	if !bytes.Equal(got, want) {
		t.Error("GET /v1/openapi.json does not serve openapi.json")
	}
}

// TestOpenAPIOperations holds every operation of the document to what generated clients and
// the server need: an operationId, unique and camelCase (a client's method name comes from it),
// and a 400 response, since every route refuses a query parameter it does not take.
func TestOpenAPIOperations(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string                     `json:"operationId"`
			Responses   map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	camel := regexp.MustCompile(`^[a-z]+(?:[A-Z][a-z]*|[0-9]+)*$`)
	seen := map[string]string{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			where := strings.ToUpper(method) + " " + path
			switch id := op.OperationID; {
			case id == "":
				t.Errorf("%s has no operationId", where)
			case !camel.MatchString(id):
				t.Errorf("%s: operationId %q is not camelCase", where, id)
			case seen[id] != "":
				t.Errorf("%s: operationId %q is %s's too", where, id, seen[id])
			default:
				seen[id] = where
			}
			if op.Responses["400"] == nil {
				t.Errorf("%s has no 400 response", where)
			}
		}
	}
}
