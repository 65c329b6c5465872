package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// TestDerivedIDsCannotBeSquatted tries to take, with ids a client may choose, the ids Coffer
// derives for itself: an asset's and an account's creation, a capture's default operation id, a
// payment's fee transfer and an exchange's counter transfer. None of it may block the real thing.
func TestDerivedIDsCannotBeSquatted(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()

	// Ids that looked like the derived ones before '/' was reserved are plain client ids now.
	e.deposit("asset:QD66", "mallory", "USD", "1")
	e.deposit("account:merchant:shop-7:USD", "mallory", "USD", "1")
	if _, err := e.admin.CreateAsset(ctx, client.CreateAssetRequest{Code: "QD66", Scale: 2}); err != nil {
		t.Fatalf("asset QD66 after a deposit with id asset:QD66: %v", err)
	}
	if _, err := e.operator.CreateAccount(ctx, client.CreateAccountRequest{Kind: "merchant", Owner: "shop-7", Asset: "USD"}); err != nil {
		t.Fatalf("merchant shop-7 after a deposit with id account:merchant:shop-7:USD: %v", err)
	}

	// A client id with '/' is refused, naming the field, wherever a client chooses an id.
	e.deposit("dep-1", "alice", "USD", "100")
	before := e.state("alice", "mallory")
	for _, tt := range []struct {
		name, path, body, field string
	}{
		{"deposit", "/v1/deposits", `{"id":"hold-1/post","owner":"mallory","asset":"USD","amount":"1"}`, "id"},
		{"deposit of a system id", "/v1/deposits", `{"id":"/asset/QD67","owner":"mallory","asset":"USD","amount":"1"}`, "id"},
		{"payment", "/v1/payments", `{"id":"p/fee","owner":"alice","merchant":"m","asset":"USD","amount":"1","order_id":"o"}`, "id"},
		{"transfer", "/v1/transfers", `{"id":"t/1","debit_account_id":"wallet:alice:USD","credit_account_id":"system:world:USD","amount":"1"}`, "id"},
		{"atomic batch", "/v1/transfers/batch", `{"mode":"atomic","id":"g/1","transfers":[{"id":"a","debit_account_id":"wallet:alice:USD","credit_account_id":"system:world:USD","amount":"1"},{"id":"b","debit_account_id":"wallet:alice:USD","credit_account_id":"system:world:USD","amount":"1"}]}`, "id"},
		{"atomic batch item", "/v1/transfers/batch", `{"mode":"atomic","id":"g-1","transfers":[{"id":"a/1","debit_account_id":"wallet:alice:USD","credit_account_id":"system:world:USD","amount":"1"},{"id":"b","debit_account_id":"wallet:alice:USD","credit_account_id":"system:world:USD","amount":"1"}]}`, "id"},
		{"lock", "/v1/accounts/wallet:alice:USD/lock", `{"id":"l/1","debits":true,"reason":"r"}`, "id"},
		{"unlock", "/v1/accounts/wallet:alice:USD/unlock", `{"id":"u/1"}`, "id"},
		{"capture", "/v1/transfers/dep-1/post", `{"id":"x/post"}`, "id"},
		{"refund", "/v1/payments/p-1/refunds", `{"id":"r/1"}`, "id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := e.raw("POST", tt.path, e.operatorKey, tt.body)
			wantEnvelope(t, status, body, http.StatusBadRequest, coffer.EINVALID)
			if !strings.Contains(string(body), tt.field+` \"`) || !strings.Contains(string(body), "'/'") {
				t.Errorf("the error does not name field %s and the reserved '/': %s", tt.field, body)
			}
		})
	}
	// The independent batch answers per item.
	res, err := e.operator.CreateTransfers(ctx, client.BatchRequest{Mode: client.BatchIndependent, Transfers: []client.TransferRequest{
		{ID: "i/1", DebitAccountID: "wallet:alice:USD", CreditAccountID: "system:world:USD", Amount: "1"}}})
	if err != nil || res.Results[0].Status != http.StatusBadRequest || res.Results[0].Error.Code != coffer.EINVALID {
		t.Errorf("independent batch item with '/': %+v, %v", res, err)
	}
	if after := e.state("alice", "mallory"); after != before {
		t.Errorf("refused requests changed the state:\n%s\n%s", before, after)
	}

	// The derived ids themselves.
	pay, err := e.operator.Pay(ctx, client.PaymentRequest{ID: "pay-1", Owner: "alice", Merchant: "shop-7",
		Asset: "USD", Amount: "10", Fee: "0.50", OrderID: "o-1"})
	if err != nil || pay.Fee == nil || pay.Fee.ID != "pay-1/fee" {
		t.Fatalf("payment: %+v, %v; want the fee transfer pay-1/fee", pay, err)
	}
	// A transfer whose id holds '/' is read with %2F in the path.
	if fee, err := e.reader.Transfer(ctx, "pay-1/fee"); err != nil || fee.ID != "pay-1/fee" || fee.Type != "fee" {
		t.Errorf("GET of pay-1/fee: %+v, %v", fee, err)
	}
	if status, body := e.raw("GET", "/v1/transfers/pay-1%2Ffee", e.readerKey, ""); status != http.StatusOK || !strings.Contains(string(body), `"pay-1/fee"`) {
		t.Errorf("GET /v1/transfers/pay-1%%2Ffee: %d %s", status, body)
	}
	if _, err := e.admin.Adjust(ctx, client.AdjustmentRequest{ID: "fund-pool", AccountID: "system:exchange:GOLD",
		Direction: "credit", Amount: "1000", Reason: "seed the exchange pool"}); err != nil {
		t.Fatal(err)
	}
	ex, err := e.operator.Exchange(ctx, client.ExchangeRequest{ID: "ex-1", Owner: "alice", From: "USD", To: "GOLD",
		Amount: "1", CounterAmount: "1"})
	if err != nil || ex.Counter == nil || ex.Counter.ID != "ex-1/counter" {
		t.Fatalf("exchange: %+v, %v; want the counter transfer ex-1/counter", ex, err)
	}
}

// TestSecondCaptureNamesTheHold captures and releases a hold that was already captured: the
// conflict speaks of the hold the client named and its state, never of an operation id the
// client did not type.
func TestSecondCaptureNamesTheHold(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("dep-1", "alice", "USD", "100")
	if _, err := e.operator.Hold(ctx, client.HoldRequest{ID: "hold-1", Owner: "alice", Asset: "USD", Amount: "10"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.operator.CaptureHold(ctx, "hold-1", client.PostRequest{Amount: "4"}); err != nil {
		t.Fatal(err)
	}
	// The same capture again is a replay: the first answer.
	if res, err := e.operator.CaptureHold(ctx, "hold-1", client.PostRequest{Amount: "4"}); err != nil || res.Transfer.PostedAmount != "4.00" {
		t.Fatalf("replayed capture: %+v, %v", res, err)
	}
	for _, tt := range []struct {
		name string
		call func() error
		want string
	}{
		{"capture for another amount", func() error {
			_, err := e.operator.CaptureHold(ctx, "hold-1", client.PostRequest{Amount: "5"})
			return err
		}, `hold "hold-1" was already captured for 4.00 USD`},
		{"capture of all", func() error {
			_, err := e.operator.CaptureHold(ctx, "hold-1", client.PostRequest{})
			return err
		}, `hold "hold-1" was already captured for 4.00 USD`},
		{"release", func() error {
			_, err := e.operator.ReleaseHold(ctx, "hold-1", client.VoidRequest{})
			return err
		}, `hold "hold-1" was already captured for 4.00 USD`},
		{"post", func() error {
			_, err := e.operator.PostTransfer(ctx, "hold-1", client.PostRequest{Amount: "1"})
			return err
		}, `hold "hold-1" was already captured for 4.00 USD`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			wantCode(t, err, coffer.ECONFLICT)
			msg := coffer.ErrorMessage(err)
			if !strings.Contains(msg, tt.want) || strings.Contains(msg, "/post") || strings.Contains(msg, "/void") {
				t.Errorf("message %q; want it to say %q and name no derived id", msg, tt.want)
			}
		})
	}
	// A withdrawal speaks of its own verbs.
	if _, err := e.operator.Withdraw(ctx, client.WithdrawalRequest{ID: "wd-2", Owner: "alice", Asset: "USD", Amount: "1", Destination: "bank"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.operator.FailWithdrawal(ctx, "wd-2", client.VoidRequest{}); err != nil {
		t.Fatal(err)
	}
	_, err := e.operator.CompleteWithdrawal(ctx, "wd-2", client.PostRequest{})
	wantCode(t, err, coffer.ECONFLICT)
	if msg := coffer.ErrorMessage(err); !strings.Contains(msg, `withdrawal "wd-2" has already failed`) {
		t.Errorf("completing a failed withdrawal: %q", msg)
	}
}
