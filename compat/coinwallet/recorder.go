package coinwallet

import (
	"context"
	"sync"

	"github.com/cofferhq/coffer"
)

// recorder writes coin records in groups: the records of the writes in flight share one
// transaction and one commit, as the ledger's batches do, where one commit each would cap the
// profile at the disk's commits per second. A write waits for its own record's commit before it
// answers. No goroutine of its own: the first writer to find none writing writes the queue,
// and at its end hands the turn to the first record that arrived meanwhile.
type recorder struct {
	store coffer.CoinRecordStore

	mu      sync.Mutex
	busy    bool       // a writer holds the turn
	pending []*putting // records waiting for the next turn
}

// putting is one record on its way to the store.
type putting struct {
	rec  coffer.CoinRecord
	out  coffer.CoinRecord
	err  error
	done chan struct{} // closed once out or err is set
	turn chan struct{} // receives the turn to write the queue
}

// put stores rec unless its id is taken, and returns the stored record of its id.
func (r *recorder) put(ctx context.Context, rec coffer.CoinRecord) (coffer.CoinRecord, error) {
	p := &putting{rec: rec, done: make(chan struct{}), turn: make(chan struct{}, 1)}
	r.mu.Lock()
	r.pending = append(r.pending, p)
	if r.busy {
		r.mu.Unlock()
		select {
		case <-p.done:
			return p.out, p.err
		case <-p.turn: // the writer before handed over: p is still queued
		}
		r.mu.Lock()
	}
	r.busy = true
	n := min(len(r.pending), coffer.CoinRecordBatchMax)
	group := r.pending[:n:n]
	r.pending = r.pending[n:]
	r.mu.Unlock()

	// The group's commit must not fail because this one request's caller went away.
	r.write(context.WithoutCancel(ctx), group)

	r.mu.Lock()
	if len(r.pending) > 0 {
		r.pending[0].turn <- struct{}{}
	} else {
		r.busy = false
	}
	r.mu.Unlock()
	<-p.done
	return p.out, p.err
}

// write stores a group of records whose ids are distinct, and ends each one's wait.
func (r *recorder) write(ctx context.Context, group []*putting) {
	// Two requests of one transaction id at once may both be here: the store is given the id
	// once, the first one's record, and both get what it stored.
	recs := make([]coffer.CoinRecord, 0, len(group))
	seen := make(map[string]bool, len(group))
	for _, p := range group {
		if !seen[p.rec.ID] {
			seen[p.rec.ID] = true
			recs = append(recs, p.rec)
		}
	}
	stored, err := r.store.PutCoinRecords(ctx, recs)
	byID := make(map[string]coffer.CoinRecord, len(stored))
	for _, s := range stored {
		byID[s.ID] = s
	}
	for _, p := range group {
		p.out, p.err = byID[p.rec.ID], err
		close(p.done)
	}
}
