package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
)

// commandPath is the HTTP route of each command type; {target} is the command's target.
var commandPath = map[string]string{
	client.CommandCreateAsset:        "/v1/assets",
	client.CommandCreateAccount:      "/v1/accounts",
	client.CommandLockAccount:        "/v1/accounts/{target}/lock",
	client.CommandUnlockAccount:      "/v1/accounts/{target}/unlock",
	client.CommandDeposit:            "/v1/deposits",
	client.CommandWithdrawal:         "/v1/withdrawals",
	client.CommandCompleteWithdrawal: "/v1/withdrawals/{target}/complete",
	client.CommandFailWithdrawal:     "/v1/withdrawals/{target}/fail",
	client.CommandPayment:            "/v1/payments",
	client.CommandRefund:             "/v1/payments/{target}/refunds",
	client.CommandExchange:           "/v1/exchanges",
	client.CommandHold:               "/v1/holds",
	client.CommandCapture:            "/v1/holds/{target}/capture",
	client.CommandRelease:            "/v1/holds/{target}/release",
	client.CommandTransfer:           "/v1/transfers",
	client.CommandPost:               "/v1/transfers/{target}/post",
	client.CommandVoid:               "/v1/transfers/{target}/void",
	client.CommandAdjustment:         "/v1/adjustments",
}

// TestCommandTypesHaveRoutes holds the command types to the routes: each names a POST route.
func TestCommandTypesHaveRoutes(t *testing.T) {
	e := setup(t)
	routes := httpapi.Routes(e.server)
	for _, typ := range httpapi.CommandTypes() {
		p, ok := commandPath[typ]
		if !ok {
			t.Errorf("command type %s has no route in this test", typ)
			continue
		}
		p = strings.ReplaceAll(p, "{target}", "{id}")
		if _, ok := routes["POST "+p]; !ok {
			t.Errorf("command type %s: there is no route POST %s", typ, p)
		}
	}
}

// TestCommandAnswersAsHTTP runs every command type through Command and then the same request
// over HTTP with the command's id: HTTP replays the outcome, so both must give the same status
// and the same bytes, and the balances show each applied once.
func TestCommandAnswersAsHTTP(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	steps := []struct {
		role        coffer.Role
		typ, id     string
		target      string
		body        string
		status      int
		httpAddedID bool // the HTTP body names the id, where a queued one left it out
	}{
		{coffer.RoleAdmin, client.CommandCreateAsset, "asset-eur", "", `{"code":"EUR","scale":2}`, 201, false},
		{coffer.RoleOperator, client.CommandCreateAccount, "acct-shop", "", `{"kind":"merchant","owner":"shop","asset":"USD"}`, 201, false},
		{coffer.RoleAdmin, client.CommandAdjustment, "fund-gold", "", `{"account_id":"system:exchange:GOLD","direction":"credit","amount":"100","reason":"fund the pool"}`, 201, true},
		{coffer.RoleOperator, client.CommandDeposit, "d1", "", `{"owner":"alice","asset":"USD","amount":"100.00"}`, 201, true},
		{coffer.RoleOperator, client.CommandWithdrawal, "w1", "", `{"owner":"alice","asset":"USD","amount":"10","destination":"bank"}`, 201, true},
		{coffer.RoleOperator, client.CommandCompleteWithdrawal, "w1-done", "w1", `{"amount":"6"}`, 200, true},
		{coffer.RoleOperator, client.CommandWithdrawal, "w2", "", `{"id":"w2","owner":"alice","asset":"USD","amount":"10","destination":"bank"}`, 201, false},
		{coffer.RoleOperator, client.CommandFailWithdrawal, "w2-fail", "w2", ``, 200, true},
		{coffer.RoleOperator, client.CommandPayment, "p1", "", `{"owner":"alice","merchant":"shop","asset":"USD","amount":"20","fee":"1","order_id":"o-1"}`, 201, true},
		{coffer.RoleOperator, client.CommandRefund, "r1", "p1", `{"amount":"5"}`, 201, true},
		{coffer.RoleOperator, client.CommandExchange, "x1", "", `{"owner":"alice","from":"USD","to":"GOLD","amount":"10","rate":"1"}`, 201, true},
		{coffer.RoleOperator, client.CommandHold, "h1", "", `{"owner":"alice","asset":"USD","amount":"10","merchant":"shop"}`, 201, true},
		{coffer.RoleOperator, client.CommandCapture, "h1-cap", "h1", `{"amount":"4"}`, 200, true},
		{coffer.RoleOperator, client.CommandHold, "h2", "", `{"owner":"alice","asset":"USD","amount":"10"}`, 201, true},
		{coffer.RoleOperator, client.CommandRelease, "h2-rel", "h2", `{}`, 200, true},
		{coffer.RoleOperator, client.CommandTransfer, "t1", "", `{"debit_account_id":"wallet:alice:USD","credit_account_id":"merchant:shop:USD","amount":"1","pending":true}`, 201, true},
		{coffer.RoleOperator, client.CommandPost, "t1-post", "t1", ``, 200, true},
		{coffer.RoleOperator, client.CommandTransfer, "t2", "", `{"debit_account_id":"wallet:alice:USD","credit_account_id":"merchant:shop:USD","amount":"1","pending":true}`, 201, true},
		{coffer.RoleOperator, client.CommandVoid, "t2-void", "t2", ``, 200, true},
		{coffer.RoleOperator, client.CommandLockAccount, "lock-1", "wallet:alice:USD", `{"debits":true,"reason":"review"}`, 200, true},
		{coffer.RoleOperator, client.CommandUnlockAccount, "unlock-1", "wallet:alice:USD", `{}`, 200, true},
	}
	for _, st := range steps {
		status, answer := e.server.Command(ctx, st.role, client.Command{ID: st.id, Type: st.typ, Target: st.target, Body: json.RawMessage(st.body)})
		if status != st.status {
			t.Fatalf("%s %s: status %d, want %d: %s", st.typ, st.id, status, st.status, answer)
		}
		// Sent again, the command is answered the same.
		again, answerAgain := e.server.Command(ctx, st.role, client.Command{ID: st.id, Type: st.typ, Target: st.target, Body: json.RawMessage(st.body)})
		if again != status || !bytes.Equal(answerAgain, answer) {
			t.Fatalf("%s %s sent again: %d %s, want %d %s", st.typ, st.id, again, answerAgain, status, answer)
		}
		body := st.body
		if st.httpAddedID {
			body = withID(t, body, st.id)
		}
		key := e.operatorKey
		if st.role == coffer.RoleAdmin {
			key = adminKey
		}
		path := strings.ReplaceAll(commandPath[st.typ], "{target}", st.target)
		if st.typ == client.CommandCreateAsset || st.typ == client.CommandCreateAccount {
			// These have no id of their own: the second one is refused as existing.
			continue
		}
		httpStatus, httpAnswer := e.raw("POST", path, key, body)
		if httpStatus != status || !bytes.Equal(httpAnswer, answer) {
			t.Fatalf("%s %s over HTTP: %d %s, want what the command answered: %d %s", st.typ, st.id, httpStatus, httpAnswer, status, answer)
		}
	}
	// 100 in; 6 withdrawn; 20 paid, 5 refunded; 10 exchanged; 4 captured; 1 posted.
	e.wantBalance("alice", "USD", "64.00", "64.00", "0.00", "0.00")
	e.wantBalance("alice", "GOLD", "10", "10", "0", "0")
}

// withID returns the JSON object body with "id" set, as an HTTP client sends it.
func withID(t *testing.T, body, id string) string {
	t.Helper()
	m := map[string]any{}
	if body != "" {
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatal(err)
		}
	}
	m["id"] = id
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestCommandRefusals: what a queued command can get wrong is answered as HTTP answers a bad
// request, and changes nothing.
func TestCommandRefusals(t *testing.T) {
	e := setup(t)
	e.deposit("seed", "alice", "USD", "10")
	before := e.state("alice")
	for _, tc := range []struct {
		name   string
		role   coffer.Role
		c      client.Command
		status int
		code   string
		param  string
	}{
		{"unknown type", coffer.RoleOperator, client.Command{ID: "c1", Type: "teleport", Body: json.RawMessage(`{}`)}, 400, coffer.EINVALID, "type"},
		{"missing id", coffer.RoleOperator, client.Command{Type: "deposit", Body: json.RawMessage(`{"owner":"alice","asset":"USD","amount":"1"}`)}, 400, coffer.EINVALID, "id"},
		{"derived id", coffer.RoleOperator, client.Command{ID: "a/b", Type: "deposit", Body: json.RawMessage(`{"owner":"alice","asset":"USD","amount":"1"}`)}, 400, coffer.EINVALID, "id"},
		{"body id differs", coffer.RoleOperator, client.Command{ID: "c1", Type: "deposit", Body: json.RawMessage(`{"id":"c2","owner":"alice","asset":"USD","amount":"1"}`)}, 400, coffer.EINVALID, "id"},
		{"target missing", coffer.RoleOperator, client.Command{ID: "c1", Type: "capture"}, 400, coffer.EINVALID, "target"},
		{"target unexpected", coffer.RoleOperator, client.Command{ID: "c1", Type: "deposit", Target: "x", Body: json.RawMessage(`{"owner":"alice","asset":"USD","amount":"1"}`)}, 400, coffer.EINVALID, "target"},
		{"unknown member", coffer.RoleOperator, client.Command{ID: "c1", Type: "deposit", Body: json.RawMessage(`{"owner":"alice","asset":"USD","amount":"1","x":1}`)}, 400, coffer.EINVALID, "x"},
		{"empty body", coffer.RoleOperator, client.Command{ID: "c1", Type: "deposit"}, 400, coffer.EINVALID, ""},
		{"bad amount", coffer.RoleOperator, client.Command{ID: "c1", Type: "deposit", Body: json.RawMessage(`{"owner":"alice","asset":"USD","amount":"1.001"}`)}, 400, coffer.EINVALID, "amount"},
		{"admin type", coffer.RoleOperator, client.Command{ID: "c1", Type: "adjustment", Body: json.RawMessage(`{"account_id":"wallet:alice:USD","direction":"credit","amount":"1","reason":"x"}`)}, 403, coffer.EFORBIDDEN, ""},
		{"reader", coffer.RoleReader, client.Command{ID: "c1", Type: "deposit", Body: json.RawMessage(`{"owner":"alice","asset":"USD","amount":"1"}`)}, 403, coffer.EFORBIDDEN, ""},
		{"system debit", coffer.RoleOperator, client.Command{ID: "c1", Type: "transfer", Body: json.RawMessage(`{"debit_account_id":"system:world:USD","credit_account_id":"wallet:alice:USD","amount":"1"}`)}, 403, coffer.EFORBIDDEN, ""},
		{"no such hold", coffer.RoleOperator, client.Command{ID: "c1", Type: "capture", Target: "nope"}, 404, coffer.ENOTFOUND, ""},
		{"insufficient", coffer.RoleOperator, client.Command{ID: "c9", Type: "withdrawal", Body: json.RawMessage(`{"owner":"alice","asset":"USD","amount":"11","destination":"bank"}`)}, 402, coffer.EINSUFFICIENTFUNDS, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, answer := e.server.Command(context.Background(), tc.role, tc.c)
			wantEnvelope(t, status, answer, tc.status, tc.code)
			var env client.ErrorResponse
			if err := json.Unmarshal(answer, &env); err != nil {
				t.Fatal(err)
			}
			if env.Error.Param != tc.param {
				t.Errorf("param %q, want %q: %s", env.Error.Param, tc.param, answer)
			}
			if status == http.StatusPaymentRequired {
				// A refusal the ledger recorded: sent again, answered the same.
				again, answerAgain := e.server.Command(context.Background(), tc.role, tc.c)
				if again != status || !bytes.Equal(answer, answerAgain) {
					t.Errorf("sent again: %d %s, want %d %s", again, answerAgain, status, answer)
				}
			}
		})
	}
	if after := e.state("alice"); after != before {
		t.Errorf("state changed:\n%s\n%s", before, after)
	}
}
