package postgres

import (
	"context"
	"fmt"

	"github.com/cofferhq/coffer"

	"github.com/jackc/pgx/v5"
)

// Scan streams every account, transfer, entry and event (and the chain head) to the Scanner's functions. It reads in one
// REPEATABLE READ transaction, so they all come from one snapshot and an integrity check
// sees balances and entries that agree even while writers go on.
func (s *Store) Scan(ctx context.Context, sc coffer.Scanner) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("scan: begin: %w", mapErr(err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if sc.Account != nil {
		if err := scanAll(ctx, tx, `SELECT `+accountColumns+` FROM accounts ORDER BY id`, scanAccount, sc.Account); err != nil {
			return fmt.Errorf("scan accounts: %w", err)
		}
	}
	if sc.Transfer != nil {
		if err := scanAll(ctx, tx, `SELECT `+transferColumns+` FROM transfers ORDER BY id`, scanTransfer, sc.Transfer); err != nil {
			return fmt.Errorf("scan transfers: %w", err)
		}
	}
	if sc.Entry != nil {
		if err := scanAll(ctx, tx, `SELECT `+entryColumns+` FROM entries ORDER BY account_id, seq`, scanEntry, sc.Entry); err != nil {
			return fmt.Errorf("scan entries: %w", err)
		}
	}
	if sc.Head != nil {
		var h coffer.ChainHead
		var hash []byte
		if err := tx.QueryRow(ctx, `SELECT last, hash FROM event_seq`).Scan(&h.Seq, &hash); err != nil {
			return fmt.Errorf("scan the chain head: %w", mapErr(err))
		}
		copy(h.Hash[:], hash)
		if err := sc.Head(h); err != nil {
			return err
		}
	}
	if sc.Event != nil {
		if err := scanAll(ctx, tx, `SELECT `+eventColumns+` FROM events ORDER BY seq`, scanEvent, sc.Event); err != nil {
			return fmt.Errorf("scan events: %w", err)
		}
	}
	return nil
}

func scanAll[T any](ctx context.Context, tx pgx.Tx, q string, scan func(rowScanner) (T, error), fn func(T) error) error {
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return mapErr(err)
	}
	return mapErr(each(rows, scan, fn))
}
