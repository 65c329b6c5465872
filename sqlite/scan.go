package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cofferhq/coffer"
)

// Scan calls sc's functions for every account by id, every transfer by id, every entry by
// (account id, seq), the chain head and every event by seq, all read in one transaction so that
// they show one moment of the ledger. It returns the first error a function returns, as it is.
func (s *Store) Scan(ctx context.Context, sc coffer.Scanner) error {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	defer tx.Rollback()
	if sc.Account != nil {
		if err := scanAll(ctx, tx, `SELECT `+accountColumns+` FROM accounts ORDER BY id`, scanAccount, sc.Account); err != nil {
			return err
		}
	}
	if sc.Transfer != nil {
		if err := scanAll(ctx, tx, `SELECT `+transferColumns+` FROM transfers ORDER BY id`, scanTransfer, sc.Transfer); err != nil {
			return err
		}
	}
	if sc.Entry != nil {
		if err := scanAll(ctx, tx, `SELECT `+entryColumns+` FROM entries ORDER BY account_id, seq`, scanEntry, sc.Entry); err != nil {
			return err
		}
	}
	if sc.Head != nil {
		var h coffer.ChainHead
		var last int64
		var hash []byte
		if err := tx.QueryRowContext(ctx, `SELECT last, hash FROM event_seq`).Scan(&last, &hash); err != nil {
			return fmt.Errorf("scan the chain head: %w", err)
		}
		h.Seq = uint64(last)
		copy(h.Hash[:], hash)
		if err := sc.Head(h); err != nil {
			return err
		}
	}
	if sc.Event != nil {
		if err := scanAll(ctx, tx, `SELECT `+eventColumns+` FROM events ORDER BY seq`, scanEvent, sc.Event); err != nil {
			return err
		}
	}
	return nil
}

// scanAll reads every row of q with read and hands it to fn.
func scanAll[T any](ctx context.Context, tx *sql.Tx, q string, read func(row) (T, error), fn func(T) error) error {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := read(rows)
		if err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	return nil
}
