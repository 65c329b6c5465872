package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/postgres"
)

const crashAdminKey = "crash-test-admin-key"

// TestCrash drives load at a server running as its own process, stops it mid-stream (SIGKILL, or
// SIGTERM for a graceful stop), starts it again on the same database, and retries every request
// that got no answer with its id. Every acknowledged operation is there exactly once, no retry is
// applied twice, the wallets hold exactly what the successful deposits put in, and Verify is
// clean. On both stores.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	databases := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return filepath.Join(t.TempDir(), "coffer.db") },
	}
	if postgresConfigured() {
		databases["postgres"] = func(t *testing.T) string { return postgres.TestURL(t) }
	}
	for name, database := range databases {
		for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
			t.Run(name+"/"+sig.String(), func(t *testing.T) {
				runCrash(t, database(t), sig)
			})
		}
	}
}

// crashOp is one request of the load and what became of it.
type crashOp struct {
	deposit  *client.DepositRequest
	transfer *client.TransferRequest
	outcome  string // "" while unknown; "ok" or the error code once answered
}

func (o *crashOp) id() string {
	if o.deposit != nil {
		return o.deposit.ID
	}
	return o.transfer.ID
}

func (o *crashOp) send(ctx context.Context, c *client.Client) (*client.TransferResult, error) {
	if o.deposit != nil {
		return c.Deposit(ctx, *o.deposit)
	}
	return c.CreateTransfer(ctx, *o.transfer)
}

// answered reports whether err is an outcome (success or a rejection) rather than a failure to
// get one: a dropped connection or a server going away.
func answered(err error) bool {
	code := coffer.ErrorCode(err)
	return code != coffer.EUNAVAILABLE && code != coffer.EINTERNAL
}

const (
	crashWorkers     = 8
	crashAckedBefore = 300 // answers to wait for before the signal
	crashWallets     = 6
)

func runCrash(t *testing.T, database string, sig syscall.Signal) {
	ctx := context.Background()
	srv := startServer(t, database, crashAdminKey)
	c := client.New(srv.URL(), crashAdminKey)
	if _, err := c.CreateAsset(ctx, client.CreateAssetRequest{Code: "USD", Scale: 2}); err != nil {
		t.Fatal(err)
	}
	// Open every wallet first: a transfer naming an account that does not exist yet is bad
	// input, answered without using up its id, so its outcome is not fixed.
	var ops []*crashOp
	for i := range crashWallets {
		op := &crashOp{deposit: &client.DepositRequest{ID: fmt.Sprint("open-", i), Owner: fmt.Sprint("w", i), Asset: "USD", Amount: "10.00"}, outcome: "ok"}
		if _, err := op.send(ctx, c); err != nil {
			t.Fatal(err)
		}
		ops = append(ops, op)
	}

	var (
		mu      sync.Mutex
		acked   atomic.Int64
		stopped atomic.Bool
		wg      sync.WaitGroup
		signal  = make(chan struct{})
		once    sync.Once
	)
	for w := range crashWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 99))
			for i := 0; !stopped.Load(); i++ {
				op := &crashOp{}
				id := fmt.Sprintf("k%d-%d", w, i)
				owner := func() string { return fmt.Sprint("w", rng.IntN(crashWallets)) }
				if rng.IntN(2) == 0 {
					op.deposit = &client.DepositRequest{ID: id, Owner: owner(), Asset: "USD",
						Amount: fmt.Sprintf("%d.%02d", 1+rng.IntN(50), rng.IntN(100))}
				} else {
					from, to := owner(), owner()
					if from == to {
						continue
					}
					op.transfer = &client.TransferRequest{ID: id, DebitAccountID: "wallet:" + from + ":USD",
						CreditAccountID: "wallet:" + to + ":USD", Amount: fmt.Sprintf("%d.%02d", rng.IntN(30), 1+rng.IntN(99))}
				}
				mu.Lock()
				ops = append(ops, op)
				mu.Unlock()
				_, err := op.send(ctx, c)
				if !answered(err) {
					return // the server went away; this op stays unknown
				}
				mu.Lock()
				op.outcome = "ok"
				if err != nil {
					op.outcome = coffer.ErrorCode(err)
				}
				mu.Unlock()
				if acked.Add(1) == crashAckedBefore {
					once.Do(func() { close(signal) })
				}
			}
		}()
	}
	<-signal
	if err := srv.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	<-srv.done
	stopped.Store(true)
	wg.Wait()
	if sig == syscall.SIGTERM && srv.err != nil {
		t.Errorf("after SIGTERM the server exited with %v, want a clean exit", srv.err)
	}

	// Start again and settle every unknown request by retrying it with its id.
	srv = startServer(t, database, crashAdminKey)
	c = client.New(srv.URL(), crashAdminKey)
	unknown := 0
	for _, op := range ops {
		if op.outcome != "" {
			continue
		}
		unknown++
		_, err := op.send(ctx, c)
		if !answered(err) {
			t.Fatalf("retry of %s after the restart: %v", op.id(), err)
		}
		op.outcome = "ok"
		if err != nil {
			op.outcome = coffer.ErrorCode(err)
		}
	}
	t.Logf("%d requests: %d answered before the %s, %d settled by retry", len(ops), acked.Load(), sig, unknown)

	// Every answer stands: a replay of any request gives the same outcome.
	deposited := coffer.Amount{}
	succeeded := 0
	for _, op := range ops {
		res, err := op.send(ctx, c)
		got := "ok"
		if err != nil {
			got = coffer.ErrorCode(err)
		}
		if got != op.outcome {
			t.Fatalf("replay of %s gave %q, first %q (%v)", op.id(), got, op.outcome, err)
		}
		switch {
		case got != "ok":
			continue
		case op.deposit != nil:
			a, _ := coffer.ParseAmount(op.deposit.Amount, 2)
			deposited, _ = deposited.Add(a)
		}
		succeeded++
		if tr, err := c.Transfer(ctx, op.id()); err != nil || tr.ID != res.Transfer.ID {
			t.Fatalf("acknowledged %s: %+v, %v", op.id(), tr, err)
		}
	}
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-srv.done

	// Now read the database itself.
	store, err := openStore(ctx, database, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	held := coffer.Amount{}
	transfers := 0
	err = store.Scan(ctx, coffer.Scanner{
		Account: func(a coffer.Account) error {
			if a.Kind == coffer.KindWallet {
				if a.Available().Sign() < 0 {
					t.Errorf("%s is negative: %s", a.ID, a.Available())
				}
				held, _ = held.Add(a.Balance())
			}
			return nil
		},
		Transfer: func(coffer.Transfer) error { transfers++; return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if held != deposited {
		t.Errorf("wallets hold %s; successful deposits put in %s", held.Format(2), deposited.Format(2))
	}
	if transfers != succeeded {
		t.Errorf("the database holds %d transfers; %d operations succeeded", transfers, succeeded)
	}
	rep, err := ledger.Verify(ctx, store)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
}
