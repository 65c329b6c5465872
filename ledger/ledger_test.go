package ledger_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

func setup(t *testing.T) (*ledger.Ledger, coffer.Store, *clock) {
	t.Helper()
	store := testdb.SQLite(t)
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	l := ledger.New(store, ledger.Config{Now: clk.Now, ExchangePairs: map[string]ledger.RateBand{
		"USD/GOLD": {Min: "0.5", Max: "1000"}, "GOLD/ETH": {Min: "0.01", Max: "1"}}})
	t.Cleanup(func() { l.Close() })
	mustDo(t, l, ledger.CreateAsset{Code: "USD", Scale: 2})
	mustDo(t, l, ledger.CreateAsset{Code: "GOLD", Scale: 0})
	mustDo(t, l, ledger.CreateAsset{Code: "ETH", Scale: 18})
	return l, store, clk
}

func usd(minor int64) coffer.Amount { return coffer.AmountFromInt64(minor) }

// wantAccount checks an account's balance, available and held, in minor units.
func wantAccount(t *testing.T, s coffer.Store, id string, balance, available, held int64) {
	t.Helper()
	a, err := s.Account(context.Background(), id)
	if err != nil {
		t.Fatalf("account %s: %v", id, err)
	}
	if a.Balance() != usd(balance) || a.Available() != usd(available) || a.Held() != usd(held) {
		t.Errorf("%s: balance %s available %s held %s; want %d %d %d", id, a.Balance(), a.Available(), a.Held(), balance, available, held)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := coffer.ErrorCode(err); got != code {
		t.Fatalf("got %q (%v), want %q", got, err, code)
	}
}

const (
	alice    = "wallet:alice:USD"
	shop     = "merchant:shop:USD"
	fees     = "system:fees:USD"
	worldUSD = "system:world:USD"
)

func TestPaymentFeeAndRefunds(t *testing.T) {
	l, s, _ := setup(t)
	mustDo(t, l, ledger.Deposit{ID: "d1", Owner: "alice", Asset: "USD", Amount: usd(10000)})
	r := mustDo(t, l, ledger.Pay{ID: "p1", Owner: "alice", Merchant: "shop", Asset: "USD", Amount: usd(2500), Fee: usd(75), OrderID: "o-1"})
	if len(r.Transfers) != 2 || r.Transfers[1].ID != "p1/fee" || r.Transfers[0].Group != "p1" {
		t.Fatalf("payment result %+v", r.Transfers)
	}
	wantAccount(t, s, alice, 7500, 7500, 0)
	wantAccount(t, s, shop, 2425, 2425, 0)
	wantAccount(t, s, fees, 75, 75, 0)

	mustDo(t, l, ledger.Refund{ID: "r1", PaymentID: "p1", Amount: usd(1000)})
	_, err := l.Do(context.Background(), ledger.Refund{ID: "r2", PaymentID: "p1", Amount: usd(1501)})
	wantCode(t, err, coffer.EINVALID)
	// The merchant paid the fee out of the payment, so it cannot return all of it.
	_, err = l.Do(context.Background(), ledger.Refund{ID: "r3", PaymentID: "p1"})
	wantCode(t, err, coffer.EINSUFFICIENTFUNDS)
	r = mustDo(t, l, ledger.Refund{ID: "r4", PaymentID: "p1", Amount: usd(1425)})
	if p := r.Transfers[1]; p.ID != "p1" || p.Refunded != usd(2425) {
		t.Fatalf("payment after refunds: %+v", p)
	}
	wantAccount(t, s, alice, 9925, 9925, 0)
	wantAccount(t, s, shop, 0, 0, 0)
	mustDo(t, l, ledger.Adjust{ID: "a1", AccountID: shop, Direction: coffer.Credit, Amount: usd(75), Reason: "fee waived"})
	mustDo(t, l, ledger.Refund{ID: "r5", PaymentID: "p1"})
	_, err = l.Do(context.Background(), ledger.Refund{ID: "r6", PaymentID: "p1", Amount: usd(1)})
	wantCode(t, err, coffer.ECONFLICT)
	wantAccount(t, s, alice, 10000, 10000, 0)
	wantAccount(t, s, shop, 0, 0, 0)
	// The replay of the rejected r3 is still the same rejection, though it would succeed now.
	_, err = l.Do(context.Background(), ledger.Refund{ID: "r3", PaymentID: "p1"})
	wantCode(t, err, coffer.EINSUFFICIENTFUNDS)
}

func TestHoldCaptureReleaseExpire(t *testing.T) {
	l, s, clk := setup(t)
	ctx := context.Background()
	mustDo(t, l, ledger.Deposit{ID: "d1", Owner: "alice", Asset: "USD", Amount: usd(10000)})
	mustDo(t, l, ledger.Hold{ID: "h1", Owner: "alice", Asset: "USD", Amount: usd(3000), Merchant: "shop"})
	mustDo(t, l, ledger.Hold{ID: "h2", Owner: "alice", Asset: "USD", Amount: usd(2000)})
	mustDo(t, l, ledger.Hold{ID: "h3", Owner: "alice", Asset: "USD", Amount: usd(4000), Timeout: time.Minute})
	wantAccount(t, s, alice, 10000, 1000, 9000)
	_, err := l.Do(ctx, ledger.Hold{ID: "h4", Owner: "alice", Asset: "USD", Amount: usd(1001)})
	wantCode(t, err, coffer.EINSUFFICIENTFUNDS)

	// Capture part of h1: the rest goes back to available.
	r := mustDo(t, l, ledger.PostTransfer{TransferID: "h1", Amount: usd(1200), Type: coffer.TypeHold})
	if tr := r.Transfers[0]; tr.State != coffer.StatePosted || tr.PostedAmount != usd(1200) {
		t.Fatalf("captured hold: %+v", tr)
	}
	wantAccount(t, s, alice, 8800, 2800, 6000)
	wantAccount(t, s, shop, 1200, 1200, 0)
	// A hold ends once.
	_, err = l.Do(ctx, ledger.VoidTransfer{TransferID: "h1", Type: coffer.TypeHold})
	wantCode(t, err, coffer.ECONFLICT)
	// A withdrawal's verbs cannot touch a hold.
	_, err = l.Do(ctx, ledger.VoidTransfer{ID: "h2-void-w", TransferID: "h2", Type: coffer.TypeWithdrawal})
	wantCode(t, err, coffer.ENOTFOUND)
	mustDo(t, l, ledger.VoidTransfer{TransferID: "h2", Type: coffer.TypeHold})
	wantAccount(t, s, alice, 8800, 4800, 4000)

	// h3 expires after a minute, once, however often the duty runs.
	if n, err := l.ExpireDue(ctx); n != 0 || err != nil {
		t.Fatalf("ExpireDue before the timeout = %d, %v", n, err)
	}
	clk.Advance(time.Minute)
	_, err = l.Do(ctx, ledger.PostTransfer{TransferID: "h3"})
	wantCode(t, err, coffer.EEXPIRED)
	for i, want := range []int{1, 0} {
		if n, err := l.ExpireDue(ctx); n != want || err != nil {
			t.Fatalf("ExpireDue pass %d = %d, %v; want %d", i, n, err, want)
		}
	}
	tr, err := s.Transfer(ctx, "h3")
	if err != nil || tr.State != coffer.StateExpired {
		t.Fatalf("h3 = %+v, %v; want expired", tr, err)
	}
	wantAccount(t, s, alice, 8800, 8800, 0)
	wantVerified(t, s)
}

func TestExchangeRoundsDown(t *testing.T) {
	l, s, _ := setup(t)
	ctx := context.Background()
	mustDo(t, l, ledger.Deposit{ID: "d1", Owner: "alice", Asset: "USD", Amount: usd(1000)})
	for _, pool := range []string{"system:exchange:GOLD", "system:exchange:ETH"} {
		mustDo(t, l, ledger.Adjust{ID: "fund-" + pool, AccountID: pool, Direction: coffer.Credit,
			Amount: coffer.MustMinor("1000000000000000000"), Reason: "fund the pool"})
	}
	// 9.99 USD at 3 GOLD per USD is 29.97 GOLD: 29, rounded down.
	r := mustDo(t, l, ledger.Exchange{ID: "x1", Owner: "alice", From: "USD", To: "GOLD", Amount: usd(999), Rate: "3"})
	if r.Transfers[1].Amount != usd(29) || r.Rate != "3" || r.Transfers[0].Metadata["rate"] != "3" {
		t.Fatalf("exchange result %+v", r)
	}
	wantAccount(t, s, "wallet:alice:GOLD", 29, 29, 0)
	wantAccount(t, s, "system:exchange:GOLD", 1e18-29, 1e18-29, 0)
	wantAccount(t, s, alice, 1, 1, 0)
	// 0.01 USD buys no whole GOLD at 3: rejected, nothing moves.
	_, err := l.Do(ctx, ledger.Exchange{ID: "x2", Owner: "alice", From: "USD", To: "GOLD", Amount: usd(1), Rate: "3"})
	wantCode(t, err, coffer.EINVALID)
	// A counter amount states the rate instead; the rate is recorded to 18 decimals.
	r = mustDo(t, l, ledger.Exchange{ID: "x3", Owner: "alice", From: "GOLD", To: "ETH", Amount: usd(29),
		CounterAmount: coffer.MustMinor("1000000000000000000")})
	if r.Rate != "0.034482758620689655" {
		t.Fatalf("rate from a counter amount = %q", r.Rate)
	}
	wantAccount(t, s, "wallet:alice:GOLD", 0, 0, 0)
	_, err = l.Do(ctx, ledger.Exchange{ID: "x4", Owner: "alice", From: "USD", To: "GOLD", Amount: usd(1), Rate: "1e3"})
	wantCode(t, err, coffer.EINVALID)
	wantVerified(t, s)
}

func TestLinkedTransfersAreAtomic(t *testing.T) {
	l, s, _ := setup(t)
	ctx := context.Background()
	mustDo(t, l, ledger.Deposit{ID: "d1", Owner: "alice", Asset: "USD", Amount: usd(500)})
	mustDo(t, l, ledger.Deposit{ID: "d2", Owner: "bob", Asset: "USD", Amount: usd(0 + 1)})
	bob := "wallet:bob:USD"
	_, err := l.Do(ctx, ledger.CreateTransfers{ID: "g1", Transfers: []ledger.TransferSpec{
		{ID: "g1-a", DebitAccountID: alice, CreditAccountID: bob, Amount: usd(400)},
		{ID: "g1-b", DebitAccountID: bob, CreditAccountID: alice, Amount: usd(402)}, // bob has 401
	}})
	wantCode(t, err, coffer.EINSUFFICIENTFUNDS)
	if _, err := s.Transfer(ctx, "g1-a"); coffer.ErrorCode(err) != coffer.ENOTFOUND {
		t.Fatalf("g1-a exists after its group failed: %v", err)
	}
	wantAccount(t, s, alice, 500, 500, 0)
	wantAccount(t, s, bob, 1, 1, 0)
	mustDo(t, l, ledger.CreateTransfers{ID: "g2", Transfers: []ledger.TransferSpec{
		{ID: "g2-a", DebitAccountID: alice, CreditAccountID: bob, Amount: usd(400)},
		{ID: "g2-b", DebitAccountID: bob, CreditAccountID: alice, Amount: usd(401)},
	}})
	wantAccount(t, s, alice, 501, 501, 0)
	wantAccount(t, s, bob, 0, 0, 0)
}

// TestBatchIsolatesRejections sends commands that share one batch; the bad ones in the middle
// change nothing and the good ones around them stand.
func TestBatchIsolatesRejections(t *testing.T) {
	l, s, _ := setup(t)
	outs := l.DoAll(context.Background(), []ledger.Command{
		ledger.Deposit{ID: "b1", Owner: "alice", Asset: "USD", Amount: usd(100)},
		ledger.Pay{ID: "b2", Owner: "alice", Merchant: "shop", Asset: "USD", Amount: usd(150)},
		ledger.Deposit{ID: "b3", Owner: "alice", Asset: "NOPE", Amount: usd(1)},
		ledger.Pay{ID: "b4", Owner: "alice", Merchant: "shop", Asset: "USD", Amount: usd(60), Fee: usd(61)},
		ledger.Pay{ID: "b5", Owner: "alice", Merchant: "shop", Asset: "USD", Amount: usd(60)},
		ledger.Deposit{ID: "b1", Owner: "alice", Asset: "USD", Amount: usd(100)}, // a replay in the same batch
		ledger.Deposit{ID: "b1", Owner: "alice", Asset: "USD", Amount: usd(101)}, // a conflict in the same batch
	})
	want := []string{"", coffer.EINSUFFICIENTFUNDS, coffer.ENOTFOUND, coffer.EINVALID, "", "", coffer.ECONFLICT}
	for i, o := range outs {
		if got := coffer.ErrorCode(o.Err); got != want[i] {
			t.Errorf("command %d: %q (%v), want %q", i, got, o.Err, want[i])
		}
	}
	wantAccount(t, s, alice, 40, 40, 0)
	wantAccount(t, s, shop, 60, 60, 0)
	wantVerified(t, s)
}

func TestLockedAccount(t *testing.T) {
	l, s, _ := setup(t)
	ctx := context.Background()
	mustDo(t, l, ledger.Deposit{ID: "d1", Owner: "alice", Asset: "USD", Amount: usd(100)})
	mustDo(t, l, ledger.LockAccount{ID: "l1", AccountID: alice, Debits: true, Reason: "fraud review"})
	_, err := l.Do(ctx, ledger.Pay{ID: "p1", Owner: "alice", Merchant: "shop", Asset: "USD", Amount: usd(10)})
	wantCode(t, err, coffer.ELOCKED)
	mustDo(t, l, ledger.Deposit{ID: "d2", Owner: "alice", Asset: "USD", Amount: usd(1)}) // credits still welcome
	mustDo(t, l, ledger.UnlockAccount{ID: "u1", AccountID: alice})
	mustDo(t, l, ledger.Pay{ID: "p2", Owner: "alice", Merchant: "shop", Asset: "USD", Amount: usd(10)})
	wantAccount(t, s, alice, 91, 91, 0)
}

func TestHugeAmounts(t *testing.T) {
	l, s, _ := setup(t)
	ctx := context.Background()
	max := coffer.MaxAmount
	mustDo(t, l, ledger.Deposit{ID: "e1", Owner: "whale", Asset: "ETH", Amount: max})
	_, err := l.Do(ctx, ledger.Deposit{ID: "e2", Owner: "whale", Asset: "ETH", Amount: usd(1)})
	wantCode(t, err, coffer.ELIMIT)
	a, err := s.Account(ctx, "wallet:whale:ETH")
	if err != nil || a.Balance() != max {
		t.Fatalf("whale = %s, %v; want 2^127-1", a.Balance(), err)
	}
	wantVerified(t, s)
}

func wantVerified(t *testing.T, s coffer.Store) {
	t.Helper()
	rep, err := ledger.Verify(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("verify: %+v", rep.Violations)
	}
}

// TestBatchWait checks that a writer given BatchWait gathers commands that arrive apart into one
// batch (all of a batch's transfers carry its one time), stops waiting once the batch is full,
// and that without it each is written at once.
func TestBatchWait(t *testing.T) {
	// depositTimes sends two deposits gap apart and returns their transfers' creation times.
	depositTimes := func(t *testing.T, cfg ledger.Config, gap time.Duration) (time.Time, time.Time) {
		t.Helper()
		l := ledger.New(testdb.SQLite(t), cfg)
		t.Cleanup(func() { l.Close() })
		// Two commands, so that a batch of at most two is full without waiting.
		for _, o := range l.DoAll(context.Background(), []ledger.Command{
			ledger.CreateAsset{Code: "USD", Scale: 2}, ledger.CreateAsset{Code: "EUR", Scale: 2}}) {
			if o.Err != nil {
				t.Fatal(o.Err)
			}
		}
		first := make(chan *ledger.Result, 1)
		go func() {
			r, err := l.Do(context.Background(), ledger.Deposit{ID: "w1", Owner: "a", Asset: "USD", Amount: usd(1)})
			if err != nil {
				t.Error(err)
			}
			first <- r
		}()
		time.Sleep(gap)
		second := mustDo(t, l, ledger.Deposit{ID: "w2", Owner: "b", Asset: "USD", Amount: usd(1)})
		r := <-first
		if r == nil {
			t.FailNow()
		}
		return r.Transfers[0].CreatedAt, second.Transfers[0].CreatedAt
	}
	t.Run("gathers", func(t *testing.T) {
		a, b := depositTimes(t, ledger.Config{BatchWait: time.Second}, 20*time.Millisecond)
		if !a.Equal(b) {
			t.Errorf("deposits 20ms apart written at %v and %v; want one batch", a, b)
		}
	})
	t.Run("at once without it", func(t *testing.T) {
		// A wider gap than above: here a slow start of the first deposit would merge the two.
		a, b := depositTimes(t, ledger.Config{}, 200*time.Millisecond)
		if a.Equal(b) {
			t.Errorf("deposits 200ms apart both written at %v; want two batches", a)
		}
	})
	t.Run("not past a full batch", func(t *testing.T) {
		const wait = time.Minute
		start := time.Now()
		a, b := depositTimes(t, ledger.Config{BatchWait: wait, BatchSizeMax: 2}, 0)
		if !a.Equal(b) {
			t.Errorf("deposits written at %v and %v; want one batch", a, b)
		}
		if took := time.Since(start); took >= wait {
			t.Errorf("a full batch was written after %v: the writer waited out BatchWait", took)
		}
	})
}

// TestClientIDsStayOutOfDerivedIDs sends commands straight to the ledger, as a queue consumer
// would: an id of the sender's with the reserved '/' is refused without using it up, and the
// ids the ledger derives are there for it to take.
func TestClientIDsStayOutOfDerivedIDs(t *testing.T) {
	l, s, _ := setup(t)
	ctx := context.Background()
	mustDo(t, l, ledger.Deposit{ID: "d1", Owner: "alice", Asset: "USD", Amount: usd(1000)})
	mustDo(t, l, ledger.Hold{ID: "h1", Owner: "alice", Asset: "USD", Amount: usd(100)})
	spec := func(id string) ledger.TransferSpec {
		return ledger.TransferSpec{ID: id, DebitAccountID: alice, CreditAccountID: worldUSD, Amount: usd(1)}
	}
	for _, c := range []ledger.Command{
		ledger.Deposit{ID: "h1/post", Owner: "alice", Asset: "USD", Amount: usd(1)},
		ledger.Deposit{ID: "/asset/EUR", Owner: "alice", Asset: "USD", Amount: usd(1)},
		ledger.Pay{ID: "p/1", Owner: "alice", Merchant: "shop", Asset: "USD", Amount: usd(1)},
		ledger.CreateTransfers{ID: "g/1", Transfers: []ledger.TransferSpec{spec("a"), spec("b")}},
		ledger.CreateTransfers{ID: "g-1", Transfers: []ledger.TransferSpec{spec("a"), spec("b/fee")}},
		ledger.LockAccount{ID: "l/1", AccountID: alice, Debits: true, Reason: "r"},
		ledger.PostTransfer{ID: "x/post", TransferID: "h1"},
		ledger.VoidTransfer{ID: "x/void", TransferID: "h1"},
	} {
		_, err := l.Do(ctx, c)
		wantCode(t, err, coffer.EINVALID)
		if !strings.Contains(coffer.ErrorMessage(err), "reserved") {
			t.Errorf("%T %s: %v", c, c.OperationID(), err)
		}
	}
	wantAccount(t, s, alice, 1000, 900, 100)
	// The derived ids: the asset's and the capture's.
	mustDo(t, l, ledger.CreateAsset{Code: "EUR", Scale: 2})
	r := mustDo(t, l, ledger.PostTransfer{TransferID: "h1"})
	if r.Transfers[0].State != coffer.StatePosted {
		t.Fatalf("capture: %+v", r.Transfers[0])
	}
	_, err := l.Do(ctx, ledger.CreateAsset{Code: "EUR", Scale: 3})
	wantCode(t, err, coffer.ECONFLICT)
	if msg := coffer.ErrorMessage(err); msg != "asset EUR already exists, with scale 2" {
		t.Errorf("second creation of EUR: %q", msg)
	}
}
