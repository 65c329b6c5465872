package ledger_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// The model test runs random sequences of every operation against the ledger and against a tiny
// in-memory model of the rules, and compares them after each step: the outcome of every command,
// every account's four totals, and the promises of DESIGN.md (per asset the balances sum to
// zero; no account below its floor; a replay returns the first outcome byte for byte). At the end
// Verify must find nothing. One engine, two entry points: TestModel with fixed seeds, and
// FuzzModel for `go test -fuzz`.

func TestModel(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			// Short mode runs the same seeds and steps: on SQLite they take under a second, and
			// the coverage check below is what makes the comparison mean anything. Fewer steps
			// would miss outcomes (an expired capture needs a hold, a clock move and a capture
			// in that order) and so would have to skip that check and prove little.
			seeds := []uint64{1, 2, 3, 4}
			total := map[string]int{}
			expired, poolDry := 0, 0
			const steps = 300
			for _, seed := range seeds {
				t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
					h := runModel(t, kind.Open(t), rand.New(rand.NewPCG(seed, seed)), steps)
					for k, n := range h.seen {
						total[k] += n
					}
					expired += h.expired
					poolDry += h.m.stats.poolDry
				})
			}
			// The seeds together must have reached every kind of outcome that matters, or the
			// comparison above proved little.
			for _, k := range []string{"ledger.Deposit ", "ledger.Withdraw ", "ledger.PostTransfer ", "ledger.VoidTransfer ",
				"ledger.Pay ", "ledger.Refund ", "ledger.Hold ", "ledger.CreateTransfers ", "ledger.Exchange ",
				"ledger.LockAccount ", "ledger.UnlockAccount ", "ledger.Adjust ", "ledger.Pay insufficient_funds",
				"ledger.CreateTransfers account_locked", "ledger.Exchange invalid", "ledger.Exchange insufficient_funds", "ledger.Deposit conflict", "ledger.PostTransfer expired", "replay"} {
				if total[k] == 0 {
					t.Errorf("no outcome %q in any seed; outcomes: %v", k, total)
				}
			}
			if expired == 0 {
				t.Errorf("no transfer expired in any seed")
			}
			if poolDry == 0 {
				t.Errorf("no exchange found its pool too low in any seed")
			}
		})
	}
}

func FuzzModel(f *testing.F) {
	f.Add([]byte{0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200})
	f.Add([]byte("deposit then pay then refund then hold then expire"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 2000 {
			return
		}
		runModel(t, testdb.SQLite(t), &bytesChooser{data: data}, len(data)/2)
	})
}

// chooser is where the engine's choices come from: a seeded generator or the fuzzer's bytes.
type chooser interface{ IntN(n int) int }

type bytesChooser struct {
	data []byte
	i    int
}

func (c *bytesChooser) IntN(n int) int {
	if c.i+1 >= len(c.data) {
		return 0
	}
	v := int(c.data[c.i])<<8 | int(c.data[c.i+1])
	c.i += 2
	return v % n
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type firstOutcome struct {
	code   string
	result string
}

type harness struct {
	t      testing.TB
	ctx    context.Context
	store  coffer.Store
	l      *ledger.Ledger
	clock  *clock
	m      *model
	ch     chooser
	issued []ledger.Command
	first  map[string]firstOutcome
	// seen counts outcomes by command type and code ("" for success), to show what a run covered.
	seen    map[string]int
	expired int
}

// modelPairs are the exchange pairs of the model's ledger: of the rates the steps use (3, 0.5,
// 0.0003, 12.25) each pair refuses one.
var modelPairs = map[string]ledger.RateBand{
	"USD/GOLD": {Min: "0.5", Max: "12.25"},
	"GOLD/USD": {Min: "0.0003", Max: "3"},
}

var (
	owners    = []string{"u1", "u2", "u3", "od"}
	merchants = []string{"m1", "m2"}
)

func runModel(t testing.TB, store coffer.Store, ch chooser, steps int) *harness {
	ctx := context.Background()
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := ledger.New(store, ledger.Config{Now: clk.Now, ExchangePairs: modelPairs})
	t.Cleanup(func() { l.Close() })
	h := &harness{t: t, ctx: ctx, store: store, l: l, clock: clk, m: newModel(), ch: ch, first: map[string]firstOutcome{}, seen: map[string]int{}}
	h.do(ledger.CreateAsset{Code: "USD", Scale: 2})
	h.do(ledger.CreateAsset{Code: "GOLD", Scale: 0})
	// One wallet may overdraw up to 10.00.
	h.do(ledger.CreateAccount{Kind: coffer.KindWallet, Owner: "od", Asset: "USD", OverdraftLimit: coffer.AmountFromInt64(1000)})
	// The exchange pools hold a little, so that some exchanges drain them.
	for _, a := range []string{"USD", "GOLD"} {
		h.do(ledger.Adjust{ID: "fund-" + a, AccountID: coffer.AccountID(coffer.KindSystem, coffer.OwnerExchange, a),
			Direction: coffer.Credit, Amount: coffer.AmountFromInt64(20000), Reason: "fund the exchange pool"})
	}
	for i := 0; i < steps; i++ {
		h.step(i)
		h.compare(i)
	}
	rep, err := ledger.Verify(ctx, store)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if !rep.OK() {
		t.Fatalf("verify found %d violations, first: %+v", len(rep.Violations), rep.Violations[0])
	}
	return h
}

func (h *harness) pick(xs []string) string { return xs[h.ch.IntN(len(xs))] }

// amount is usually small, sometimes large enough to overdraw, rarely zero.
func (h *harness) amount() coffer.Amount {
	switch h.ch.IntN(10) {
	case 0:
		return coffer.AmountFromInt64(int64(h.ch.IntN(100000)))
	default:
		return coffer.AmountFromInt64(int64(1 + h.ch.IntN(3000)))
	}
}

// transferOf picks an id of a model transfer of the type, or now and then one that is unknown.
func (h *harness) transferOf(typ coffer.TransferType) string {
	var ids []string
	for _, id := range slices.Sorted(maps.Keys(h.m.transfers)) {
		if h.m.transfers[id].typ == typ {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 || h.ch.IntN(12) == 0 {
		return "no-such-transfer"
	}
	return ids[h.ch.IntN(len(ids))]
}

func (h *harness) step(i int) {
	id := fmt.Sprintf("op-%d", i)
	usd := "USD"
	switch h.ch.IntN(20) {
	case 0, 1, 2:
		h.do(ledger.Deposit{ID: id, Owner: h.pick(owners), Asset: h.pick([]string{usd, usd, "GOLD", "XXX"}), Amount: h.amount()})
	case 3:
		h.do(ledger.Withdraw{ID: id, Owner: h.pick(owners), Asset: usd, Amount: h.amount(),
			Destination: "bank", Timeout: time.Duration(h.ch.IntN(3)) * time.Minute})
	case 4:
		tid := h.transferOf(coffer.TypeWithdrawal)
		if h.ch.IntN(2) == 0 {
			h.do(ledger.PostTransfer{TransferID: tid, Type: coffer.TypeWithdrawal, Amount: h.partial()})
		} else {
			h.do(ledger.VoidTransfer{TransferID: tid, Type: coffer.TypeWithdrawal})
		}
	case 5, 6:
		amt := h.amount()
		fee := coffer.Amount{}
		if h.ch.IntN(2) == 0 {
			fee = coffer.AmountFromInt64(int64(h.ch.IntN(200)))
		}
		h.do(ledger.Pay{ID: id, Owner: h.pick(owners), Merchant: h.pick(merchants), Asset: usd, Amount: amt, Fee: fee, OrderID: "order-" + id})
	case 7:
		h.do(ledger.Refund{ID: id, PaymentID: h.transferOf(coffer.TypePayment), Amount: h.partial()})
	case 8:
		merchant := ""
		if h.ch.IntN(2) == 0 {
			merchant = h.pick(merchants)
		}
		h.do(ledger.Hold{ID: id, Owner: h.pick(owners), Asset: usd, Amount: h.amount(), Merchant: merchant,
			Timeout: time.Duration(h.ch.IntN(3)) * time.Minute})
	case 9:
		tid := h.transferOf(coffer.TypeHold)
		if h.ch.IntN(2) == 0 {
			h.do(ledger.PostTransfer{TransferID: tid, Type: coffer.TypeHold, Amount: h.partial()})
		} else {
			h.do(ledger.VoidTransfer{TransferID: tid, Type: coffer.TypeHold})
		}
	case 10:
		dr := coffer.AccountID(coffer.KindWallet, h.pick(owners), usd)
		cr := coffer.AccountID(coffer.KindWallet, h.pick(owners), h.pick([]string{usd, usd, usd, "GOLD"}))
		h.do(ledger.CreateTransfers{ID: id, Transfers: []ledger.TransferSpec{{ID: id, DebitAccountID: dr, CreditAccountID: cr,
			Amount: h.amount(), Pending: h.ch.IntN(3) == 0}}})
	case 11:
		a, b, c := h.pick(owners), h.pick(owners), h.pick(owners)
		w := func(o string) string { return coffer.AccountID(coffer.KindWallet, o, usd) }
		h.do(ledger.CreateTransfers{ID: id, Transfers: []ledger.TransferSpec{
			{ID: id + "-a", DebitAccountID: w(a), CreditAccountID: w(b), Amount: h.amount()},
			{ID: id + "-b", DebitAccountID: w(b), CreditAccountID: w(c), Amount: h.amount()},
		}})
	case 12:
		from, to := usd, "GOLD"
		if h.ch.IntN(2) == 0 {
			from, to = to, from
		}
		rate := h.pick([]string{"3", "0.5", "0.0003", "12.25"})
		h.do(ledger.Exchange{ID: id, Owner: h.pick(owners), From: from, To: to, Amount: h.amount(), Rate: rate})
	case 13:
		acct := coffer.AccountID(coffer.KindWallet, h.pick(owners), usd)
		if h.ch.IntN(2) == 0 {
			h.do(ledger.LockAccount{ID: id, AccountID: acct, Debits: h.ch.IntN(2) == 0, Credits: h.ch.IntN(2) == 0, Reason: "review"})
		} else {
			h.do(ledger.UnlockAccount{ID: id, AccountID: acct})
		}
	case 14:
		dir := coffer.Credit
		if h.ch.IntN(2) == 0 {
			dir = coffer.Debit
		}
		h.do(ledger.Adjust{ID: id, AccountID: coffer.AccountID(coffer.KindWallet, h.pick(owners), usd), Direction: dir,
			Amount: h.amount(), Reason: "correction"})
	case 15, 16:
		if len(h.issued) > 0 {
			h.do(h.issued[h.ch.IntN(len(h.issued))]) // a replay: must give the first outcome
		}
	case 17:
		if len(h.issued) > 0 {
			// The same id with other parameters.
			if d, ok := h.issued[h.ch.IntN(len(h.issued))].(ledger.Deposit); ok {
				d.Amount, _ = d.Amount.Add(coffer.AmountFromInt64(1))
				h.do(d)
			}
		}
	case 18:
		// Several independent commands in one call, so they share a batch.
		var cmds []ledger.Command
		for j := range 1 + h.ch.IntN(5) {
			cmds = append(cmds, ledger.Pay{ID: fmt.Sprintf("%s-%d", id, j), Owner: h.pick(owners), Merchant: h.pick(merchants),
				Asset: usd, Amount: h.amount()})
		}
		h.doAll(cmds)
	case 19:
		h.clock.Advance(time.Duration(1+h.ch.IntN(90)) * time.Second)
		if h.ch.IntN(2) == 0 {
			return // the duty has not run yet: a post now must see the timeout itself
		}
		h.m.now = h.clock.Now()
		want := h.m.expire()
		got, err := h.l.ExpireDue(h.ctx)
		if err != nil || got != want {
			h.t.Fatalf("ExpireDue = %d, %v; the model expired %d", got, err, want)
		}
		h.expired += got
	}
}

// partial is zero (all) half the time, else an amount that may be more than the transfer holds.
func (h *harness) partial() coffer.Amount {
	if h.ch.IntN(2) == 0 {
		return coffer.Amount{}
	}
	return coffer.AmountFromInt64(int64(1 + h.ch.IntN(3000)))
}

func (h *harness) do(c ledger.Command) { h.doAll([]ledger.Command{c}) }

func (h *harness) doAll(cmds []ledger.Command) {
	h.m.now = h.clock.Now()
	outs := h.l.DoAll(h.ctx, cmds)
	for i, c := range cmds {
		want, replay := h.m.apply(c)
		got := coffer.ErrorCode(outs[i].Err)
		if got == coffer.EINTERNAL {
			h.t.Fatalf("%T %+v: internal error %v", c, c, outs[i].Err)
		}
		if got != want {
			h.t.Fatalf("%T %+v: ledger says %q (%v), the model says %q", c, c, got, outs[i].Err, want)
		}
		h.seen[fmt.Sprintf("%T %s", c, got)]++
		if replay {
			h.seen["replay"]++
		}
		res, _ := json.Marshal(outs[i].Result)
		f, seen := h.first[c.OperationID()]
		switch {
		case !seen:
			h.first[c.OperationID()] = firstOutcome{code: got, result: string(res)}
			h.issued = append(h.issued, c)
		case replay && (f.code != got || f.result != string(res)):
			h.t.Fatalf("replay of %q gave %q %s; first it gave %q %s", c.OperationID(), got, res, f.code, f.result)
		}
	}
}

// compare checks every account against the model and the promises that hold at every moment.
func (h *harness) compare(step int) {
	sums := map[string]coffer.Amount{}
	n := 0
	err := h.store.Scan(h.ctx, coffer.Scanner{Account: func(a coffer.Account) error {
		n++
		m, ok := h.m.accounts[a.ID]
		if !ok {
			return fmt.Errorf("account %s exists but not in the model", a.ID)
		}
		got := [4]string{a.DebitsPending.String(), a.DebitsPosted.String(), a.CreditsPending.String(), a.CreditsPosted.String()}
		want := [4]string{fmt.Sprint(m.dp), fmt.Sprint(m.dP), fmt.Sprint(m.cp), fmt.Sprint(m.cP)}
		if got != want || a.LockedDebits != m.lockD || a.LockedCredits != m.lockC {
			return fmt.Errorf("account %s: ledger %v locks %v/%v, model %v locks %v/%v", a.ID, got, a.LockedDebits, a.LockedCredits, want, m.lockD, m.lockC)
		}
		if !a.OverdraftUnlimited && a.Available().Cmp(a.OverdraftLimit.Neg()) < 0 {
			return fmt.Errorf("account %s shows available %s below its floor", a.ID, a.Available())
		}
		sums[a.Asset], _ = sums[a.Asset].Add(a.Balance())
		return nil
	}})
	if err != nil {
		h.t.Fatalf("step %d: %v", step, err)
	}
	if n != len(h.m.accounts) {
		h.t.Fatalf("step %d: ledger has %d accounts, model %d", step, n, len(h.m.accounts))
	}
	for asset, sum := range sums {
		if !sum.IsZero() {
			h.t.Fatalf("step %d: %s balances sum to %s", step, asset, sum)
		}
	}
}
