package postgres

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/cofferhq/coffer"

	"github.com/jackc/pgx/v5"
)

// headGuess is the chain head that a Store's next events are chained to, in the statement that
// numbers them (queueEvents): the head its own last events moved event_seq to. It is set as soon
// as the statement that moved the head returns, before commit, so that the next batch of another
// writer of the process, which waits for that lock, expects the head that it will find. The
// statements that move the head run one at a time under event_seq's lock and each sets the
// guess before its transaction commits and lets the next one run, so the guesses are set in the
// order of the heads. A guess of a transaction that then rolled back is wrong: the next write
// finds another head, numbers its events under the lock (numberEvents) and sets the guess right.
type headGuess struct {
	mu    sync.Mutex
	head  coffer.ChainHead
	known bool
	// missed counts the write transactions whose events went by numberEvents.
	missed atomic.Int64
}

func (g *headGuess) get() (coffer.ChainHead, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.head, g.known
}

func (g *headGuess) set(h coffer.ChainHead) {
	g.mu.Lock()
	g.head, g.known = h, true
	g.mu.Unlock()
}

// chainPage is how many events chainEvents reads and updates at a time.
const chainPage = 10000

// chainEvents chains the events written before the event_hash migration, in its transaction:
// it reads them in seq order, a page at a time, sets each one's hash from the one before (hash_0
// for seq 1) and leaves the last hash in event_seq. It locks event_seq first, so no writer of
// an older build can add an event in between.
func chainEvents(ctx context.Context, tx pgx.Tx) error {
	var last int64
	if err := tx.QueryRow(ctx, `SELECT last FROM event_seq FOR UPDATE`).Scan(&last); err != nil {
		return fmt.Errorf("chain events: %w", mapErr(err))
	}
	prev := coffer.EventHashZero
	var after int64
	for {
		rows, err := tx.Query(ctx, `SELECT `+eventColumns+` FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`,
			after, chainPage)
		if err != nil {
			return fmt.Errorf("chain events: %w", mapErr(err))
		}
		es, err := collect(rows, scanEvent)
		if err != nil {
			return fmt.Errorf("chain events: %w", mapErr(err))
		}
		if len(es) == 0 {
			break
		}
		seqs, hashes := make([]int64, len(es)), make([][]byte, len(es))
		for i := range es {
			if want := uint64(after) + 1 + uint64(i); es[i].Seq != want {
				return fmt.Errorf("chain events: event %d is missing; the events cannot be chained", want)
			}
			prev = coffer.ChainEvent(prev, &es[i])
			seqs[i], hashes[i] = int64(es[i].Seq), append([]byte(nil), prev[:]...)
		}
		if _, err := tx.Exec(ctx, `UPDATE events AS e SET hash = u.hash
			FROM (SELECT unnest($1::int8[]) AS seq, unnest($2::bytea[]) AS hash) AS u WHERE e.seq = u.seq`,
			seqs, hashes); err != nil {
			return fmt.Errorf("chain events: %w", mapErr(err))
		}
		after = int64(es[len(es)-1].Seq)
	}
	if after != last {
		return fmt.Errorf("chain events: the last event is %d but event_seq says %d", after, last)
	}
	if _, err := tx.Exec(ctx, `UPDATE event_seq SET hash = $1`, prev[:]); err != nil {
		return fmt.Errorf("chain events: %w", mapErr(err))
	}
	return nil
}
