package postgres

import (
	"context"
	"fmt"

	"coffer"
)

const entryColumns = `account_id, seq, transfer_id, type, phase, side, amount, balance_before,
	balance_after, available_before, available_after, created_at`

func scanEntry(r rowScanner) (coffer.Entry, error) {
	var e coffer.Entry
	err := r.Scan(&e.AccountID, &e.Seq, &e.TransferID, &e.Type, &e.Phase, &e.Side, (*numeric)(&e.Amount),
		(*numeric)(&e.BalanceBefore), (*numeric)(&e.BalanceAfter), (*numeric)(&e.AvailableBefore),
		(*numeric)(&e.AvailableAfter), &e.CreatedAt)
	if err != nil {
		return coffer.Entry{}, err
	}
	e.CreatedAt = e.CreatedAt.UTC()
	return e, nil
}

// Entries returns a page of one account's entries that f selects, in Seq order.
func (s *Store) Entries(ctx context.Context, f coffer.EntryFilter) ([]coffer.Entry, error) {
	var w where
	w.add("account_id = ?", f.AccountID)
	if f.Type != "" {
		w.add("type = ?", string(f.Type))
	}
	if !f.From.IsZero() {
		w.add("created_at >= ?", f.From)
	}
	if !f.To.IsZero() {
		w.add("created_at < ?", f.To)
	}
	order := "seq"
	if f.Desc {
		order = "seq DESC"
		if f.AfterSeq > 0 {
			w.add("seq < ?", int64(min(f.AfterSeq, maxInt64)))
		}
	} else if f.AfterSeq > 0 {
		w.add("seq > ?", int64(min(f.AfterSeq, maxInt64)))
	}
	q := `SELECT ` + entryColumns + ` FROM entries WHERE ` + w.and() +
		` ORDER BY ` + order + ` LIMIT ` + w.arg(pageSize(f.Limit))
	rows, err := s.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list entries: %w", mapErr(err))
	}
	es, err := collect(rows, scanEntry)
	if err != nil {
		return nil, fmt.Errorf("list entries: %w", mapErr(err))
	}
	return es, nil
}
