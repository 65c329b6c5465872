package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/cofferhq/coffer"
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
	order := w.history("", f.Type, f.From, f.To, f.AfterSeq, f.Desc)
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

// history adds what a listing in an account's entry order shares: the entry type, created_at in
// [from, to) and the cursor past afterSeq; it returns the ORDER BY columns. p prefixes the
// entries' columns, such as "e.".
func (w *where) history(p string, typ coffer.TransferType, from, to time.Time, afterSeq uint64, desc bool) string {
	if typ != "" {
		w.add(p+"type = ?", string(typ))
	}
	if !from.IsZero() {
		w.add(p+"created_at >= ?", from)
	}
	if !to.IsZero() {
		w.add(p+"created_at < ?", to)
	}
	order, cond := p+"seq", p+"seq > ?"
	if desc {
		order, cond = p+"seq DESC", p+"seq < ?"
	}
	if afterSeq > 0 {
		w.add(cond, int64(min(afterSeq, maxInt64)))
	}
	return order
}
