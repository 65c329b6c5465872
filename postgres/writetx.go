package postgres

import (
	"context"
	"fmt"

	"coffer"

	"github.com/jackc/pgx/v5"
)

// writeTx is the coffer.WriteTx of one Store.Write.
type writeTx struct {
	tx pgx.Tx
}

// readMap runs q with ids as $1 and returns the rows keyed by key.
func readMap[T any](ctx context.Context, tx pgx.Tx, q string, ids []string, scan func(rowScanner) (T, error),
	key func(*T) string) (map[string]*T, error) {
	out := make(map[string]*T, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, q, ids)
	if err != nil {
		return nil, mapErr(err)
	}
	err = each(rows, scan, func(v T) error {
		out[key(&v)] = &v
		return nil
	})
	if err != nil {
		return nil, mapErr(err)
	}
	return out, nil
}

// Operations returns the recorded operations among ids, keyed by id.
func (w *writeTx) Operations(ctx context.Context, ids []string) (map[string]*coffer.Operation, error) {
	ops, err := readMap(ctx, w.tx, `SELECT `+operationColumns+` FROM operations WHERE id = ANY($1)`,
		ids, scanOperation, func(o *coffer.Operation) string { return o.ID })
	if err != nil {
		return nil, fmt.Errorf("read operations: %w", err)
	}
	return ops, nil
}

// Assets returns the assets among codes, keyed by code.
func (w *writeTx) Assets(ctx context.Context, codes []string) (map[string]coffer.Asset, error) {
	as, err := readMap(ctx, w.tx, `SELECT `+assetColumns+` FROM assets WHERE code = ANY($1)`,
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
// column's "C" collation) and no two writers wait on each other in a cycle.
func (w *writeTx) LockAccounts(ctx context.Context, ids []string) (map[string]*coffer.Account, error) {
	as, err := readMap(ctx, w.tx, `SELECT `+accountColumns+` FROM accounts WHERE id = ANY($1) ORDER BY id FOR UPDATE`,
		ids, scanAccount, func(a *coffer.Account) string { return a.ID })
	if err != nil {
		return nil, fmt.Errorf("lock accounts: %w", err)
	}
	return as, nil
}

// Transfers returns the transfers among ids, keyed by id. It takes no lock: the ledger reads them
// again after LockAccounts, when their accounts' locks keep them from changing.
func (w *writeTx) Transfers(ctx context.Context, ids []string) (map[string]*coffer.Transfer, error) {
	ts, err := readMap(ctx, w.tx, `SELECT `+transferColumns+` FROM transfers WHERE id = ANY($1)`,
		ids, scanTransfer, func(t *coffer.Transfer) string { return t.ID })
	if err != nil {
		return nil, fmt.Errorf("read transfers: %w", err)
	}
	return ts, nil
}
