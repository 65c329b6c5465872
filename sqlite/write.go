package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cofferhq/coffer"
)

// Write runs fn in one transaction on the write connection, begun with BEGIN IMMEDIATE: it holds
// the database's write lock from the start, so every WriteTx read is current and LockAccounts
// needs no lock of its own. Writes of one Store run one at a time; writes of another process on
// the same file wait up to busyTimeout and then fail with coffer.ErrRetry.
//
// If fn returns an error, Write rolls back and returns it. If Save failed, Write rolls back and
// returns Save's error even when fn returned nil, so a half-done Save is never committed. Write
// must not be called from inside fn: the one write connection is taken.
func (s *Store) Write(ctx context.Context, fn func(coffer.WriteTx) error) error {
	// The turn spans the whole Write, past the commit that hands the connection back to the
	// pool, so the next Write finds the account cache as this one committed it.
	select {
	case s.writeTurn <- struct{}{}:
		defer func() { <-s.writeTurn }()
	case <-ctx.Done():
		return fmt.Errorf("begin write: %w", ctx.Err())
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin write: %w", retryable(err))
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	w := &writeTx{st: s.stmts, tx: tx, bound: map[*sql.Stmt]*sql.Stmt{}, cache: &s.accounts}
	if err := s.accounts.check(ctx, w); err != nil {
		return err
	}
	if err := fn(w); err != nil {
		return err
	}
	if w.saveErr != nil {
		return w.saveErr
	}
	if err := tx.Commit(); err != nil {
		// Whether it took effect is not known here: start the cache afresh.
		s.accounts.clear()
		return fmt.Errorf("commit: %w", retryable(err))
	}
	committed = true
	s.accounts.committed(w)
	return nil
}

// writeTx is the coffer.WriteTx of one Write.
type writeTx struct {
	st      *statements
	tx      *sql.Tx
	bound   map[*sql.Stmt]*sql.Stmt // prepared statement -> its binding to tx
	args    []any                   // reused for every statement's arguments
	ids     []byte                  // reused for every JSON array of ids
	saveErr error

	cache *accountCache     // the accounts as committed before this transaction
	read  []coffer.Account  // accounts read from the file, as read, for the cache after commit
	saved []*coffer.Changes // what Save wrote, for the cache after commit
}

// stmt returns st bound to the transaction.
func (w *writeTx) stmt(ctx context.Context, st *sql.Stmt) *sql.Stmt {
	b, ok := w.bound[st]
	if !ok {
		b = w.tx.StmtContext(ctx, st)
		w.bound[st] = b
	}
	return b
}

// Operations returns the recorded operations among ids.
func (w *writeTx) Operations(ctx context.Context, ids []string) (map[string]*coffer.Operation, error) {
	out := make(map[string]*coffer.Operation, len(ids))
	err := w.selectIn(ctx, w.st.selectOperations, ids, func(r *sql.Rows) error {
		o, err := scanOperation(r)
		if err != nil {
			return err
		}
		out[o.ID] = &o
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read operations: %w", err)
	}
	return out, nil
}

// Assets returns the assets among codes.
func (w *writeTx) Assets(ctx context.Context, codes []string) (map[string]coffer.Asset, error) {
	out := make(map[string]coffer.Asset, len(codes))
	err := w.selectIn(ctx, w.st.selectAssets, codes, func(r *sql.Rows) error {
		a, err := scanAsset(r)
		if err != nil {
			return err
		}
		out[a.Code] = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read assets: %w", err)
	}
	return out, nil
}

// LockAccounts returns the accounts among ids: copies of those in the write connection's cache,
// the others read from the file. It only reads: the transaction began with BEGIN IMMEDIATE and
// so already excludes every other writer until it ends.
func (w *writeTx) LockAccounts(ctx context.Context, ids []string) (map[string]*coffer.Account, error) {
	if w.saveErr != nil {
		return nil, w.saveErr
	}
	out := make(map[string]*coffer.Account, len(ids))
	var missing []string
	for _, id := range ids {
		if a, ok := w.cache.byID[id]; ok {
			out[id] = &a
		} else {
			missing = append(missing, id)
		}
	}
	err := w.selectIn(ctx, w.st.selectAccounts, missing, func(r *sql.Rows) error {
		a, err := scanAccount(r)
		if err != nil {
			return err
		}
		w.read = append(w.read, a)
		out[a.ID] = &a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("lock accounts: %w", err)
	}
	return out, nil
}

// Transfers returns the transfers among ids.
func (w *writeTx) Transfers(ctx context.Context, ids []string) (map[string]*coffer.Transfer, error) {
	out := make(map[string]*coffer.Transfer, len(ids))
	err := w.selectIn(ctx, w.st.selectTransfers, ids, func(r *sql.Rows) error {
		t, err := scanTransfer(r)
		if err != nil {
			return err
		}
		out[t.ID] = &t
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read transfers: %w", err)
	}
	return out, nil
}

// selectIn runs q for ids, inChunk at a time, and calls row for every row.
func (w *writeTx) selectIn(ctx context.Context, q *sql.Stmt, ids []string, row func(*sql.Rows) error) error {
	if w.saveErr != nil {
		return w.saveErr
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), inChunk)]
		ids = ids[len(chunk):]
		w.ids = append(w.ids[:0], '[')
		for i, id := range chunk {
			if i > 0 {
				w.ids = append(w.ids, ',')
			}
			w.ids = appendJSONString(w.ids, id)
		}
		w.ids = append(w.ids, ']')
		w.args = append(w.args[:0], string(w.ids))
		if err := query(ctx, w.stmt(ctx, q), w.args, row); err != nil {
			return err
		}
	}
	return nil
}

// query runs st and calls row for every row.
func query(ctx context.Context, st *sql.Stmt, args []any, row func(*sql.Rows) error) error {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// Save writes c: assets, accounts, transfers, entries, operations, and events last. Numbering
// the events is the last step, as it would be where the sequence is a row lock held to commit;
// here the write lock covers it anyway. A taken asset code, account, transfer, operation or
// entry key fails with coffer.ErrRetry. After an error the Seq and ID given to c.Events mean
// nothing, the transaction is lost (a taken key rolls it back at once), and every later call
// of the WriteTx returns the same error.
func (w *writeTx) Save(ctx context.Context, c *coffer.Changes) error {
	if w.saveErr != nil {
		return w.saveErr
	}
	if err := w.save(ctx, c); err != nil {
		w.saveErr = err
		return err
	}
	w.saved = append(w.saved, c)
	return nil
}

func (w *writeTx) save(ctx context.Context, c *coffer.Changes) error {
	st := w.st
	if err := w.insert(ctx, st.insertAsset, len(c.NewAssets), func(args []any, i int) []any {
		return appendAsset(args, c.NewAssets[i])
	}); err != nil {
		return fmt.Errorf("save assets: %w", retryable(err))
	}
	if err := w.insert(ctx, st.insertAccount, len(c.NewAccounts), func(args []any, i int) []any {
		return appendAccount(args, c.NewAccounts[i])
	}); err != nil {
		return fmt.Errorf("save new accounts: %w", retryable(err))
	}
	if err := w.update(ctx, st.updateAccount, len(c.Accounts), func(args []any, i int) []any {
		return appendAccountUpdate(args, c.Accounts[i])
	}); err != nil {
		return fmt.Errorf("save accounts: %w", err)
	}
	if err := w.insert(ctx, st.insertTransfer, len(c.NewTransfers), func(args []any, i int) []any {
		return appendTransfer(args, c.NewTransfers[i])
	}); err != nil {
		return fmt.Errorf("save new transfers: %w", retryable(err))
	}
	if err := w.update(ctx, st.updateTransfer, len(c.Transfers), func(args []any, i int) []any {
		return appendTransferUpdate(args, c.Transfers[i])
	}); err != nil {
		return fmt.Errorf("save transfers: %w", err)
	}
	if err := w.insert(ctx, st.insertEntry, len(c.Entries), func(args []any, i int) []any {
		return appendEntry(args, &c.Entries[i])
	}); err != nil {
		return fmt.Errorf("save entries: %w", retryable(err))
	}
	if err := w.insert(ctx, st.insertOperation, len(c.Operations), func(args []any, i int) []any {
		return appendOperation(args, &c.Operations[i])
	}); err != nil {
		return fmt.Errorf("save operations: %w", retryable(err))
	}
	if len(c.Events) == 0 {
		return nil
	}
	// The write lock covers the head: read it as the numbers are taken, chain the events to it
	// and leave the last one's hash in event_seq.
	var last int64
	var prev []byte
	if err := w.stmt(ctx, st.bumpEventSeq).QueryRowContext(ctx, len(c.Events)).Scan(&last, &prev); err != nil {
		return fmt.Errorf("save events: number: %w", retryable(err))
	}
	if len(prev) != len(coffer.EventHashZero) {
		return fmt.Errorf("save events: event_seq holds no chain head; the event_hash migration has not run")
	}
	var head coffer.EventHash
	copy(head[:], prev)
	first := uint64(last) - uint64(len(c.Events)) + 1
	for i := range c.Events {
		e := &c.Events[i]
		e.Seq = first + uint64(i)
		e.ID = coffer.EventID(e.Seq)
		e.Hash = coffer.ChainEvent(head, e)
		head = e.Hash
	}
	if err := w.insert(ctx, st.insertEvent, len(c.Events), func(args []any, i int) []any {
		return appendEvent(args, &c.Events[i])
	}); err != nil {
		return fmt.Errorf("save events: %w", retryable(err))
	}
	if _, err := w.stmt(ctx, st.setEventHead).ExecContext(ctx, head[:]); err != nil {
		return fmt.Errorf("save events: move the chain head: %w", retryable(err))
	}
	return nil
}

// insert writes n rows with ins; row appends the values of row i to args.
func (w *writeTx) insert(ctx context.Context, ins multiRow, n int, row func(args []any, i int) []any) error {
	return w.run(ctx, ins, n, row, nil)
}

// update updates n rows with upd, and fails unless each of them existed: the ledger updates
// only rows it read in this transaction, and each once, so a missing row is a bug, not a race.
func (w *writeTx) update(ctx context.Context, upd multiRow, n int, row func(args []any, i int) []any) error {
	var changed int64
	count := func() error {
		var c int64
		if err := w.stmt(ctx, w.st.changes).QueryRowContext(ctx).Scan(&c); err != nil {
			return err
		}
		changed += c
		return nil
	}
	if err := w.run(ctx, upd, n, row, count); err != nil {
		return retryable(err)
	}
	if changed != int64(n) {
		return fmt.Errorf("updated %d rows, want %d: a row does not exist or is given twice", changed, n)
	}
	return nil
}

// run runs st for n rows, as many as it can with its largest statement and the rest with the
// smaller ones, and calls after, if given, after each statement; row appends the values of row i
// to args.
//
// The statements return no rows but are run as queries: the driver then binds every value and
// takes the step in one call into C, where an Exec makes one call per value. That spared a
// quarter of the CPU of a batch's inserts.
func (w *writeTx) run(ctx context.Context, st multiRow, n int, row func(args []any, i int) []any, after func() error) error {
	i := 0
	for k, size := range rowSizes {
		if n-i < size {
			continue
		}
		s := w.stmt(ctx, st[k])
		for ; n-i >= size; i += size {
			args := w.args[:0]
			for j := i; j < i+size; j++ {
				args = row(args, j)
			}
			w.args = args
			rows, err := s.QueryContext(ctx, args...)
			if err != nil {
				return err
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if after != nil {
				if err := after(); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// appendJSONString appends s as a JSON string. Only '"', '\' and control characters are
// escaped; every other byte is copied, invalid UTF-8 too, which SQLite's JSON functions pass
// through, so json_each gives back s byte for byte.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		if c == '"' || c == '\\' {
			b = append(b, '\\', c)
		} else {
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
