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

func scanEntry(r row) (coffer.Entry, error) { return newEntryScanner("").scan(r) }

// accountEntryColumns are what Entries reads of an entry: not the account, which the filter
// names, and each amount that is an integer's canonical text as that integer, so that the
// driver hands over a number rather than a new string to parse (both stores' amounts are
// exact; the text stays for what an int64 cannot hold, and for text that is not canonical,
// which the scanner's parse then refuses).
var accountEntryColumns = `seq, transfer_id, type, phase, side, ` + integerText("amount") + `, ` +
	integerText("balance_before") + `, ` + integerText("balance_after") + `, ` +
	integerText("available_before") + `, ` + integerText("available_after") + `, created_at`

// integerText is the column c of text as an integer when it is one's canonical text.
func integerText(c string) string {
	return `CASE WHEN CAST(CAST(` + c + ` AS INTEGER) AS TEXT) = ` + c + ` THEN CAST(` + c + ` AS INTEGER) ELSE ` + c + ` END`
}

// entryScanner reads entries row after row into the same variables: a statement reads millions.
// It reads entryColumns or, with an account, accountEntryColumns.
type entryScanner struct {
	account          string
	seq, created     int64
	e                coffer.Entry
	typ, phase, side string
	amounts          [5]any // int64 or string
	dest             []any
}

func newEntryScanner(account string) *entryScanner {
	sc := &entryScanner{account: account}
	if account == "" {
		sc.dest = append(sc.dest, &sc.e.AccountID)
	}
	sc.dest = append(sc.dest, &sc.seq, &sc.e.TransferID, &sc.typ, &sc.phase, &sc.side,
		&sc.amounts[0], &sc.amounts[1], &sc.amounts[2], &sc.amounts[3], &sc.amounts[4], &sc.created)
	return sc
}

// entryAmountColumns name the amounts of an entry, in the order of the columns.
var entryAmountColumns = [5]string{"amount", "balance_before", "balance_after", "available_before", "available_after"}

func (sc *entryScanner) scan(r row) (coffer.Entry, error) {
	if sc.account != "" {
		sc.e.AccountID = sc.account
	}
	if err := r.Scan(sc.dest...); err != nil {
		return coffer.Entry{}, err
	}
	e := sc.e
	var p amounts
	for i, to := range [5]*coffer.Amount{&e.Amount, &e.BalanceBefore, &e.BalanceAfter, &e.AvailableBefore, &e.AvailableAfter} {
		switch v := sc.amounts[i].(type) {
		case int64:
			*to = coffer.AmountFromInt64(v)
		case string:
			*to = p.parse(entryAmountColumns[i], v)
		default:
			if p.err == nil {
				p.err = fmt.Errorf("column %s: a %T is not an amount", entryAmountColumns[i], v)
			}
		}
	}
	if p.err != nil {
		return coffer.Entry{}, fmt.Errorf("entry %s/%d: %w", e.AccountID, sc.seq, p.err)
	}
	e.Seq = uint64(sc.seq)
	e.Type = coffer.TransferType(sc.typ)
	e.Phase = coffer.Phase(sc.phase)
	e.Side = coffer.Side(sc.side)
	e.CreatedAt = fromMicro(sc.created)
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
	q := `SELECT ` + accountEntryColumns + ` FROM entries` + whereClause(where) + order
	out := make([]coffer.Entry, 0, pageSize(f.Limit))
	sc := newEntryScanner(f.AccountID)
	err := s.list(ctx, q, args, func(r *sql.Rows) error {
		e, err := sc.scan(r)
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
