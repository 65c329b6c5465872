package sqlite

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/cofferhq/coffer"
)

// accountCacheMax bounds the accounts the write connection keeps in memory (some 300 bytes
// each). Past it, each newly cached account evicts one chosen at random, which keeps the hot
// ones (a merchant, the fee account) with high probability.
const accountCacheMax = 50_000

// accountCache is the write connection's copy of accounts as they were last committed, so a
// batch reads from SQLite only the accounts it has not seen lately. Reading them was a tenth of
// the writer's time for batches of a thousand transfers.
//
// It is right only while no other connection writes the file: another process may run on the
// same database. PRAGMA data_version changes when another connection commits, so each Write
// reads it once it holds the write lock and empties the cache if it moved, or if the write
// connection is not the one it was read on. Only Write uses the cache, and Writes run one at a
// time on the one write connection.
type accountCache struct {
	version int64 // data_version the entries are right for; -1 before the first Write
	conns   *atomic.Int64
	conn    int64 // conns when version was read: another count is another connection
	byID    map[string]coffer.Account
}

// newAccountCache returns an empty cache of the write connection, of which conns counts the
// openings.
func newAccountCache(conns *atomic.Int64) accountCache {
	return accountCache{version: -1, conns: conns, byID: make(map[string]coffer.Account)}
}

// check empties the cache unless the file is as this connection last left it. It runs inside
// the write transaction, after BEGIN IMMEDIATE took the write lock.
func (c *accountCache) check(ctx context.Context, w *writeTx) error {
	var v int64
	if err := w.stmt(ctx, w.st.dataVersion).QueryRowContext(ctx).Scan(&v); err != nil {
		return fmt.Errorf("read data version: %w", retryable(err))
	}
	// data_version is a count of this connection's: on a new connection (database/sql keeps the
	// write connection for good, but a broken one is replaced) it starts again.
	if n := c.conns.Load(); v != c.version || n != c.conn {
		c.clear()
		c.version, c.conn = v, n
	}
	return nil
}

func (c *accountCache) clear() { clear(c.byID) }

// put stores a as committed.
func (c *accountCache) put(a *coffer.Account) {
	if _, ok := c.byID[a.ID]; !ok && len(c.byID) >= accountCacheMax {
		for id := range c.byID { // map order is random: a random victim
			delete(c.byID, id)
			break
		}
	}
	c.byID[a.ID] = *a
}

// committed stores what a committed Write read and wrote: the accounts as read, then the ones it
// changed or created as saved.
func (c *accountCache) committed(w *writeTx) {
	for i := range w.read {
		c.put(&w.read[i])
	}
	for _, ch := range w.saved {
		for _, a := range ch.NewAccounts {
			c.put(a)
		}
		for _, a := range ch.Accounts {
			c.put(a)
		}
	}
}
