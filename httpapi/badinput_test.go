package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
)

// TestBadInput sends requests that must be refused, each answered with the right status and code
// and changing nothing: no balance of alice or bob, no event. The ids they name stay unused.
func TestBadInput(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("d-1", "alice", "USD", "100")
	e.deposit("d-2", "bob", "USD", "1")
	for _, f := range []func() error{
		func() error {
			_, err := e.operator.Withdraw(ctx, client.WithdrawalRequest{ID: "w-1", Owner: "alice", Asset: "USD", Amount: "10", Destination: "bank"})
			return err
		},
		func() error {
			_, err := e.operator.Hold(ctx, client.HoldRequest{ID: "h-1", Owner: "alice", Asset: "USD", Amount: "10", Merchant: "shop"})
			return err
		},
		func() error {
			_, err := e.operator.Pay(ctx, client.PaymentRequest{ID: "p-1", Owner: "alice", Merchant: "shop", Asset: "USD", Amount: "10", OrderID: "o-1"})
			return err
		},
		func() error {
			_, err := e.operator.CreateTransfer(ctx, client.TransferRequest{ID: "t-1", DebitAccountID: "wallet:alice:USD",
				CreditAccountID: "wallet:bob:USD", Amount: "1", Pending: true})
			return err
		},
	} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}

	const (
		admin = "admin"
		op    = "operator"
		rd    = "reader"
		none  = "none"
		bogus = "bogus"
	)
	huge := "1701411834604692317316873037158841057.28" // 2^127 minor units of USD
	dep := func(amount string) string {
		return `{"id":"x","owner":"alice","asset":"USD","amount":` + amount + `}`
	}
	manyMeta := make([]string, 33)
	for i := range manyMeta {
		manyMeta[i] = fmt.Sprintf(`"k%d":"v"`, i)
	}
	tr := func(fields string) string {
		return `{"id":"x","debit_account_id":"wallet:alice:USD","credit_account_id":"wallet:bob:USD","amount":"1"` + fields + `}`
	}
	cases := []struct {
		name, key, method, path, body string
		status                        int
		code                          string
	}{
		// Keys and roles.
		{"no key", none, "POST", "/v1/deposits", dep(`"1"`), 401, "unauthorized"},
		{"unknown key", bogus, "POST", "/v1/deposits", dep(`"1"`), 401, "unauthorized"},
		{"reader deposits", rd, "POST", "/v1/deposits", dep(`"1"`), 403, "forbidden"},
		{"reader locks", rd, "POST", "/v1/accounts/wallet:alice:USD/lock", `{"id":"x","debits":true,"reason":"r"}`, 403, "forbidden"},
		{"operator adjusts", op, "POST", "/v1/adjustments", `{"id":"x","account_id":"wallet:alice:USD","direction":"credit","amount":"1","reason":"r"}`, 403, "forbidden"},
		{"operator creates an asset", op, "POST", "/v1/assets", `{"code":"EUR","scale":2}`, 403, "forbidden"},
		{"operator creates a key", op, "POST", "/v1/keys", `{"name":"k","role":"admin"}`, 403, "forbidden"},
		{"operator verifies", op, "GET", "/v1/verify", ``, 403, "forbidden"},
		{"no key reads", none, "GET", "/v1/accounts/wallet:alice:USD", ``, 401, "unauthorized"},

		// Bodies.
		{"malformed JSON", op, "POST", "/v1/deposits", `{"id":"x",`, 400, "invalid"},
		{"not JSON", op, "POST", "/v1/deposits", `id=x&amount=1`, 400, "invalid"},
		{"an array", op, "POST", "/v1/deposits", `[1]`, 400, "invalid"},
		{"two values", op, "POST", "/v1/deposits", dep(`"1"`) + dep(`"1"`), 400, "invalid"},
		{"empty body", op, "POST", "/v1/deposits", ``, 400, "invalid"},
		{"unknown field", op, "POST", "/v1/deposits", `{"id":"x","owner":"alice","asset":"USD","amount":"1","amout":"2"}`, 400, "invalid"},
		{"field of the wrong type", op, "POST", "/v1/deposits", `{"id":7,"owner":"alice","asset":"USD","amount":"1"}`, 400, "invalid"},
		{"body too large", op, "POST", "/v1/deposits", `{"id":"x","owner":"alice","asset":"USD","amount":"1","source":"` + strings.Repeat("a", httpapi.BodyBytesMaxDefault) + `"}`, 400, "invalid"},

		// Deposits: ids, owners, assets, amounts, metadata.
		{"missing id", op, "POST", "/v1/deposits", `{"owner":"alice","asset":"USD","amount":"1"}`, 400, "invalid"},
		{"id too long", op, "POST", "/v1/deposits", `{"id":"` + strings.Repeat("i", 129) + `","owner":"alice","asset":"USD","amount":"1"}`, 400, "invalid"},
		{"id with a space", op, "POST", "/v1/deposits", `{"id":"x y","owner":"alice","asset":"USD","amount":"1"}`, 400, "invalid"},
		{"id with a control character", op, "POST", "/v1/deposits", `{"id":"x\u0007","owner":"alice","asset":"USD","amount":"1"}`, 400, "invalid"},
		{"missing owner", op, "POST", "/v1/deposits", `{"id":"x","asset":"USD","amount":"1"}`, 400, "invalid"},
		{"bad owner", op, "POST", "/v1/deposits", `{"id":"x","owner":"al ice","asset":"USD","amount":"1"}`, 400, "invalid"},
		{"missing asset", op, "POST", "/v1/deposits", `{"id":"x","owner":"alice","amount":"1"}`, 400, "invalid"},
		{"unknown asset", op, "POST", "/v1/deposits", `{"id":"x","owner":"alice","asset":"XYZ","amount":"1"}`, 404, "not_found"},
		{"missing amount", op, "POST", "/v1/deposits", `{"id":"x","owner":"alice","asset":"USD"}`, 400, "invalid"},
		{"negative amount", op, "POST", "/v1/deposits", dep(`"-1"`), 400, "invalid"},
		{"zero amount", op, "POST", "/v1/deposits", dep(`"0"`), 400, "invalid"},
		{"zero amount with decimals", op, "POST", "/v1/deposits", dep(`"0.00"`), 400, "invalid"},
		{"over-precise amount", op, "POST", "/v1/deposits", dep(`"1.001"`), 400, "invalid"},
		{"exponent", op, "POST", "/v1/deposits", dep(`"1e3"`), 400, "invalid"},
		{"not a number", op, "POST", "/v1/deposits", dep(`"ten"`), 400, "invalid"},
		{"plus sign", op, "POST", "/v1/deposits", dep(`"+1"`), 400, "invalid"},
		{"padded", op, "POST", "/v1/deposits", dep(`" 1"`), 400, "invalid"},
		{"a JSON number", op, "POST", "/v1/deposits", dep(`1`), 400, "invalid"},
		{"over 2^127-1", op, "POST", "/v1/deposits", dep(`"` + huge + `"`), 400, "invalid"},
		{"too much metadata", op, "POST", "/v1/deposits", `{"id":"x","owner":"alice","asset":"USD","amount":"1","metadata":{` + strings.Join(manyMeta, ",") + `}}`, 400, "invalid"},
		{"metadata value too long", op, "POST", "/v1/deposits", `{"id":"x","owner":"alice","asset":"USD","amount":"1","metadata":{"k":"` + strings.Repeat("v", 1025) + `"}}`, 400, "invalid"},

		// Withdrawals.
		{"withdrawal without destination", op, "POST", "/v1/withdrawals", `{"id":"x","owner":"alice","asset":"USD","amount":"1"}`, 400, "invalid"},
		{"withdrawal negative timeout", op, "POST", "/v1/withdrawals", `{"id":"x","owner":"alice","asset":"USD","amount":"1","destination":"b","timeout_seconds":-1}`, 400, "invalid"},
		{"withdrawal timeout too long", op, "POST", "/v1/withdrawals", `{"id":"x","owner":"alice","asset":"USD","amount":"1","destination":"b","timeout_seconds":99999999999}`, 400, "invalid"},
		{"withdrawal over-precise", op, "POST", "/v1/withdrawals", `{"id":"x","owner":"alice","asset":"USD","amount":"0.001","destination":"b"}`, 400, "invalid"},
		{"complete unknown", op, "POST", "/v1/withdrawals/nope/complete", `{}`, 404, "not_found"},
		{"complete a hold", op, "POST", "/v1/withdrawals/h-1/complete", `{}`, 404, "not_found"},
		{"complete for more", op, "POST", "/v1/withdrawals/w-1/complete", `{"amount":"10.01"}`, 400, "invalid"},
		{"complete for zero", op, "POST", "/v1/withdrawals/w-1/complete", `{"amount":"0"}`, 400, "invalid"},
		{"complete over-precise", op, "POST", "/v1/withdrawals/w-1/complete", `{"amount":"1.001"}`, 400, "invalid"},
		{"complete with a bad id", op, "POST", "/v1/withdrawals/w-1/complete", `{"id":"a b"}`, 400, "invalid"},
		{"complete with unknown field", op, "POST", "/v1/withdrawals/w-1/complete", `{"amont":"1"}`, 400, "invalid"},
		{"fail unknown", op, "POST", "/v1/withdrawals/nope/fail", ``, 404, "not_found"},
		{"fail a payment", op, "POST", "/v1/withdrawals/p-1/fail", ``, 404, "not_found"},
		{"fail with amount", op, "POST", "/v1/withdrawals/w-1/fail", `{"amount":"1"}`, 400, "invalid"},

		// Payments and refunds.
		{"payment without merchant", op, "POST", "/v1/payments", `{"id":"x","owner":"alice","asset":"USD","amount":"1","order_id":"o"}`, 400, "invalid"},
		{"payment without order", op, "POST", "/v1/payments", `{"id":"x","owner":"alice","merchant":"shop","asset":"USD","amount":"1"}`, 400, "invalid"},
		{"payment fee over amount", op, "POST", "/v1/payments", `{"id":"x","owner":"alice","merchant":"shop","asset":"USD","amount":"1","fee":"1.01","order_id":"o"}`, 400, "invalid"},
		{"payment negative fee", op, "POST", "/v1/payments", `{"id":"x","owner":"alice","merchant":"shop","asset":"USD","amount":"1","fee":"-0.01","order_id":"o"}`, 400, "invalid"},
		{"payment unknown asset", op, "POST", "/v1/payments", `{"id":"x","owner":"alice","merchant":"shop","asset":"EUR","amount":"1","order_id":"o"}`, 404, "not_found"},
		{"refund unknown payment", op, "POST", "/v1/payments/nope/refunds", `{"id":"x"}`, 404, "not_found"},
		{"refund a deposit", op, "POST", "/v1/payments/d-1/refunds", `{"id":"x"}`, 404, "not_found"},
		{"refund more than paid", op, "POST", "/v1/payments/p-1/refunds", `{"id":"x","amount":"10.01"}`, 400, "invalid"},
		{"refund over-precise", op, "POST", "/v1/payments/p-1/refunds", `{"id":"x","amount":"1.001"}`, 400, "invalid"},
		{"refund without id", op, "POST", "/v1/payments/p-1/refunds", `{"amount":"1"}`, 400, "invalid"},

		// Exchanges.
		{"exchange with rate and counter", op, "POST", "/v1/exchanges", `{"id":"x","owner":"alice","from":"USD","to":"GOLD","amount":"1","rate":"2","counter_amount":"2"}`, 400, "invalid"},
		{"exchange with neither", op, "POST", "/v1/exchanges", `{"id":"x","owner":"alice","from":"USD","to":"GOLD","amount":"1"}`, 400, "invalid"},
		{"exchange to itself", op, "POST", "/v1/exchanges", `{"id":"x","owner":"alice","from":"USD","to":"USD","amount":"1","rate":"1"}`, 400, "invalid"},
		{"exchange bad rate", op, "POST", "/v1/exchanges", `{"id":"x","owner":"alice","from":"USD","to":"GOLD","amount":"1","rate":"1e2"}`, 400, "invalid"},
		{"exchange zero rate", op, "POST", "/v1/exchanges", `{"id":"x","owner":"alice","from":"USD","to":"GOLD","amount":"1","rate":"0.0"}`, 400, "invalid"},
		{"exchange negative rate", op, "POST", "/v1/exchanges", `{"id":"x","owner":"alice","from":"USD","to":"GOLD","amount":"1","rate":"-2"}`, 400, "invalid"},
		{"exchange unknown asset", op, "POST", "/v1/exchanges", `{"id":"x","owner":"alice","from":"USD","to":"DOGE","amount":"1","rate":"2"}`, 404, "not_found"},
		{"exchange over-precise counter", op, "POST", "/v1/exchanges", `{"id":"x","owner":"alice","from":"USD","to":"GOLD","amount":"1","counter_amount":"1.5"}`, 400, "invalid"},

		// Holds.
		{"hold bad merchant", op, "POST", "/v1/holds", `{"id":"x","owner":"alice","asset":"USD","amount":"1","merchant":"a/b"}`, 400, "invalid"},
		{"hold over-precise", op, "POST", "/v1/holds", `{"id":"x","owner":"alice","asset":"USD","amount":"0.005"}`, 400, "invalid"},
		{"hold negative timeout", op, "POST", "/v1/holds", `{"id":"x","owner":"alice","asset":"USD","amount":"1","timeout_seconds":-5}`, 400, "invalid"},
		{"capture unknown", op, "POST", "/v1/holds/nope/capture", ``, 404, "not_found"},
		{"capture a withdrawal", op, "POST", "/v1/holds/w-1/capture", ``, 404, "not_found"},
		{"capture for more", op, "POST", "/v1/holds/h-1/capture", `{"amount":"11"}`, 400, "invalid"},
		{"release a withdrawal", op, "POST", "/v1/holds/w-1/release", ``, 404, "not_found"},

		// Transfers.
		{"transfer without debit account", op, "POST", "/v1/transfers", `{"id":"x","credit_account_id":"wallet:bob:USD","amount":"1"}`, 400, "invalid"},
		{"transfer unknown debit account", op, "POST", "/v1/transfers", `{"id":"x","debit_account_id":"wallet:zed:USD","credit_account_id":"wallet:bob:USD","amount":"1"}`, 404, "not_found"},
		{"transfer unknown credit account", op, "POST", "/v1/transfers", `{"id":"x","debit_account_id":"wallet:alice:USD","credit_account_id":"wallet:zed:USD","amount":"1"}`, 404, "not_found"},
		{"transfer to itself", op, "POST", "/v1/transfers", `{"id":"x","debit_account_id":"wallet:alice:USD","credit_account_id":"wallet:alice:USD","amount":"1"}`, 400, "invalid"},
		{"transfer bad type", op, "POST", "/v1/transfers", tr(`,"type":"gift"`), 400, "invalid"},
		{"transfer timeout not pending", op, "POST", "/v1/transfers", tr(`,"timeout_seconds":5`), 400, "invalid"},
		{"transfer reference too long", op, "POST", "/v1/transfers", tr(`,"reference":"` + strings.Repeat("r", 257) + `"`), 400, "invalid"},
		{"transfer over-precise", op, "POST", "/v1/transfers", `{"id":"x","debit_account_id":"wallet:alice:USD","credit_account_id":"wallet:bob:USD","amount":"0.123"}`, 400, "invalid"},
		{"transfer huge", op, "POST", "/v1/transfers", `{"id":"x","debit_account_id":"wallet:alice:USD","credit_account_id":"wallet:bob:USD","amount":"` + huge + `"}`, 400, "invalid"},
		{"post unknown", op, "POST", "/v1/transfers/nope/post", ``, 404, "not_found"},
		{"post for more", op, "POST", "/v1/transfers/t-1/post", `{"amount":"2"}`, 400, "invalid"},
		{"void unknown", op, "POST", "/v1/transfers/nope/void", ``, 404, "not_found"},
		{"void malformed", op, "POST", "/v1/transfers/t-1/void", `{`, 400, "invalid"},

		// Batches.
		{"batch bad mode", op, "POST", "/v1/transfers/batch", `{"mode":"some","transfers":[` + tr(``) + `]}`, 400, "invalid"},
		{"batch empty", op, "POST", "/v1/transfers/batch", `{"mode":"independent","transfers":[]}`, 400, "invalid"},
		{"atomic batch without id", op, "POST", "/v1/transfers/batch", `{"mode":"atomic","transfers":[` + tr(``) + `,` + strings.Replace(tr(``), `"x"`, `"y"`, 1) + `]}`, 400, "invalid"},
		{"atomic batch with a bad item", op, "POST", "/v1/transfers/batch", `{"mode":"atomic","id":"g","transfers":[` + tr(``) + `,{"id":"y","debit_account_id":"wallet:alice:USD","credit_account_id":"wallet:bob:USD","amount":"-1"}]}`, 400, "invalid"},
		{"atomic batch with an unknown account", op, "POST", "/v1/transfers/batch", `{"mode":"atomic","id":"g","transfers":[` + tr(``) + `,{"id":"y","debit_account_id":"wallet:alice:USD","credit_account_id":"wallet:zed:USD","amount":"1"}]}`, 404, "not_found"},
		{"atomic batch with a repeated id", op, "POST", "/v1/transfers/batch", `{"mode":"atomic","id":"g","transfers":[` + tr(``) + `,` + tr(``) + `]}`, 400, "invalid"},
		{"independent batch with an id", op, "POST", "/v1/transfers/batch", `{"mode":"independent","id":"g","transfers":[` + tr(``) + `]}`, 400, "invalid"},
		{"batch unknown field in an item", op, "POST", "/v1/transfers/batch", `{"mode":"independent","transfers":[{"id":"x","amunt":"1"}]}`, 400, "invalid"},

		// Adjustments.
		{"adjustment without reason", admin, "POST", "/v1/adjustments", `{"id":"x","account_id":"wallet:alice:USD","direction":"credit","amount":"1"}`, 400, "invalid"},
		{"adjustment blank reason", admin, "POST", "/v1/adjustments", `{"id":"x","account_id":"wallet:alice:USD","direction":"credit","amount":"1","reason":"  "}`, 400, "invalid"},
		{"adjustment bad direction", admin, "POST", "/v1/adjustments", `{"id":"x","account_id":"wallet:alice:USD","direction":"up","amount":"1","reason":"r"}`, 400, "invalid"},
		{"adjustment unknown account", admin, "POST", "/v1/adjustments", `{"id":"x","account_id":"wallet:zed:USD","direction":"credit","amount":"1","reason":"r"}`, 404, "not_found"},
		{"adjustment counter of another asset", admin, "POST", "/v1/adjustments", `{"id":"x","account_id":"wallet:alice:USD","direction":"credit","amount":"1","counter_account_id":"system:world:GOLD","reason":"r"}`, 400, "invalid"},
		{"adjustment zero", admin, "POST", "/v1/adjustments", `{"id":"x","account_id":"wallet:alice:USD","direction":"credit","amount":"0","reason":"r"}`, 400, "invalid"},

		// Accounts.
		{"account bad kind", op, "POST", "/v1/accounts", `{"kind":"vault","owner":"zed","asset":"USD"}`, 400, "invalid"},
		{"account bad owner", op, "POST", "/v1/accounts", `{"kind":"wallet","owner":"","asset":"USD"}`, 400, "invalid"},
		{"account unknown asset", op, "POST", "/v1/accounts", `{"kind":"wallet","owner":"zed","asset":"EUR"}`, 404, "not_found"},
		{"account negative overdraft", op, "POST", "/v1/accounts", `{"kind":"wallet","owner":"zed","asset":"USD","overdraft_limit":"-1"}`, 400, "invalid"},
		{"lock without reason", op, "POST", "/v1/accounts/wallet:alice:USD/lock", `{"id":"x","debits":true}`, 400, "invalid"},
		{"lock of nothing", op, "POST", "/v1/accounts/wallet:alice:USD/lock", `{"id":"x","reason":"r"}`, 400, "invalid"},
		{"lock unknown account", op, "POST", "/v1/accounts/wallet:zed:USD/lock", `{"id":"x","debits":true,"reason":"r"}`, 404, "not_found"},
		{"unlock without id", op, "POST", "/v1/accounts/wallet:alice:USD/unlock", `{}`, 400, "invalid"},

		// Assets and keys.
		{"asset without scale", admin, "POST", "/v1/assets", `{"code":"EUR"}`, 400, "invalid"},
		{"asset lowercase", admin, "POST", "/v1/assets", `{"code":"eur","scale":2}`, 400, "invalid"},
		{"asset scale too large", admin, "POST", "/v1/assets", `{"code":"EUR","scale":31}`, 400, "invalid"},
		{"key bad role", admin, "POST", "/v1/keys", `{"name":"k","role":"root"}`, 400, "invalid"},
		{"key without name", admin, "POST", "/v1/keys", `{"role":"reader"}`, 400, "invalid"},
		{"revoke unknown key", admin, "POST", "/v1/keys/key_x/revoke", ``, 404, "not_found"},

		// Queries.
		{"limit zero", rd, "GET", "/v1/accounts?limit=0", ``, 400, "invalid"},
		{"limit too large", rd, "GET", "/v1/transfers?limit=1001", ``, 400, "invalid"},
		{"limit not a number", rd, "GET", "/v1/events?limit=ten", ``, 400, "invalid"},
		{"bad cursor", rd, "GET", "/v1/transfers?cursor=%21%21", ``, 400, "invalid"},
		{"forged cursor", rd, "GET", "/v1/transfers?cursor=bm90LWEtdGltZQ", ``, 400, "invalid"},
		{"time cursor for an account", rd, "GET", "/v1/transfers?account_id=wallet:alice:USD&cursor=MjAyNi0wMS0wMVQwMDowMDowMFoKdDE", ``, 400, "invalid"},
		{"zero account cursor", rd, "GET", "/v1/transfers?account_id=wallet:alice:USD&cursor=c2VxCjA", ``, 400, "invalid"},
		{"bad entry cursor", rd, "GET", "/v1/accounts/wallet:alice:USD/entries?cursor=eA", ``, 400, "invalid"},
		{"bad order", rd, "GET", "/v1/transfers?order=sideways", ``, 400, "invalid"},
		{"bad time", rd, "GET", "/v1/transfers?from=yesterday", ``, 400, "invalid"},
		{"bad type", rd, "GET", "/v1/accounts/wallet:alice:USD/entries?type=gift", ``, 400, "invalid"},
		{"bad kind", rd, "GET", "/v1/accounts?kind=vault", ``, 400, "invalid"},
		{"bad after", rd, "GET", "/v1/events?after=-1", ``, 400, "invalid"},
		{"balances of a bad owner", rd, "GET", "/v1/owners/a%20b/balances", ``, 400, "invalid"},

		// Paths and methods that are not there.
		{"unknown path", op, "GET", "/v1/wallets", ``, 404, "not_found"},
		{"wrong method", op, "DELETE", "/v1/deposits", ``, 404, "not_found"},
		{"GET on a write", op, "GET", "/v1/withdrawals", ``, 404, "not_found"},
	}
	keys := map[string]string{admin: adminKey, op: e.operatorKey, rd: e.readerKey, none: "", bogus: "ck_" + strings.Repeat("0", 64)}
	before := e.state("alice", "bob", "zed")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := e.raw(c.method, c.path, keys[c.key], c.body)
			wantEnvelope(t, status, body, c.status, c.code)
		})
	}
	if after := e.state("alice", "bob", "zed"); after != before {
		t.Errorf("refused requests changed\n%s\nto\n%s", before, after)
	}

	// The ids the refused requests named are still free.
	if _, err := e.operator.Deposit(ctx, client.DepositRequest{ID: "x", Owner: "alice", Asset: "USD", Amount: "1"}); err != nil {
		t.Errorf("deposit x after the refusals: %v", err)
	}
	if _, err := e.operator.CompleteWithdrawal(ctx, "w-1", client.PostRequest{}); err != nil {
		t.Errorf("complete w-1 after the refusals: %v", err)
	}
	if _, err := e.operator.CaptureHold(ctx, "h-1", client.PostRequest{}); err != nil {
		t.Errorf("capture h-1 after the refusals: %v", err)
	}
	if _, err := e.operator.Refund(ctx, "p-1", client.RefundRequest{ID: "x-refund"}); err != nil {
		t.Errorf("refund p-1 after the refusals: %v", err)
	}
	if _, err := e.operator.LockAccount(ctx, "wallet:alice:USD", client.LockAccountRequest{ID: "x-lock", Debits: true, Reason: "r"}); err != nil {
		t.Errorf("lock after the refusals: %v", err)
	}
	e.wantBalance("alice", "USD", "81.00", "80.00", "1.00", "0.00")
}

// FuzzRequestBody sends hostile bodies to every write endpoint: whatever comes, the answer is a
// success or the error envelope under its code's status, never an internal error.
func FuzzRequestBody(f *testing.F) {
	paths := []string{"/v1/deposits", "/v1/withdrawals", "/v1/payments", "/v1/exchanges", "/v1/holds",
		"/v1/transfers", "/v1/transfers/batch", "/v1/accounts", "/v1/adjustments", "/v1/assets",
		"/v1/accounts/wallet:alice:USD/lock", "/v1/withdrawals/w-1/complete", "/v1/holds/w-1/release",
		"/v1/payments/p-1/refunds", "/v1/keys"}
	for i, body := range []string{
		`{"id":"x","owner":"alice","asset":"USD","amount":"1.5"}`,
		`{"id":"x","owner":"alice","asset":"USD","amount":"1","destination":"b","timeout_seconds":1}`,
		`{"id":"x","owner":"alice","merchant":"m","asset":"USD","amount":"1","fee":"0.1","order_id":"o"}`,
		`{"id":"x","owner":"alice","from":"USD","to":"GOLD","amount":"1","rate":"3.5"}`,
		`{"mode":"atomic","id":"g","transfers":[{"id":"a","debit_account_id":"wallet:alice:USD","credit_account_id":"system:fees:USD","amount":"1"}]}`,
		`{"kind":"wallet","owner":"z","asset":"ETH","overdraft_limit":"0.000000000000000001"}`,
		`{"id":"x","account_id":"wallet:alice:USD","direction":"debit","amount":"1","reason":"r"}`,
		`{"code":"EUR","scale":30}`, `{"name":"k","role":"reader"}`, `{"amount":"99999999999999999999999999999999999999999"}`,
		`{"id":"x","debits":true,"reason":"r"}`, `{}`, `[]`, `null`, `{"id":"\u0000"}`, "\xff",
	} {
		f.Add(uint8(i), body)
	}
	e := setup(f)
	e.deposit("d-1", "alice", "USD", "100")
	keys := []string{adminKey, e.operatorKey}
	f.Fuzz(func(t *testing.T, at uint8, body string) {
		req, err := http.NewRequest("POST", e.url+paths[int(at)%len(paths)], strings.NewReader(body))
		if err != nil {
			t.Skip()
		}
		req.Header.Set("Authorization", "Bearer "+keys[int(at)%2])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var answer map[string]json.RawMessage
		if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
			t.Fatalf("%s: status %d, not a JSON object: %v", req.URL.Path, resp.StatusCode, err)
		}
		if resp.StatusCode < 400 {
			return
		}
		var eb client.ErrorBody
		if err := json.Unmarshal(answer["error"], &eb); err != nil || httpapi.StatusByCode[eb.Code] != resp.StatusCode {
			t.Fatalf("%s: status %d with %s", req.URL.Path, resp.StatusCode, answer["error"])
		}
		if eb.Code == "internal" {
			t.Fatalf("%s %q: internal error", req.URL.Path, body)
		}
	})
}
