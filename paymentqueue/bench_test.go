package paymentqueue_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/payout"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// benchBatch is the requests of one benchmark iteration.
const benchBatch = 200

// benchOwner funds owner's wallet with plenty for the benchmark's payouts and returns its
// deposit address.
func benchOwner(b *testing.B, f *fixture, owner string) string {
	b.Helper()
	a, _, err := f.addrs.Assign(b.Context(), owner, "dev", "")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := f.ledger.Do(b.Context(), ledger.Deposit{ID: "bench-fund-" + owner, Owner: owner, Asset: "USDT",
		Amount: coffer.AmountFromInt64(1_000_000_000_000_000)}); err != nil {
		b.Fatal(err)
	}
	return a.Address
}

// BenchmarkPayoutRequestsDirect is the baseline of BenchmarkPayoutRequestsQueue: the same
// payout requests (a hold and a queued send intent each) made by calling the payout service
// from 16 goroutines, as the consumer's 16 handlers would, without the queue.
func BenchmarkPayoutRequestsDirect(b *testing.B) {
	f := setup(b, testdb.Kinds()[0])
	benchOwner(b, f, "bench-direct")
	var n atomic.Int64
	for b.Loop() {
		var wg sync.WaitGroup
		next := make(chan int, benchBatch)
		for i := range benchBatch {
			_ = i
			next <- int(n.Add(1))
		}
		close(next)
		for range 16 {
			wg.Go(func() {
				for i := range next {
					_, err := f.payouts.Request(b.Context(), payout.Request{ID: fmt.Sprintf("direct-%d", i), Kind: ledger.PayoutWithdrawal,
						Owner: "bench-direct", Chain: "dev", Asset: "USDT", Amount: coffer.AmountFromInt64(1_000_000),
						To: "0x2222222222222222222222222222222222222222"})
					if err != nil {
						b.Error(err)
					}
				}
			})
		}
		wg.Wait()
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "requests/s")
}

// BenchmarkPayoutRequestsQueue sends signed withdraw requests through RabbitMQ and waits until
// the consumer has settled each (stored, held, queued, acknowledged).
func BenchmarkPayoutRequestsQueue(b *testing.B) {
	f := setup(b, testdb.Kinds()[0])
	from := benchOwner(b, f, "bench-queue")
	var n int
	for b.Loop() {
		for range benchBatch {
			n++
			f.client.Send(b, "withdraw", fmt.Sprintf(`{"queue_id":"q-%d","from_address":"%s","to_address":"0x2222222222222222222222222222222222222222","amount":1,"chain":"ETH","symbol":"USDT","timestamp":%d}`,
				n, from, now()))
		}
		for range benchBatch {
			if h := f.handledOne(b); h != "withdraw:done" {
				b.Fatalf("a request: %s", h)
			}
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "requests/s")
}

// BenchmarkConfirmToNotice measures, per payout, the time from the block that makes it deep
// enough (mined by hand) to its final notice on the withdraw return queue: the sender's pass
// that finds it confirmed, the ledger's commit of its end, the relay woken by that commit, the
// notice published and confirmed by the broker, and its delivery to a consumer. Each iteration
// confirms 20 payouts in one block.
func BenchmarkConfirmToNotice(b *testing.B) {
	f := setup(b, testdb.Kinds()[0])
	from := benchOwner(b, f, "bench-latency")
	notices, err := f.client.Channel().Consume(f.client.ReturnQueue("withdraw"), "", true, true, false, false, nil)
	if err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	var n int
	for b.Loop() {
		const k = 20
		for range k {
			n++
			f.client.Send(b, "withdraw", fmt.Sprintf(`{"queue_id":"l-%d","from_address":"%s","to_address":"0x2222222222222222222222222222222222222222","amount":1,"chain":"ETH","symbol":"USDT","timestamp":%d}`,
				n, from, now()))
		}
		for range k {
			if h := f.handledOne(b); h != "withdraw:done" {
				b.Fatalf("a request: %s", h)
			}
		}
		// Sent, mined, then two blocks more: the third block is the confirming one.
		if _, err := f.sender.Pass(b.Context(), f.fence); err != nil {
			b.Fatal(err)
		}
		f.mine(b, 2)
		if _, err := f.dev.Mine(); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if _, err := f.sender.Pass(b.Context(), f.fence); err != nil {
			b.Fatal(err)
		}
		for range k {
			select {
			case d := <-notices:
				if !strings.Contains(string(d.Body), `"status":1`) {
					b.Fatalf("notice %s", d.Body)
				}
				lat = append(lat, time.Since(t0))
			case <-time.After(20 * time.Second):
				b.Fatal("no notice within 20s")
			}
		}
		if err := f.watcher.Pass(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
