package ledger_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/postgres"
)

// TestConcurrentTransfers has many goroutines move money at random among a few wallets that may
// not overdraw, replaying some of their own ids as they go. Afterwards no wallet is negative, the
// total is what was deposited, every acknowledged transfer exists exactly once, every replay got
// the first outcome, and Verify is clean.
func TestConcurrentTransfers(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			store := kind.Open(t)
			writers := 1
			if kind.Name == "postgres" {
				writers = 4
			}
			l := ledger.New(store, ledger.Config{Writers: writers})
			t.Cleanup(func() { l.Close() })
			runConcurrent(t, store, []*ledger.Ledger{l})
		})
	}
}

const (
	concWallets   = 5
	concDeposit   = 10000
	concWorkers   = 16
	concPerWorker = 150
)

// runConcurrent drives the ledgers (one per process when more than one) from many goroutines.
func runConcurrent(t *testing.T, store coffer.Store, ledgers []*ledger.Ledger) {
	ctx := context.Background()
	l0 := ledgers[0]
	mustDo(t, l0, ledger.CreateAsset{Code: "USD", Scale: 2})
	wallet := func(i int) string { return coffer.AccountID(coffer.KindWallet, fmt.Sprint("c", i), "USD") }
	for i := range concWallets {
		mustDo(t, l0, ledger.Deposit{ID: fmt.Sprint("fund-", i), Owner: fmt.Sprint("c", i), Asset: "USD", Amount: coffer.AmountFromInt64(concDeposit)})
	}

	type ack struct {
		id     string
		amount int64
	}
	var mu sync.Mutex
	var acked []ack
	var wg sync.WaitGroup
	for w := range concWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			l := ledgers[w%len(ledgers)]
			first := map[string]string{}
			var sent []ledger.Command
			for i := range concPerWorker {
				var cmd ledger.Command
				if len(sent) > 0 && rng.IntN(8) == 0 {
					cmd = sent[rng.IntN(len(sent))] // a client retrying
					l = ledgers[rng.IntN(len(ledgers))]
				} else {
					a, b := rng.IntN(concWallets), rng.IntN(concWallets-1)
					if b >= a {
						b++
					}
					id := fmt.Sprintf("w%d-%d", w, i)
					cmd = ledger.CreateTransfers{ID: id, Transfers: []ledger.TransferSpec{{ID: id, DebitAccountID: wallet(a),
						CreditAccountID: wallet(b), Amount: coffer.AmountFromInt64(int64(1 + rng.IntN(4000)))}}}
					sent = append(sent, cmd)
				}
				_, err := l.Do(ctx, cmd)
				code := coffer.ErrorCode(err)
				if code != "" && code != coffer.EINSUFFICIENTFUNDS {
					t.Errorf("%s: %v", cmd.OperationID(), err)
					return
				}
				if prev, ok := first[cmd.OperationID()]; ok {
					if prev != code {
						t.Errorf("replay of %s gave %q, first %q", cmd.OperationID(), code, prev)
					}
					continue
				}
				first[cmd.OperationID()] = code
				if code == "" {
					a, _ := cmd.(ledger.CreateTransfers).Transfers[0].Amount.Int64()
					mu.Lock()
					acked = append(acked, ack{cmd.OperationID(), a})
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	total := coffer.Amount{}
	for i := range concWallets {
		a, err := store.Account(ctx, wallet(i))
		if err != nil {
			t.Fatal(err)
		}
		if a.Balance().Sign() < 0 || a.Available().Sign() < 0 {
			t.Errorf("%s is negative: balance %s available %s", a.ID, a.Balance(), a.Available())
		}
		total, _ = total.Add(a.Balance())
	}
	if want := coffer.AmountFromInt64(concWallets * concDeposit); total != want {
		t.Errorf("wallets hold %s in all, want %s", total, want)
	}
	for _, a := range acked {
		tr, err := store.Transfer(ctx, a.id)
		if err != nil {
			t.Fatalf("acknowledged transfer %s: %v", a.id, err)
		}
		if got, _ := tr.Amount.Int64(); got != a.amount {
			t.Errorf("transfer %s has amount %d, acknowledged %d", a.id, got, a.amount)
		}
	}
	transfers := 0
	if err := store.Scan(ctx, coffer.Scanner{Transfer: func(coffer.Transfer) error { transfers++; return nil }}); err != nil {
		t.Fatal(err)
	}
	if want := len(acked) + concWallets; transfers != want {
		t.Errorf("the ledger holds %d transfers; %d were acknowledged (with the deposits)", transfers, want)
	}
	if len(acked) < concWorkers*concPerWorker/10 {
		t.Errorf("only %d transfers succeeded; the test is not exercising much", len(acked))
	}
	rep, err := ledger.Verify(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("verify: %+v", rep.Violations)
	}
}

func mustDo(t testing.TB, l *ledger.Ledger, c ledger.Command) *ledger.Result {
	t.Helper()
	r, err := l.Do(context.Background(), c)
	if err != nil {
		t.Fatalf("%T %s: %v", c, c.OperationID(), err)
	}
	return r
}

// TestTwoProcessesOnePostgres runs the same load through two ledgers, each with its own
// connection pool, on one PostgreSQL schema: what two Coffer processes behind a load balancer
// do. Retries of an id go to either.
func TestTwoProcessesOnePostgres(t *testing.T) {
	url := postgres.TestURL(t)
	var ledgers []*ledger.Ledger
	var store coffer.Store
	for range 2 {
		s, err := postgres.Open(context.Background(), url, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		l := ledger.New(s, ledger.Config{Writers: 4})
		t.Cleanup(func() { l.Close() })
		ledgers = append(ledgers, l)
		store = s
	}
	runConcurrent(t, store, ledgers)
}
