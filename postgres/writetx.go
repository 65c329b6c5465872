package postgres

import (
	"context"
	"fmt"

	"github.com/cofferhq/coffer"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// writeTx is the coffer.WriteTx of one Store.Write. Its transaction begins with its first
// statement: BEGIN goes in the same round trip, at the head of that statement's batch.
type writeTx struct {
	pool  *pgxpool.Pool
	setup string // a statement to run after BEGIN, or ""; see Store.txSetup
	tx    pgx.Tx // nil until the first statement is sent
	// generic is set while the transaction plans statements generically (see Save): the next
	// batch sets the connection's plan_cache_mode back first.
	generic bool

	copyRowsMin int // see Save

	// guess is the Store's guess of the chain head (see queueEvents). eventsPending is set while
	// Save's events still need numberEvents.
	guess         *headGuess
	eventsPending bool

	// locked holds the row address (ctid) of each account LockAccounts locked, for Save.
	locked map[string]pgtype.TID
}

// send sends the statements of b in one round trip and runs their callbacks, beginning the
// transaction first if it has not begun.
func (w *writeTx) send(ctx context.Context, b *pgx.Batch) error {
	if w.generic {
		b.QueuedQueries = append([]*pgx.QueuedQuery{{SQL: "SET LOCAL plan_cache_mode TO DEFAULT"}}, b.QueuedQueries...)
		w.generic = false
	}
	if w.tx != nil {
		return mapErr(w.tx.SendBatch(ctx, b).Close())
	}
	first := &pgx.Batch{}
	first.BeginTx(pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if w.setup != "" {
		first.Queue(w.setup)
	}
	first.QueuedQueries = append(first.QueuedQueries, b.QueuedQueries...)
	br := w.pool.SendBatch(ctx, first)
	w.tx = br.Tx()
	return mapErr(br.Close())
}

// begin begins the transaction if it has not begun, for a statement that cannot go in a batch.
func (w *writeTx) begin(ctx context.Context) error {
	if w.tx != nil {
		return nil
	}
	return w.send(ctx, &pgx.Batch{})
}

// end commits the transaction, or rolls it back if commit is false; it does nothing if no
// statement was sent.
func (w *writeTx) end(ctx context.Context, commit bool) error {
	if w.tx == nil {
		return nil
	}
	if commit {
		return w.tx.Commit(ctx)
	}
	return w.tx.Rollback(ctx)
}

// readMap runs q with ids as $1 and returns the rows keyed by key.
func readMap[T any](ctx context.Context, w *writeTx, q string, ids []string, scan func(rowScanner) (T, error),
	key func(*T) string) (map[string]*T, error) {
	out := make(map[string]*T, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	b := &pgx.Batch{}
	b.Queue(q, ids).Query(func(rows pgx.Rows) error {
		return each(rows, scan, func(v T) error {
			out[key(&v)] = &v
			return nil
		})
	})
	if err := w.send(ctx, b); err != nil {
		return nil, err
	}
	return out, nil
}

// Operations returns the recorded operations among ids, keyed by id.
func (w *writeTx) Operations(ctx context.Context, ids []string) (map[string]*coffer.Operation, error) {
	ops, err := readMap(ctx, w, `SELECT `+operationColumns+` FROM operations WHERE id = ANY($1)`,
		ids, scanOperation, func(o *coffer.Operation) string { return o.ID })
	if err != nil {
		return nil, fmt.Errorf("read operations: %w", err)
	}
	return ops, nil
}

// Assets returns the assets among codes, keyed by code.
func (w *writeTx) Assets(ctx context.Context, codes []string) (map[string]coffer.Asset, error) {
	as, err := readMap(ctx, w, `SELECT `+assetColumns+` FROM assets WHERE code = ANY($1)`,
		codes, scanAsset, func(a *coffer.Asset) string { return a.Code })
	if err != nil {
		return nil, fmt.Errorf("read assets: %w", err)
	}
	out := make(map[string]coffer.Asset, len(as))
	for code, a := range as {
		out[code] = *a
	}
	return out, nil
}

// LockAccounts locks the accounts among ids until the transaction ends. FOR UPDATE applies to rows
// as the sorted scan returns them, so every writer locks in ascending id order (bytewise, by the
// column's "C" collation) and no two writers wait on each other in a cycle. It keeps the address
// of each locked row for Save.
func (w *writeTx) LockAccounts(ctx context.Context, ids []string) (map[string]*coffer.Account, error) {
	type lockedAccount struct {
		coffer.Account
		ctid pgtype.TID
	}
	scan := func(r rowScanner) (lockedAccount, error) {
		var l lockedAccount
		a, err := scanAccount(tidScanner{r, &l.ctid})
		l.Account = a
		return l, err
	}
	ls, err := readMap(ctx, w, `SELECT ctid, `+accountColumns+` FROM accounts WHERE id = ANY($1) ORDER BY id FOR UPDATE`,
		ids, scan, func(l *lockedAccount) string { return l.ID })
	if err != nil {
		return nil, fmt.Errorf("lock accounts: %w", err)
	}
	as := make(map[string]*coffer.Account, len(ls))
	w.locked = make(map[string]pgtype.TID, len(ls))
	for id, l := range ls {
		as[id] = &l.Account
		w.locked[id] = l.ctid
	}
	return as, nil
}

// tidScanner scans a row whose first column is a ctid into tid and passes the rest on.
type tidScanner struct {
	r   rowScanner
	tid *pgtype.TID
}

func (s tidScanner) Scan(dest ...any) error {
	return s.r.Scan(append([]any{s.tid}, dest...)...)
}

// Transfers returns the transfers among ids, keyed by id. It takes no lock: the ledger reads them
// again after LockAccounts, when their accounts' locks keep them from changing.
func (w *writeTx) Transfers(ctx context.Context, ids []string) (map[string]*coffer.Transfer, error) {
	ts, err := readMap(ctx, w, `SELECT `+transferColumns+` FROM transfers WHERE id = ANY($1)`,
		ids, scanTransfer, func(t *coffer.Transfer) string { return t.ID })
	if err != nil {
		return nil, fmt.Errorf("read transfers: %w", err)
	}
	return ts, nil
}
