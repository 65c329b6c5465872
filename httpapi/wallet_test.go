package httpapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

func TestDeposit(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	res, err := e.operator.Deposit(ctx, client.DepositRequest{ID: "dep-1", Owner: "alice", Asset: "USD",
		Amount: "100.5", Source: "card", Metadata: map[string]string{"channel": "app"}})
	if err != nil {
		t.Fatal(err)
	}
	tr := res.Transfer
	if tr.ID != "dep-1" || tr.Type != "deposit" || tr.State != "posted" || tr.Amount != "100.50" ||
		tr.DebitAccountID != "system:world:USD" || tr.CreditAccountID != "wallet:alice:USD" ||
		tr.Reference != "card" || tr.Metadata["channel"] != "app" || tr.Asset != "USD" {
		t.Errorf("transfer %+v", tr)
	}
	e.wantBalance("alice", "USD", "100.50", "100.50", "0.00", "0.00")
	if w := e.account("system:world:USD"); w.Balance != "-100.50" {
		t.Errorf("world balance %s, want -100.50", w.Balance)
	}

	// 18 decimals and amounts past 2^64 survive the round trip exactly.
	e.deposit("dep-eth", "alice", "ETH", "123456789012.123456789012345678")
	e.wantBalance("alice", "ETH", "123456789012.123456789012345678", "123456789012.123456789012345678",
		"0.000000000000000000", "0.000000000000000000")

	// 2^127-1 minor units is the most any running total holds.
	e.deposit("dep-max", "alice", "GOLD", "170141183460469231731687303715884105727")
	e.wantBalance("alice", "GOLD", "170141183460469231731687303715884105727", "170141183460469231731687303715884105727", "0", "0")
	_, err = e.operator.Deposit(ctx, client.DepositRequest{ID: "dep-over", Owner: "bob", Asset: "GOLD", Amount: "1"})
	wantCode(t, err, coffer.ELIMIT)
}

func TestWithdrawal(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("dep-1", "alice", "USD", "100")

	res, err := e.operator.Withdraw(ctx, client.WithdrawalRequest{ID: "wd-1", Owner: "alice", Asset: "USD",
		Amount: "30", Destination: "iban:DE00", TimeoutSeconds: 3600})
	if err != nil {
		t.Fatal(err)
	}
	if tr := res.Transfer; tr.State != "pending" || !tr.Pending || tr.Amount != "30.00" || tr.ExpiresAt == nil ||
		!tr.ExpiresAt.Equal(e.clock.Now().Add(time.Hour)) || tr.Reference != "iban:DE00" {
		t.Errorf("withdrawal %+v", tr)
	}
	e.wantBalance("alice", "USD", "100.00", "70.00", "30.00", "0.00")

	// Completed for less than was held: the rest goes back.
	res, err = e.operator.CompleteWithdrawal(ctx, "wd-1", client.PostRequest{Amount: "25.5"})
	if err != nil {
		t.Fatal(err)
	}
	if tr := res.Transfer; tr.State != "posted" || tr.PostedAmount != "25.50" || tr.ResolvedAt == nil {
		t.Errorf("completed %+v", tr)
	}
	e.wantBalance("alice", "USD", "74.50", "74.50", "0.00", "0.00")

	// A failed withdrawal gives everything back.
	if _, err := e.operator.Withdraw(ctx, client.WithdrawalRequest{ID: "wd-2", Owner: "alice", Asset: "USD",
		Amount: "50", Destination: "iban:DE00"}); err != nil {
		t.Fatal(err)
	}
	e.wantBalance("alice", "USD", "74.50", "24.50", "50.00", "0.00")
	res, err = e.operator.FailWithdrawal(ctx, "wd-2", client.VoidRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Transfer.State != "voided" {
		t.Errorf("failed %+v", res.Transfer)
	}
	e.wantBalance("alice", "USD", "74.50", "74.50", "0.00", "0.00")

	// Resolved once: completing a failed withdrawal is a conflict.
	_, err = e.operator.CompleteWithdrawal(ctx, "wd-2", client.PostRequest{})
	wantCode(t, err, coffer.ECONFLICT)

	// More than available.
	_, err = e.operator.Withdraw(ctx, client.WithdrawalRequest{ID: "wd-3", Owner: "alice", Asset: "USD",
		Amount: "74.51", Destination: "iban:DE00"})
	wantCode(t, err, coffer.EINSUFFICIENTFUNDS)
	e.wantBalance("alice", "USD", "74.50", "74.50", "0.00", "0.00")
}

func TestPaymentAndRefund(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("dep-1", "alice", "USD", "100")

	res, err := e.operator.Pay(ctx, client.PaymentRequest{ID: "pay-1", Owner: "alice", Merchant: "shop",
		Asset: "USD", Amount: "40", Fee: "1.20", OrderID: "order-77"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Transfer.Type != "payment" || res.Transfer.Amount != "40.00" || res.Transfer.Reference != "order-77" ||
		res.Fee == nil || res.Fee.ID != "pay-1/fee" || res.Fee.Amount != "1.20" || res.Fee.Type != "fee" {
		t.Errorf("payment %+v fee %+v", res.Transfer, res.Fee)
	}
	e.wantBalance("alice", "USD", "60.00", "60.00", "0.00", "0.00")
	if m := e.account("merchant:shop:USD"); m.Balance != "38.80" {
		t.Errorf("merchant balance %s, want 38.80", m.Balance)
	}
	if f := e.account("system:fees:USD"); f.Balance != "1.20" {
		t.Errorf("fees balance %s, want 1.20", f.Balance)
	}

	// A payment without a fee has no fee transfer.
	res, err = e.operator.Pay(ctx, client.PaymentRequest{ID: "pay-2", Owner: "alice", Merchant: "shop",
		Asset: "USD", Amount: "5", OrderID: "order-78"})
	if err != nil || res.Fee != nil {
		t.Fatalf("pay-2: %+v, %v", res, err)
	}

	// Part, then the rest.
	res, err = e.operator.Refund(ctx, "pay-1", client.RefundRequest{ID: "ref-1", Amount: "10", Reason: "damaged"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Transfer.Type != "refund" || res.Transfer.Amount != "10.00" || res.Payment == nil ||
		res.Payment.Refunded != "10.00" || res.Transfer.Metadata["reason"] != "damaged" {
		t.Errorf("refund %+v payment %+v", res.Transfer, res.Payment)
	}
	res, err = e.operator.Refund(ctx, "pay-1", client.RefundRequest{ID: "ref-2"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Transfer.Amount != "30.00" || res.Payment.Refunded != "40.00" {
		t.Errorf("second refund %+v payment %+v", res.Transfer, res.Payment)
	}
	e.wantBalance("alice", "USD", "95.00", "95.00", "0.00", "0.00")
	_, err = e.operator.Refund(ctx, "pay-1", client.RefundRequest{ID: "ref-3", Amount: "0.01"})
	wantCode(t, err, coffer.ECONFLICT)
	// Only payments are refunded.
	_, err = e.operator.Refund(ctx, "dep-1", client.RefundRequest{ID: "ref-4"})
	wantCode(t, err, coffer.ENOTFOUND)
}

func TestExchange(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("dep-1", "alice", "USD", "100")
	// The pool must hold GOLD to pay it out.
	if _, err := e.admin.Adjust(ctx, client.AdjustmentRequest{ID: "fund-pool", AccountID: "system:exchange:GOLD",
		Direction: "credit", Amount: "1000000", Reason: "seed the exchange pool"}); err != nil {
		t.Fatal(err)
	}

	res, err := e.operator.Exchange(ctx, client.ExchangeRequest{ID: "ex-1", Owner: "alice", From: "USD", To: "GOLD",
		Amount: "10.55", Rate: "100"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Transfer.Amount != "10.55" || res.Counter == nil || res.Counter.Amount != "1055" || res.Rate != "100" ||
		res.Counter.Asset != "GOLD" {
		t.Errorf("exchange %+v counter %+v rate %q", res.Transfer, res.Counter, res.Rate)
	}
	// Rounded down: 0.99 USD at 1.5 GOLD per USD is 1.485 GOLD, paid as 1.
	res, err = e.operator.Exchange(ctx, client.ExchangeRequest{ID: "ex-2", Owner: "alice", From: "USD", To: "GOLD",
		Amount: "0.99", Rate: "1.5"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Counter.Amount != "1" {
		t.Errorf("rounded counter %s, want 1", res.Counter.Amount)
	}
	res, err = e.operator.Exchange(ctx, client.ExchangeRequest{ID: "ex-3", Owner: "alice", From: "USD", To: "GOLD",
		Amount: "2", CounterAmount: "150"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Counter.Amount != "150" || res.Rate != "75" {
		t.Errorf("counter %+v rate %q", res.Counter, res.Rate)
	}
	e.wantBalance("alice", "USD", "86.46", "86.46", "0.00", "0.00")
	e.wantBalance("alice", "GOLD", "1206", "1206", "0", "0")
}

func TestHolds(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("dep-1", "alice", "USD", "100")

	res, err := e.operator.Hold(ctx, client.HoldRequest{ID: "hold-1", Owner: "alice", Asset: "USD", Amount: "20",
		Merchant: "hotel", Reference: "booking-9"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Transfer.Type != "hold" || res.Transfer.State != "pending" || res.Transfer.CreditAccountID != "merchant:hotel:USD" {
		t.Errorf("hold %+v", res.Transfer)
	}
	e.wantBalance("alice", "USD", "100.00", "80.00", "20.00", "0.00")
	if m := e.account("merchant:hotel:USD"); m.Incoming != "20.00" || m.Balance != "0.00" {
		t.Errorf("merchant %+v", m)
	}
	if _, err := e.operator.CaptureHold(ctx, "hold-1", client.PostRequest{Amount: "15"}); err != nil {
		t.Fatal(err)
	}
	e.wantBalance("alice", "USD", "85.00", "85.00", "0.00", "0.00")
	if m := e.account("merchant:hotel:USD"); m.Incoming != "0.00" || m.Balance != "15.00" {
		t.Errorf("merchant %+v", m)
	}

	// Released: all back. Spent in the app (no merchant): towards the world account.
	res, err = e.operator.Hold(ctx, client.HoldRequest{ID: "hold-2", Owner: "alice", Asset: "USD", Amount: "5"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Transfer.CreditAccountID != "system:world:USD" {
		t.Errorf("hold-2 %+v", res.Transfer)
	}
	if _, err := e.operator.ReleaseHold(ctx, "hold-2", client.VoidRequest{ID: "release-hold-2"}); err != nil {
		t.Fatal(err)
	}
	e.wantBalance("alice", "USD", "85.00", "85.00", "0.00", "0.00")

	// Past its timeout a hold can no longer be captured.
	if _, err := e.operator.Hold(ctx, client.HoldRequest{ID: "hold-3", Owner: "alice", Asset: "USD", Amount: "5",
		TimeoutSeconds: 60}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(61 * time.Second)
	_, err = e.operator.CaptureHold(ctx, "hold-3", client.PostRequest{})
	wantCode(t, err, coffer.EEXPIRED)

	// A hold is not a withdrawal: the wrong verb is not_found and uses up nothing.
	if _, err := e.operator.Hold(ctx, client.HoldRequest{ID: "hold-4", Owner: "alice", Asset: "USD", Amount: "5"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.operator.CompleteWithdrawal(ctx, "hold-4", client.PostRequest{})
	wantCode(t, err, coffer.ENOTFOUND)
	if _, err := e.operator.CaptureHold(ctx, "hold-4", client.PostRequest{}); err != nil {
		t.Fatalf("capture after the wrong verb: %v", err)
	}
}

func TestAdjustment(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("dep-1", "alice", "USD", "10")
	res, err := e.admin.Adjust(ctx, client.AdjustmentRequest{ID: "adj-1", AccountID: "wallet:alice:USD",
		Direction: "credit", Amount: "2.5", Reason: "goodwill"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Transfer.Type != "adjustment" || res.Transfer.Metadata["reason"] != "goodwill" ||
		res.Transfer.DebitAccountID != "system:world:USD" {
		t.Errorf("adjustment %+v", res.Transfer)
	}
	if _, err := e.admin.Adjust(ctx, client.AdjustmentRequest{ID: "adj-2", AccountID: "wallet:alice:USD",
		Direction: "debit", Amount: "1", CounterAccountID: "system:fees:USD", Reason: "fee correction"}); err != nil {
		t.Fatal(err)
	}
	e.wantBalance("alice", "USD", "11.50", "11.50", "0.00", "0.00")
	if f := e.account("system:fees:USD"); f.Balance != "1.00" {
		t.Errorf("fees %s", f.Balance)
	}
	_, err = e.operator.Adjust(ctx, client.AdjustmentRequest{ID: "adj-3", AccountID: "wallet:alice:USD",
		Direction: "credit", Amount: "1", Reason: "operator tries"})
	wantCode(t, err, coffer.EFORBIDDEN)
}
