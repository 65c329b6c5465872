package payout_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/payout"
	"github.com/cofferhq/coffer/chain/send"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// batch is the payouts of one round of the benchmark.
const batch = 1000

// requestsAtOnce is how many requests are in flight at once, as an API's clients would send
// them; the ledger gathers them into batches.
const requestsAtOnce = 32

// noLedger is the sender-core baseline's Ledger: it does nothing.
type noLedger struct{}

func (noLedger) Confirmed(context.Context, coffer.SendIntent, send.Outcome) error { return nil }
func (noLedger) Failed(context.Context, coffer.SendIntent, send.Outcome) error    { return nil }

// BenchmarkPayouts measures payouts per second through the whole pipeline on the simulated
// chain, 1,000 ether payouts a round: requested (the ledger's hold and the intent), signed,
// committed and broadcast, then, once mined and deep, confirmed (the ledger's post, gas and
// payout.confirmed). Its baseline, in the same run and on the same store, is the sender core
// alone: the same 1,000 intents created directly, sent and ended with a ledger that does
// nothing. Mining is off the clock: the chain's time is not Coffer's. confirm-ms is the pass
// that ends the round's 1,000 payouts, from the block that makes them deep to the last
// payout.confirmed committed (in serve, add up to one poll of the chain).
//
//	go test ./chain/payout -run '^$' -bench . -benchtime 3x
func BenchmarkPayouts(b *testing.B) {
	for _, kind := range testdb.Kinds() {
		b.Run("core/"+kind.Name, func(b *testing.B) { benchPayouts(b, kind.Open, false) })
		b.Run("pipeline/"+kind.Name, func(b *testing.B) { benchPayouts(b, kind.Open, true) })
	}
}

func benchPayouts(b *testing.B, open func(testing.TB) coffer.Store, pipeline bool) {
	r := setup(b, options{open: open})
	if !pipeline {
		r.cfg.Ledger = noLedger{}
		r.restart(b)
	}
	r.fund(b, "alice", "ETH", 1_000_000_000_000_000_000)
	to := newAddress()
	round, n := 0, 0
	var elapsed, confirm time.Duration
	for b.Loop() {
		b.StopTimer()
		ids := make([]string, batch)
		for i := range ids {
			ids[i] = fmt.Sprintf("r%d-%d", round, i)
		}
		start := time.Now()
		r.requestAll(b, ids, to, pipeline)
		// Send them all, then mine until they are deep, each pass on the clock.
		p := r.pass(b)
		if p.InFlight != batch {
			b.Fatalf("progress %+v; want %d in flight", p, batch)
		}
		took := time.Since(start)
		for range 3 {
			r.sim.Commit()
		}
		start = time.Now()
		r.pass(b)
		last := time.Since(start)
		took += last
		if in := r.intent(b, ids[batch-1]); in.State != coffer.SendConfirmed {
			b.Fatalf("%s is %s after the round", in.ID, in.State)
		}
		elapsed += took
		confirm += last
		n += batch
		round++
		b.StartTimer()
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "payouts/s")
	b.ReportMetric(float64(confirm.Milliseconds())/float64(round), "confirm-ms")
}

// requestAll requests the payouts ids of 1 wei each, requestsAtOnce at a time: through the
// service (hold and intent) or, for the baseline, as intents alone.
func (r *rig) requestAll(t testing.TB, ids []string, to common.Address, pipeline bool) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(ids))
	next := make(chan string)
	for range requestsAtOnce {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range next {
				var err error
				if pipeline {
					_, err = r.svc.Request(context.Background(), requestOf(id, to))
				} else {
					_, err = r.s.Queue(context.Background(), send.Payout{ID: id, To: to, Asset: "ETH", Amount: coffer.AmountFromInt64(1).Big()})
				}
				if err != nil {
					errs <- fmt.Errorf("%s: %w", id, err)
				}
			}
		}()
	}
	for _, id := range ids {
		next <- id
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func requestOf(id string, to common.Address) payout.Request {
	return payout.Request{ID: id, Kind: ledger.PayoutWithdrawal, Owner: "alice", Chain: "dev", Asset: "ETH",
		Amount: coffer.AmountFromInt64(1), To: to.Hex()}
}
