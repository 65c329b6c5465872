package httpapi_test

import (
	"bytes"
	"net/http"
	"testing"
)

// TestReplay sends every write twice and checks that the second answer is the first, byte for
// byte, whether it was a success or a rejection; and that the same id with other parameters is
// a conflict that changes nothing.
func TestReplay(t *testing.T) {
	t.Parallel()
	e := setup(t)
	steps := []struct {
		name     string
		admin    bool
		path     string
		body     string
		status   int
		conflict string // the same id with other parameters; "" to skip
	}{
		{"asset", true, "/v1/assets", `{"code":"EUR","scale":2}`, 201, `{"code":"EUR","scale":3}`},
		{"account", true, "/v1/accounts", `{"kind":"merchant","owner":"shop","asset":"USD"}`, 201,
			`{"kind":"merchant","owner":"shop","asset":"USD","overdraft_limit":"1"}`},
		{"deposit", false, "/v1/deposits", `{"id":"d-1","owner":"alice","asset":"USD","amount":"100"}`, 201,
			`{"id":"d-1","owner":"alice","asset":"USD","amount":"100.01"}`},
		{"deposit bob", false, "/v1/deposits", `{"id":"d-bob","owner":"bob","asset":"USD","amount":"1","source":"card","metadata":{"b":"2","a":"1"}}`, 201, ""},
		{"rejected withdrawal", false, "/v1/withdrawals",
			`{"id":"w-0","owner":"alice","asset":"USD","amount":"1000","destination":"bank"}`, 402,
			`{"id":"w-0","owner":"alice","asset":"USD","amount":"1","destination":"bank"}`},
		{"withdrawal", false, "/v1/withdrawals", `{"id":"w-1","owner":"alice","asset":"USD","amount":"10","destination":"bank","timeout_seconds":60}`, 201,
			`{"id":"w-1","owner":"alice","asset":"USD","amount":"10","destination":"other bank"}`},
		{"complete", false, "/v1/withdrawals/w-1/complete", `{"amount":"9"}`, 200, `{"amount":"8"}`},
		{"withdrawal 2", false, "/v1/withdrawals", `{"id":"w-2","owner":"alice","asset":"USD","amount":"10","destination":"bank"}`, 201, ""},
		{"fail", false, "/v1/withdrawals/w-2/fail", ``, 200, ""},
		{"payment", false, "/v1/payments", `{"id":"p-1","owner":"alice","merchant":"shop","asset":"USD","amount":"20","fee":"0.5","order_id":"o-1"}`, 201,
			`{"id":"p-1","owner":"alice","merchant":"shop","asset":"USD","amount":"20","fee":"0.6","order_id":"o-1"}`},
		{"refund", false, "/v1/payments/p-1/refunds", `{"id":"r-1","amount":"5","reason":"late"}`, 201,
			`{"id":"r-1","amount":"5","reason":"very late"}`},
		{"rejected refund", false, "/v1/payments/p-1/refunds", `{"id":"r-2","amount":"16"}`, 400, ""},
		{"fund the GOLD pool", true, "/v1/adjustments", `{"id":"a-pool","account_id":"system:exchange:GOLD","direction":"credit","amount":"1000","reason":"fund"}`, 201, ""},
		{"exchange", false, "/v1/exchanges", `{"id":"x-1","owner":"alice","from":"USD","to":"GOLD","amount":"1","counter_amount":"100"}`, 201,
			`{"id":"x-1","owner":"alice","from":"USD","to":"GOLD","amount":"1","rate":"100"}`},
		{"hold", false, "/v1/holds", `{"id":"h-1","owner":"alice","asset":"USD","amount":"3","merchant":"shop"}`, 201,
			`{"id":"h-1","owner":"alice","asset":"USD","amount":"3"}`},
		{"capture", false, "/v1/holds/h-1/capture", `{"id":"cap-1"}`, 200, `{"id":"cap-1","amount":"1"}`},
		{"hold 2", false, "/v1/holds", `{"id":"h-2","owner":"alice","asset":"USD","amount":"3"}`, 201, ""},
		{"release", false, "/v1/holds/h-2/release", `{}`, 200, ""},
		{"capture after release", false, "/v1/holds/h-2/capture", `{}`, 409, ""},
		{"transfer", false, "/v1/transfers", `{"id":"t-1","debit_account_id":"wallet:alice:USD","credit_account_id":"wallet:bob:USD","amount":"1","pending":true}`, 201,
			`{"id":"t-1","debit_account_id":"wallet:alice:USD","credit_account_id":"wallet:bob:USD","amount":"2","pending":true}`},
		{"post", false, "/v1/transfers/t-1/post", `{}`, 200, `{"amount":"0.5"}`},
		{"transfer 2", false, "/v1/transfers", `{"id":"t-2","debit_account_id":"wallet:alice:USD","credit_account_id":"wallet:bob:USD","amount":"1","pending":true}`, 201, ""},
		{"void", false, "/v1/transfers/t-2/void", `{"id":"void-t-2"}`, 200, ""},
		{"atomic batch", false, "/v1/transfers/batch", `{"mode":"atomic","id":"g-1","transfers":[
			{"id":"g-1.a","debit_account_id":"wallet:alice:USD","credit_account_id":"wallet:bob:USD","amount":"1"},
			{"id":"g-1.b","debit_account_id":"wallet:bob:USD","credit_account_id":"wallet:alice:USD","amount":"0.5"}]}`, 201,
			`{"mode":"atomic","id":"g-1","transfers":[
			{"id":"g-1.a","debit_account_id":"wallet:alice:USD","credit_account_id":"wallet:bob:USD","amount":"1"},
			{"id":"g-1.b","debit_account_id":"wallet:bob:USD","credit_account_id":"wallet:alice:USD","amount":"0.6"}]}`},
		{"rejected atomic batch", false, "/v1/transfers/batch", `{"mode":"atomic","id":"g-2","transfers":[
			{"id":"g-2.a","debit_account_id":"wallet:alice:USD","credit_account_id":"wallet:bob:USD","amount":"1"},
			{"id":"g-2.b","debit_account_id":"wallet:bob:USD","credit_account_id":"wallet:alice:USD","amount":"500"}]}`, 402, ""},
		{"adjustment", true, "/v1/adjustments", `{"id":"a-1","account_id":"wallet:alice:USD","direction":"credit","amount":"1","reason":"goodwill"}`, 201,
			`{"id":"a-1","account_id":"wallet:alice:USD","direction":"debit","amount":"1","reason":"goodwill"}`},
		{"lock", false, "/v1/accounts/wallet:bob:USD/lock", `{"id":"l-1","credits":true,"reason":"kyc"}`, 200,
			`{"id":"l-1","debits":true,"reason":"kyc"}`},
		{"rejected deposit to a locked wallet", false, "/v1/deposits", `{"id":"d-2","owner":"bob","asset":"USD","amount":"1"}`, 423, ""},
		{"unlock", false, "/v1/accounts/wallet:bob:USD/unlock", `{"id":"u-1"}`, 200, ""},
	}
	for _, s := range steps {
		key := e.operatorKey
		if s.admin {
			key = adminKey
		}
		status, first := e.raw("POST", s.path, key, s.body)
		if status != s.status {
			t.Fatalf("%s: status %d, want %d: %s", s.name, status, s.status, first)
		}
		// Later changes (the clock, other writes) must not show in a replay.
		e.clock.Advance(1e9)
		status2, second := e.raw("POST", s.path, key, s.body)
		if status2 != status || !bytes.Equal(first, second) {
			t.Errorf("%s: replay answered %d %s\nfirst %d %s", s.name, status2, second, status, first)
		}
		if s.conflict == "" {
			continue
		}
		before := e.state("alice", "bob")
		status, body := e.raw("POST", s.path, key, s.conflict)
		wantEnvelope(t, status, body, http.StatusConflict, "conflict")
		if after := e.state("alice", "bob"); after != before {
			t.Errorf("%s: a conflicting replay changed\n%s\nto\n%s", s.name, before, after)
		}
	}

	// A rejection is final: with the money there now, w-0 still answers as it first did.
	_, first := e.raw("POST", "/v1/withdrawals", e.operatorKey, `{"id":"w-0","owner":"alice","asset":"USD","amount":"1000","destination":"bank"}`)
	e.raw("POST", "/v1/deposits", e.operatorKey, `{"id":"d-big","owner":"alice","asset":"USD","amount":"5000"}`)
	status, again := e.raw("POST", "/v1/withdrawals", e.operatorKey, `{"id":"w-0","owner":"alice","asset":"USD","amount":"1000","destination":"bank"}`)
	if status != http.StatusPaymentRequired || !bytes.Equal(first, again) {
		t.Errorf("rejected withdrawal replayed as %d %s, first %s", status, again, first)
	}
}
