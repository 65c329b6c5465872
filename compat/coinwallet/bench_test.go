package coinwallet_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/testdb"
)

// BenchmarkPay measures a payment of one coin through the profile against the same payment
// through /v1 (client.Pay), on one server over SQLite, from 16 clients paying from 16 users:
// what the translation, the balance read after the write and the coin record cost. Run both
// in one process and compare:
//
//	go test ./compat/coinwallet -run '^$' -bench BenchmarkPay -benchtime 3000x -count 3
func BenchmarkPay(b *testing.B) {
	e := setup(b, testdb.SQLite(b), "")
	ctx := context.Background()
	const users = 16
	for u := range users {
		if _, err := e.v1.Deposit(ctx, client.DepositRequest{ID: fmt.Sprintf("seed-%d", u), Owner: fmt.Sprint(u + 1),
			Asset: "GOLD", Amount: "1000000000"}); err != nil {
			b.Fatal(err)
		}
	}
	op := client.New(e.url, e.operatorKey)
	var seq atomic.Int64
	run := func(b *testing.B, pay func(user int, id string) error) {
		b.ResetTimer()
		next := make(chan int, b.N)
		for i := range b.N {
			next <- i
		}
		close(next)
		var wg sync.WaitGroup
		for u := range users {
			wg.Go(func() {
				for range next {
					if err := pay(u+1, fmt.Sprintf("bench-%d", seq.Add(1))); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pays/s")
	}
	b.Run("v1", func(b *testing.B) {
		run(b, func(user int, id string) error {
			_, err := op.Pay(ctx, client.PaymentRequest{ID: id, Owner: fmt.Sprint(user), Merchant: "coin-wallet",
				Asset: "GOLD", Amount: "1", OrderID: id})
			return err
		})
	})
	// Connections kept for every client, as the Go client keeps them.
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: users}}
	b.Run("coinwallet", func(b *testing.B) {
		run(b, func(user int, id string) error {
			req, err := http.NewRequest("POST", e.url+"/api/wallet/v1/pay", strings.NewReader(coinBody(user, "gold", 1, id, "android")))
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", "Bearer "+e.operatorKey)
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				return fmt.Errorf("pay: %d %s %v", resp.StatusCode, body, err)
			}
			return nil
		})
	})
}
