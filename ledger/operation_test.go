package ledger_test

import (
	"context"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/ledger"
)

// TestOperationSubjects checks what each kind of operation records it was about, done or
// rejected, and that a rejection, and only a rejection, yields an operation.rejected event.
func TestOperationSubjects(t *testing.T) {
	l, s, _ := setup(t)
	ctx := context.Background()
	mustDo(t, l, ledger.Deposit{ID: "d1", Owner: "alice", Asset: "USD", Amount: usd(1000)})
	mustDo(t, l, ledger.Pay{ID: "p1", Owner: "alice", Merchant: "shop", Asset: "USD", Amount: usd(500)})
	mustDo(t, l, ledger.Hold{ID: "h1", Owner: "alice", Asset: "USD", Amount: usd(100), Merchant: "shop"})
	before, err := s.Events(ctx, 0, coffer.PageSizeMax)
	if err != nil {
		t.Fatal(err)
	}
	outs := l.DoAll(ctx, []ledger.Command{
		ledger.Refund{ID: "r1", PaymentID: "p1", Amount: usd(600)},               // more than paid: invalid
		ledger.PostTransfer{TransferID: "h1", Amount: usd(40)},                   // done
		ledger.LockAccount{ID: "l1", AccountID: shop, Debits: true, Reason: "r"}, // done
		ledger.CreateTransfers{ID: "g1", Transfers: []ledger.TransferSpec{ // insufficient funds
			{ID: "g1a", DebitAccountID: alice, CreditAccountID: shop, Amount: usd(10_000)},
			{ID: "g1b", DebitAccountID: shop, CreditAccountID: alice, Amount: usd(1)}}},
	})
	for i, want := range []string{coffer.EINVALID, "", "", coffer.EINSUFFICIENTFUNDS} {
		wantCode(t, outs[i].Err, want)
	}
	ops := s.(coffer.OperationStore)
	for _, want := range []coffer.Operation{
		{ID: "d1", Owner: "alice", AccountID: alice, CounterAccountID: worldUSD, Asset: "USD", Amount: usd(1000)},
		{ID: "p1", Owner: "alice", AccountID: alice, CounterAccountID: shop, Asset: "USD", Amount: usd(500)},
		{ID: "r1", Owner: "alice", AccountID: alice, CounterAccountID: shop, Asset: "USD", Amount: usd(600), ErrCode: coffer.EINVALID},
		{ID: "h1/post", Owner: "alice", AccountID: alice, CounterAccountID: shop, Asset: "USD", Amount: usd(40)},
		{ID: "l1", Owner: "shop", AccountID: shop, Asset: "USD"},
		{ID: "g1", Owner: "alice", AccountID: alice, CounterAccountID: shop, Asset: "USD", Amount: usd(10_000), ErrCode: coffer.EINSUFFICIENTFUNDS},
		{ID: "/asset/USD", Asset: "USD"},
	} {
		got, err := ops.Operation(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Owner != want.Owner || got.AccountID != want.AccountID || got.CounterAccountID != want.CounterAccountID ||
			got.Asset != want.Asset || got.Amount != want.Amount || got.ErrCode != want.ErrCode {
			t.Errorf("operation %s: %+v, want %+v", want.ID, got, want)
		}
	}
	after, err := s.Events(ctx, before[len(before)-1].Seq, coffer.PageSizeMax)
	if err != nil {
		t.Fatal(err)
	}
	var rejected []string
	for _, e := range after {
		if e.Type == coffer.EventOperationRejected {
			rejected = append(rejected, e.Subject)
		}
	}
	if len(rejected) != 2 || rejected[0] != "r1" || rejected[1] != "g1" {
		t.Errorf("operation.rejected events about %v, want r1 and g1", rejected)
	}
	// A replay of a rejection is no new rejection.
	_, err = l.Do(ctx, ledger.Refund{ID: "r1", PaymentID: "p1", Amount: usd(600)})
	wantCode(t, err, coffer.EINVALID)
	again, _ := s.Events(ctx, after[len(after)-1].Seq, coffer.PageSizeMax)
	if len(again) != 0 {
		t.Errorf("a replay wrote events: %+v", again)
	}
}
