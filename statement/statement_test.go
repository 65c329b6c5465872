package statement_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/statement"
)

// TestStatement: for random periods of a random history (deposits, withdrawals completed or
// failed, holds captured, payments), the statement's entries are exactly the account's entries
// written in the period, and its opening balance plus the posted credits less the posted debits
// is its closing balance.
func TestStatement(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			s, l, clk := setup(t, kind)
			ctx := t.Context()
			start := clk.Now()
			rng := rand.New(rand.NewPCG(3, 5))
			for i := range 400 {
				clk.advance(time.Duration(rng.IntN(3000)) * time.Millisecond)
				amount := coffer.AmountFromInt64(int64(1 + rng.IntN(4000)))
				var cmds []ledger.Command
				switch rng.IntN(4) {
				case 0, 1:
					cmds = append(cmds, ledger.Deposit{ID: fmt.Sprint("d", i), Owner: "alice", Asset: "USD", Amount: amount})
				case 2:
					id := fmt.Sprint("w", i)
					cmds = append(cmds, ledger.Withdraw{ID: id, Owner: "alice", Asset: "USD", Amount: amount, Timeout: time.Hour})
					if rng.IntN(2) == 0 {
						cmds = append(cmds, ledger.PostTransfer{ID: id + "-done", TransferID: id})
					} else {
						cmds = append(cmds, ledger.VoidTransfer{ID: id + "-fail", TransferID: id})
					}
				default:
					cmds = append(cmds, ledger.Pay{ID: fmt.Sprint("p", i), Owner: "alice", Merchant: "shop", Asset: "USD", Amount: amount})
				}
				for _, c := range cmds {
					if _, err := l.Do(ctx, c); err != nil && coffer.ErrorCode(err) != coffer.EINSUFFICIENTFUNDS && coffer.ErrorCode(err) != coffer.ENOTFOUND {
						t.Fatal(err)
					}
				}
			}
			end := clk.Now()
			const id = "wallet:alice:USD"
			for range 40 {
				from := start.Add(time.Duration(rng.Int64N(int64(end.Sub(start)))))
				to := from.Add(time.Duration(1 + rng.Int64N(int64(end.Sub(from))+int64(time.Second))))
				st, err := statement.Open(ctx, s, id, from, to)
				if err != nil {
					t.Fatal(err)
				}
				want, err := s.Entries(ctx, coffer.EntryFilter{AccountID: id, From: from, To: to, Limit: 100_000})
				if err != nil {
					t.Fatal(err)
				}
				var got []coffer.Entry
				if err := st.Each(ctx, s, func(e coffer.Entry) error { got = append(got, e); return nil }); err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) || len(got) > 0 && (got[0].Seq != want[0].Seq || got[len(got)-1].Seq != want[len(want)-1].Seq) {
					t.Fatalf("[%s, %s): %d entries; want %d", from, to, len(got), len(want))
				}
				// Paged by 7, the same entries.
				n := 0
				for after := uint64(0); ; {
					page, err := st.Entries(ctx, s, after, 7)
					if err != nil {
						t.Fatal(err)
					}
					if len(page) == 0 {
						break
					}
					for _, e := range page {
						if e.Seq != got[n].Seq {
							t.Fatalf("page entry %d is seq %d; want %d", n, e.Seq, got[n].Seq)
						}
						n++
					}
					after = page[len(page)-1].Seq
				}
				if n != len(got) {
					t.Fatalf("pages gave %d entries of %d", n, len(got))
				}
				totals, err := st.Totals(ctx, s)
				if err != nil {
					t.Fatal(err)
				}
				sum := st.Opening.Balance
				for _, tt := range totals {
					sum, _ = sum.Add(tt.In)
					sum, _ = sum.Sub(tt.Out)
				}
				if sum != st.Closing.Balance {
					t.Fatalf("[%s, %s): opening %s + totals %+v = %s; closing %s", from, to, st.Opening.Balance, totals, sum, st.Closing.Balance)
				}
			}
			if _, err := statement.Open(ctx, s, id, end, start); coffer.ErrorCode(err) != coffer.EINVALID {
				t.Fatalf("an impossible period: %v", err)
			}
		})
	}
}

// TestEachChunks: a period of more entries than one chunk read gives every entry once, in seq
// order, and the first error of the caller's function stops the reading and is returned.
func TestEachChunks(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			s, l, clk := setup(t, kind)
			ctx := t.Context()
			start := clk.Now()
			for _, owner := range []string{"alice", "bob"} {
				if _, err := l.Do(ctx, ledger.Deposit{ID: "fund-" + owner, Owner: owner, Asset: "USD", Amount: coffer.AmountFromInt64(100)}); err != nil {
					t.Fatal(err)
				}
			}
			const transfers = 2600 // two chunks and a part
			specs := make([]ledger.TransferSpec, transfers)
			for i := range specs {
				debit, credit := "wallet:alice:USD", "wallet:bob:USD"
				if i%2 == 1 {
					debit, credit = credit, debit
				}
				specs[i] = ledger.TransferSpec{ID: fmt.Sprint("t", i), DebitAccountID: debit, CreditAccountID: credit, Amount: coffer.AmountFromInt64(1)}
			}
			clk.advance(time.Second)
			if _, err := l.Do(ctx, ledger.CreateTransfers{ID: "many", Transfers: specs}); err != nil {
				t.Fatal(err)
			}
			st, err := statement.Open(ctx, s, "wallet:alice:USD", start, clk.advance(time.Second))
			if err != nil {
				t.Fatal(err)
			}
			want := st.FirstSeq
			err = st.Each(ctx, s, func(e coffer.Entry) error {
				if e.Seq != want {
					return fmt.Errorf("entry seq %d; want %d", e.Seq, want)
				}
				want++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := want - st.FirstSeq; got != transfers+1 || st.LastSeq != transfers+1 {
				t.Fatalf("%d entries up to seq %d; want %d", got, st.LastSeq, transfers+1)
			}
			stop := errors.New("stop")
			n := 0
			err = st.Each(ctx, s, func(coffer.Entry) error {
				if n++; n == 1500 {
					return stop
				}
				return nil
			})
			if err != stop || n != 1500 {
				t.Fatalf("stopped at entry %d with %v; want at 1500 with %v", n, err, stop)
			}
		})
	}
}
