package statement_test

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/statement"
)

// clock is a ledger clock the test moves.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// setup opens a store of kind with a ledger on a clock the test moves, and the asset USD.
func setup(t *testing.T, kind testdb.Kind) (coffer.Store, *ledger.Ledger, *clock) {
	t.Helper()
	s := kind.Open(t)
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := ledger.New(s, ledger.Config{Now: clk.Now, Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { l.Close() })
	if _, err := l.Do(t.Context(), ledger.CreateAsset{Code: "USD", Scale: 2}); err != nil {
		t.Fatal(err)
	}
	return s, l, clk
}

// TestAt replays a random history of deposits, withdrawals and holds, one command per tick,
// some ticks with several, and asks for the wallet's balances at every recorded moment, between
// them and before the first: each answer is the account's state as it was then.
func TestAt(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			s, l, clk := setup(t, kind)
			ctx := t.Context()
			const id = "wallet:alice:USD"
			type moment struct {
				at                       time.Time
				seq                      uint64
				balance, available, held coffer.Amount
			}
			var moments []moment
			start := clk.advance(time.Second)
			rng := rand.New(rand.NewPCG(7, 11))
			for i := range 300 {
				if rng.IntN(4) > 0 {
					clk.advance(time.Duration(1+rng.IntN(5000)) * time.Millisecond)
				}
				amount := coffer.AmountFromInt64(int64(1 + rng.IntN(5000)))
				var cmd ledger.Command
				switch rng.IntN(3) {
				case 0:
					cmd = ledger.Deposit{ID: fmt.Sprint("d", i), Owner: "alice", Asset: "USD", Amount: amount}
				case 1:
					cmd = ledger.Withdraw{ID: fmt.Sprint("w", i), Owner: "alice", Asset: "USD", Amount: amount, Timeout: time.Hour}
				default:
					cmd = ledger.Hold{ID: fmt.Sprint("h", i), Owner: "alice", Asset: "USD", Amount: amount, Timeout: time.Hour}
				}
				if _, err := l.Do(ctx, cmd); err != nil && coffer.ErrorCode(err) != coffer.EINSUFFICIENTFUNDS {
					t.Fatal(err)
				}
				a, err := s.Account(ctx, id)
				if err != nil {
					continue // no deposit yet
				}
				held, _ := a.Balance().Sub(a.Available())
				m := moment{clk.Now(), a.Seq, a.Balance(), a.Available(), held}
				if n := len(moments); n > 0 && moments[n-1].at.Equal(m.at) {
					moments[n-1] = m // the later command of the same tick
				} else {
					moments = append(moments, m)
				}
			}
			if len(moments) < 100 {
				t.Fatalf("only %d moments", len(moments))
			}
			check := func(at time.Time, want moment) {
				t.Helper()
				got, err := statement.At(ctx, s, id, at)
				if err != nil {
					t.Fatal(err)
				}
				if got.Seq != want.seq || got.Balance != want.balance || got.Available != want.available || got.Held != want.held {
					t.Fatalf("at %s: seq %d balance %s available %s held %s; want seq %d %s %s %s", at, got.Seq,
						got.Balance, got.Available, got.Held, want.seq, want.balance, want.available, want.held)
				}
				bySeq, err := statement.AtSeq(ctx, s, id, want.seq)
				if err != nil || bySeq != got {
					t.Fatalf("at seq %d: %+v %v; want %+v", want.seq, bySeq, err, got)
				}
			}
			check(start.Add(-time.Hour), moment{})
			for i, m := range moments {
				check(m.at, m)
				if i+1 < len(moments) {
					check(m.at.Add(moments[i+1].at.Sub(m.at)/2), m)
				}
			}
			check(clk.Now().Add(time.Hour), moments[len(moments)-1])
			if _, err := statement.AtSeq(ctx, s, id, moments[len(moments)-1].seq+1); coffer.ErrorCode(err) != coffer.EINVALID {
				t.Fatalf("a seq past the last: %v", err)
			}
			if _, err := statement.At(ctx, s, "wallet:nobody:USD", start); coffer.ErrorCode(err) != coffer.ENOTFOUND {
				t.Fatalf("an unknown account: %v", err)
			}
		})
	}
}
