package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/postgres"
)

// TestTwoServersOnePostgres runs two server processes on one PostgreSQL database, as behind a
// load balancer, and sends transfers among a few wallets that may not overdraw to both at once,
// each request retried through the other server now and then. Afterwards no wallet is negative,
// the total is unchanged, every acknowledged transfer is there once, and Verify is clean.
func TestTwoServersOnePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	url := postgres.TestURL(t)
	ctx := context.Background()
	servers := []*serverProcess{startServer(t, url, crashAdminKey), startServer(t, url, crashAdminKey)}
	clients := []*client.Client{client.New(servers[0].URL(), crashAdminKey), client.New(servers[1].URL(), crashAdminKey)}
	if _, err := clients[0].CreateAsset(ctx, client.CreateAssetRequest{Code: "USD", Scale: 2}); err != nil {
		t.Fatal(err)
	}
	const wallets, workers, perWorker = 4, 8, 60
	for i := range wallets {
		if _, err := clients[i%2].Deposit(ctx, client.DepositRequest{ID: fmt.Sprint("fund-", i), Owner: fmt.Sprint("f", i), Asset: "USD", Amount: "50.00"}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	acked := map[string]string{} // id -> amount
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 5))
			for i := range perWorker {
				a, b := rng.IntN(wallets), rng.IntN(wallets-1)
				if b >= a {
					b++
				}
				req := client.TransferRequest{ID: fmt.Sprintf("t%d-%d", w, i), DebitAccountID: fmt.Sprintf("wallet:f%d:USD", a),
					CreditAccountID: fmt.Sprintf("wallet:f%d:USD", b), Amount: fmt.Sprintf("%d.%02d", rng.IntN(20), 1+rng.IntN(99))}
				first, err := clients[(w+i)%2].CreateTransfer(ctx, req)
				code := coffer.ErrorCode(err)
				if code != "" && code != coffer.EINSUFFICIENTFUNDS {
					t.Errorf("%s: %v", req.ID, err)
					return
				}
				// The same request through the other server: the same outcome.
				again, err2 := clients[(w+i+1)%2].CreateTransfer(ctx, req)
				if coffer.ErrorCode(err2) != code || (code == "" && again.Transfer.Amount != first.Transfer.Amount) {
					t.Errorf("%s: first %q, through the other server %v", req.ID, code, err2)
					return
				}
				if code == "" {
					mu.Lock()
					acked[req.ID] = req.Amount
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
	for i := range wallets {
		a, err := clients[0].Account(ctx, fmt.Sprintf("wallet:f%d:USD", i))
		if err != nil {
			t.Fatal(err)
		}
		if a.Available[0] == '-' || a.Balance[0] == '-' {
			t.Errorf("%s went negative: %+v", a.ID, a)
		}
		v, _ := coffer.ParseAmount(a.Balance, 2)
		total, _ = total.Add(v)
	}
	if total.Format(2) != fmt.Sprintf("%d.00", 50*wallets) {
		t.Errorf("the wallets hold %s in all, want %d.00", total.Format(2), 50*wallets)
	}
	for id, amount := range acked {
		tr, err := clients[1].Transfer(ctx, id)
		if err != nil || tr.Amount != amount {
			t.Fatalf("acknowledged %s of %s: %+v, %v", id, amount, tr, err)
		}
	}
	store, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	n := 0
	if err := store.Scan(ctx, coffer.Scanner{Transfer: func(coffer.Transfer) error { n++; return nil }}); err != nil {
		t.Fatal(err)
	}
	if n != len(acked)+wallets {
		t.Errorf("%d transfers in the database, %d acknowledged (with the deposits)", n, len(acked)+wallets)
	}
	rep, err := ledger.Verify(ctx, store)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	t.Logf("%d transfers acknowledged through two servers", len(acked))
}
