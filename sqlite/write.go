package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"coffer"
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
	w := &writeTx{st: s.stmts, tx: tx, bound: map[*sql.Stmt]*sql.Stmt{}}
	if err := fn(w); err != nil {
		return err
	}
	if w.saveErr != nil {
		return w.saveErr
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", retryable(err))
	}
	committed = true
	return nil
}

// writeTx is the coffer.WriteTx of one Write.
type writeTx struct {
	st      *statements
	tx      *sql.Tx
	bound   map[*sql.Stmt]*sql.Stmt // prepared statement -> its binding to tx
	args    []any                   // reused for every statement's arguments
	saveErr error
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

// LockAccounts returns the accounts among ids. It only reads: the transaction began with BEGIN
// IMMEDIATE and so already excludes every other writer until it ends.
func (w *writeTx) LockAccounts(ctx context.Context, ids []string) (map[string]*coffer.Account, error) {
	out := make(map[string]*coffer.Account, len(ids))
	err := w.selectIn(ctx, w.st.selectAccounts, ids, func(r *sql.Rows) error {
		a, err := scanAccount(r)
		if err != nil {
			return err
		}
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
func (w *writeTx) selectIn(ctx context.Context, q selectIn, ids []string, row func(*sql.Rows) error) error {
	if w.saveErr != nil {
		return w.saveErr
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), inChunk)]
		ids = ids[len(chunk):]
		size := 0
		for inSizes[size] < len(chunk) {
			size++
		}
		args := w.args[:0]
		for _, id := range chunk {
			args = append(args, id)
		}
		for len(args) < inSizes[size] {
			args = append(args, chunk[len(chunk)-1])
		}
		w.args = args
		if err := query(ctx, w.stmt(ctx, q[size]), args, row); err != nil {
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
	for _, a := range c.Accounts {
		if err := w.update(ctx, st.updateAccount, appendAccountUpdate(w.args[:0], a)); err != nil {
			return fmt.Errorf("save account %s: %w", a.ID, err)
		}
	}
	if err := w.insert(ctx, st.insertTransfer, len(c.NewTransfers), func(args []any, i int) []any {
		return appendTransfer(args, c.NewTransfers[i])
	}); err != nil {
		return fmt.Errorf("save new transfers: %w", retryable(err))
	}
	for _, t := range c.Transfers {
		if err := w.update(ctx, st.updateTransfer, appendTransferUpdate(w.args[:0], t)); err != nil {
			return fmt.Errorf("save transfer %s: %w", t.ID, err)
		}
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
	var last int64
	if err := w.stmt(ctx, st.bumpEventSeq).QueryRowContext(ctx, len(c.Events)).Scan(&last); err != nil {
		return fmt.Errorf("save events: number: %w", retryable(err))
	}
	first := uint64(last) - uint64(len(c.Events)) + 1
	for i := range c.Events {
		c.Events[i].Seq = first + uint64(i)
		c.Events[i].ID = coffer.EventID(c.Events[i].Seq)
	}
	if err := w.insert(ctx, st.insertEvent, len(c.Events), func(args []any, i int) []any {
		return appendEvent(args, &c.Events[i])
	}); err != nil {
		return fmt.Errorf("save events: %w", retryable(err))
	}
	return nil
}

// insert writes n rows, as many as it can with the largest statement of ins and the rest with
// the smaller ones; row appends the values of row i to args.
func (w *writeTx) insert(ctx context.Context, ins insert, n int, row func(args []any, i int) []any) error {
	i := 0
	for k, size := range insertSizes {
		if n-i < size {
			continue
		}
		st := w.stmt(ctx, ins[k])
		for ; n-i >= size; i += size {
			args := w.args[:0]
			for j := i; j < i+size; j++ {
				args = row(args, j)
			}
			w.args = args
			if _, err := st.ExecContext(ctx, args...); err != nil {
				return err
			}
		}
	}
	return nil
}

// update runs an UPDATE of one row by id, and fails if the row does not exist: the ledger
// updates only what it read in this transaction, so a missing row is a bug, not a race.
func (w *writeTx) update(ctx context.Context, st *sql.Stmt, args []any) error {
	w.args = args
	res, err := w.stmt(ctx, st).ExecContext(ctx, args...)
	if err != nil {
		return retryable(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return fmt.Errorf("updated %d rows, want 1: the row does not exist", n)
	}
	return nil
}
