package loadtest

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// run sends the workload from Config.Clients goroutines until the gate closes, and returns their
// tallies and latencies added up and how long it took, from the first request to the last answer.
func (b *bench) run(ctx context.Context) (tally, *Histogram, time.Duration) {
	stop := make(chan struct{})
	g := &gate{stop: stop, max: b.cfg.RequestsMax}
	if b.cfg.Rate > 0 {
		g.pace = newPacer(b.cfg.Rate)
	}
	workers := make([]*worker, b.cfg.Clients)
	for i := range workers {
		workers[i] = newWorker(b, g, i)
	}
	start := time.Now()
	timer := time.AfterFunc(b.cfg.Duration, func() { close(stop) })
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			step := w.stepFunc()
			for g.pass(ctx) {
				step(ctx)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	timer.Stop()

	total := newTally()
	hist := &Histogram{}
	for _, w := range workers {
		w.conn.close()
		total.merge(&w.tally)
		hist.Merge(&w.hist)
	}
	return total, hist, elapsed
}

// tally is what one client counted; run adds the clients' up.
type tally struct {
	requests, transfers int64
	// operations counts requests by what they asked for: transfer, payment, capture, ...
	operations map[string]int64
	// errors counts failed requests by code; itemErrors the rejected items of batches.
	errors, itemErrors map[string]int64
	// deposited and withdrawn are the run's successful deposits and the posted amounts of its
	// completed withdrawals, in minor units, for the balance check.
	deposited, withdrawn int64
	// unknown are writes of those two kinds whose outcome the answer did not tell (unavailable,
	// internal): the check looks them up. unknownDropped counts those past unknownMax.
	unknown        []string
	unknownDropped int64
}

// unknownMax caps the unknown outcomes a client keeps: past it the balance check cannot be
// exact, and says so.
const unknownMax = 10_000

func newTally() tally {
	return tally{operations: map[string]int64{}, errors: map[string]int64{}, itemErrors: map[string]int64{}}
}

func (t *tally) merge(o *tally) {
	t.requests += o.requests
	t.transfers += o.transfers
	for k, v := range o.operations {
		t.operations[k] += v
	}
	for k, v := range o.errors {
		t.errors[k] += v
	}
	for k, v := range o.itemErrors {
		t.itemErrors[k] += v
	}
	t.deposited += o.deposited
	t.withdrawn += o.withdrawn
	t.unknown = append(t.unknown, o.unknown...)
	t.unknownDropped += o.unknownDropped
}

// worker is one client: its own request loop, random source, ids, tally and latencies.
type worker struct {
	b      *bench
	client *client.Client // sends over conn, this client's own connection
	conn   *connTransport
	g      *gate
	rng    *rand.Rand
	ids    string // the prefix of this client's operation ids
	seq    uint64
	tally  tally
	hist   Histogram
	// refundable are this client's payments that a refund may take part of, newest last.
	refundable []payment
}

// payment is a successful payment of the mixed workload, and how much of it a refund may take:
// what the merchant kept after the fee.
type payment struct {
	id   string
	left int64
}

// refundableMax caps the payments a client remembers for refunds; the oldest are forgotten.
const refundableMax = 256

func newWorker(b *bench, g *gate, i int) *worker {
	conn := &connTransport{}
	cl := client.New(BaseURL(b.cfg.Addr), b.cfg.Key)
	cl.HTTP = &http.Client{Transport: conn}
	return &worker{b: b, client: cl, conn: conn, g: g, rng: rand.New(rand.NewPCG(rand.Uint64(), uint64(i))),
		ids: b.asset + "-" + strconv.Itoa(i) + "-", tally: newTally()}
}

// nextID returns an operation id no other request of any run uses: the asset is new per run and
// the client's number and sequence are unique within it.
func (w *worker) nextID() string {
	w.seq++
	return w.ids + strconv.FormatUint(w.seq, 10)
}

// call sends one request through f, timing it and counting it under op: newTransfers transfers
// when it succeeds, its error's code when not.
func (w *worker) call(op string, newTransfers int64, f func() error) error {
	start := time.Now()
	err := f()
	w.hist.Record(time.Since(start))
	w.tally.requests++
	w.tally.operations[op]++
	if err != nil {
		w.tally.errors[coffer.ErrorCode(err)]++
		return err
	}
	w.tally.transfers += newTransfers
	return nil
}

// noteUnknown keeps the transfer of a deposit or a withdrawal's completion when err leaves its
// outcome open, so that the balance check can read whether it was posted.
func (w *worker) noteUnknown(err error, transferID string) {
	switch coffer.ErrorCode(err) {
	case coffer.EUNAVAILABLE, coffer.EINTERNAL:
		if len(w.tally.unknown) < unknownMax {
			w.tally.unknown = append(w.tally.unknown, transferID)
		} else {
			w.tally.unknownDropped++
		}
	}
}

// between returns a random amount in minor units from lo to hi, both included.
func (w *worker) between(lo, hi int64) int64 { return lo + w.rng.Int64N(hi-lo+1) }

// wallet returns the index of a random wallet.
func (w *worker) wallet() int { return w.rng.IntN(len(w.b.wallets)) }

// twoWallets returns the indexes of two distinct random wallets.
func (w *worker) twoWallets() (int, int) {
	n := len(w.b.wallets)
	i, j := w.rng.IntN(n), w.rng.IntN(n-1)
	if j >= i {
		j++
	}
	return i, j
}

// fee returns a payment's fee: feePercent of it, at least feeMin.
func fee(amount int64) int64 { return max(amount*feePercent/100, feeMin) }

// formatMinor writes minor units of a run's asset in major units: 1250 is "12.50".
func formatMinor(v int64) string { return coffer.AmountFromInt64(v).Format(Scale) }

// parseMinor reads an amount the server wrote in major units of a run's asset.
func parseMinor(s string) (int64, bool) {
	a, err := coffer.ParseAmount(s, Scale)
	if err != nil {
		return 0, false
	}
	return a.Int64()
}
