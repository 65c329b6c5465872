package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/cofferhq/coffer"
)

// entryColumns are an entry's columns, in the order of entryScanner.
const entryColumns = `account_id, seq, transfer_id, type, phase, side, amount, balance_before,
	balance_after, available_before, available_after, created_at`

// accountEntryColumns are entryColumns but the account, which Entries' filter names.
const accountEntryColumns = `seq, transfer_id, type, phase, side, amount, balance_before,
	balance_after, available_before, available_after, created_at`

func scanEntry(r rowScanner) (coffer.Entry, error) { return newEntryScanner("").scan(r) }

// entryScanner reads entries row after row into the same variables: a statement reads millions.
// It reads entryColumns or, with an account, accountEntryColumns.
type entryScanner struct {
	account string
	e       coffer.Entry
	dest    []any
}

func newEntryScanner(account string) *entryScanner {
	sc := &entryScanner{account: account}
	e := &sc.e
	if account == "" {
		sc.dest = append(sc.dest, &e.AccountID)
	}
	sc.dest = append(sc.dest, &e.Seq, &e.TransferID, &e.Type, &e.Phase, &e.Side, (*numeric)(&e.Amount),
		(*numeric)(&e.BalanceBefore), (*numeric)(&e.BalanceAfter), (*numeric)(&e.AvailableBefore),
		(*numeric)(&e.AvailableAfter), &e.CreatedAt)
	return sc
}

func (sc *entryScanner) scan(r rowScanner) (coffer.Entry, error) {
	if err := r.Scan(sc.dest...); err != nil {
		return coffer.Entry{}, err
	}
	e := sc.e
	if sc.account != "" {
		e.AccountID = sc.account
	}
	e.CreatedAt = e.CreatedAt.UTC()
	return e, nil
}

// Entries returns a page of one account's entries that f selects, in Seq order.
func (s *Store) Entries(ctx context.Context, f coffer.EntryFilter) ([]coffer.Entry, error) {
	var w where
	w.add("account_id = ?", f.AccountID)
	order := w.history("", f.Type, f.From, f.To, f.AfterSeq, f.Desc)
	limit := pageSize(f.Limit)
	q := `SELECT ` + accountEntryColumns + ` FROM entries WHERE ` + w.and() +
		` ORDER BY ` + order + ` LIMIT ` + w.arg(limit)
	rows, err := s.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list entries: %w", mapErr(err))
	}
	out := make([]coffer.Entry, 0, limit)
	sc := newEntryScanner(f.AccountID)
	err = each(rows, sc.scan, func(e coffer.Entry) error {
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list entries: %w", mapErr(err))
	}
	return out, nil
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
