package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/cofferhq/coffer"
)

func appendEntry(args []any, e *coffer.Entry) []any {
	return append(args, e.AccountID, int64(e.Seq), e.TransferID, string(e.Type), string(e.Phase),
		string(e.Side), amountArg(e.Amount), amountArg(e.BalanceBefore), amountArg(e.BalanceAfter),
		amountArg(e.AvailableBefore), amountArg(e.AvailableAfter), micro(e.CreatedAt))
}

func scanEntry(r row) (coffer.Entry, error) {
	var e coffer.Entry
	var seq, created int64
	var typ, phase, side, amount, balanceBefore, balanceAfter, availableBefore, availableAfter string
	if err := r.Scan(&e.AccountID, &seq, &e.TransferID, &typ, &phase, &side, &amount, &balanceBefore,
		&balanceAfter, &availableBefore, &availableAfter, &created); err != nil {
		return coffer.Entry{}, err
	}
	var p amounts
	e.Amount = p.parse("amount", amount)
	e.BalanceBefore = p.parse("balance_before", balanceBefore)
	e.BalanceAfter = p.parse("balance_after", balanceAfter)
	e.AvailableBefore = p.parse("available_before", availableBefore)
	e.AvailableAfter = p.parse("available_after", availableAfter)
	if p.err != nil {
		return coffer.Entry{}, fmt.Errorf("entry %s/%d: %w", e.AccountID, seq, p.err)
	}
	e.Seq = uint64(seq)
	e.Type = coffer.TransferType(typ)
	e.Phase = coffer.Phase(phase)
	e.Side = coffer.Side(side)
	e.CreatedAt = fromMicro(created)
	return e, nil
}

// Entries returns the entries of the account f names that f selects, ordered by Seq, newest
// first if f.Desc. An empty f.AccountID is EINVALID.
func (s *Store) Entries(ctx context.Context, f coffer.EntryFilter) ([]coffer.Entry, error) {
	if f.AccountID == "" {
		return nil, coffer.Errorf(coffer.EINVALID, "listing entries needs an account id")
	}
	where, args, order := historyPage("", []string{"account_id = ?"}, []any{f.AccountID},
		f.Type, f.From, f.To, f.AfterSeq, f.Desc, f.Limit)
	q := `SELECT ` + entryColumns + ` FROM entries` + whereClause(where) + order
	var out []coffer.Entry
	err := s.list(ctx, q, args, func(r *sql.Rows) error {
		e, err := scanEntry(r)
		out = append(out, e)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list entries of %s: %w", f.AccountID, err)
	}
	return out, nil
}

// historyPage adds to where and args what a listing in an account's entry order shares: the
// entry type, created_at in [from, to), the cursor past afterSeq, and the limit; it returns them
// with the ORDER BY and LIMIT clause. p prefixes the entries' columns, such as "e.".
func historyPage(p string, where []string, args []any, typ coffer.TransferType, from, to time.Time,
	afterSeq uint64, desc bool, limit int) ([]string, []any, string) {
	if typ != "" {
		where, args = append(where, p+"type = ?"), append(args, string(typ))
	}
	if !from.IsZero() {
		where, args = append(where, p+"created_at >= ?"), append(args, micro(from))
	}
	if !to.IsZero() {
		where, args = append(where, p+"created_at < ?"), append(args, micro(to))
	}
	order := " ORDER BY " + p + "seq LIMIT ?"
	cond := p + "seq > ?"
	if desc {
		order, cond = " ORDER BY "+p+"seq DESC LIMIT ?", p+"seq < ?"
	}
	if afterSeq > 0 {
		// A seq past int64 (only a forged cursor has one) is past every entry.
		where, args = append(where, cond), append(args, int64(min(afterSeq, math.MaxInt64)))
	}
	return where, append(args, pageSize(limit)), order
}
