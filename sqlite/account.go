package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/cofferhq/coffer"
)

func appendAccount(args []any, a *coffer.Account) []any {
	return append(args, a.ID, a.Owner, a.Asset, string(a.Kind), amountArg(a.OverdraftLimit),
		a.OverdraftUnlimited, a.LockedDebits, a.LockedCredits, a.LockReason,
		amountArg(a.DebitsPending), amountArg(a.DebitsPosted), amountArg(a.CreditsPending),
		amountArg(a.CreditsPosted), int64(a.Seq), micro(a.CreatedAt), micro(a.UpdatedAt))
}

// appendAccountUpdate appends the arguments of statements.updateAccount.
func appendAccountUpdate(args []any, a *coffer.Account) []any {
	return append(args, amountArg(a.OverdraftLimit), a.OverdraftUnlimited, a.LockedDebits,
		a.LockedCredits, a.LockReason, amountArg(a.DebitsPending), amountArg(a.DebitsPosted),
		amountArg(a.CreditsPending), amountArg(a.CreditsPosted), int64(a.Seq), micro(a.UpdatedAt), a.ID)
}

// scanAccount reads an account and checks that its running totals are not negative: a broken
// invariant on disk fails loudly here rather than in someone's balance.
func scanAccount(r row) (coffer.Account, error) {
	var a coffer.Account
	var kind, limit, debitsPending, debitsPosted, creditsPending, creditsPosted string
	var seq, created, updated int64
	if err := r.Scan(&a.ID, &a.Owner, &a.Asset, &kind, &limit, &a.OverdraftUnlimited,
		&a.LockedDebits, &a.LockedCredits, &a.LockReason, &debitsPending, &debitsPosted,
		&creditsPending, &creditsPosted, &seq, &created, &updated); err != nil {
		return coffer.Account{}, err
	}
	var p amounts
	a.Kind = coffer.AccountKind(kind)
	a.OverdraftLimit = p.parse("overdraft_limit", limit)
	a.DebitsPending = p.parse("debits_pending", debitsPending)
	a.DebitsPosted = p.parse("debits_posted", debitsPosted)
	a.CreditsPending = p.parse("credits_pending", creditsPending)
	a.CreditsPosted = p.parse("credits_posted", creditsPosted)
	if p.err != nil {
		return coffer.Account{}, fmt.Errorf("account %s: %w", a.ID, p.err)
	}
	for _, v := range []coffer.Amount{a.DebitsPending, a.DebitsPosted, a.CreditsPending, a.CreditsPosted} {
		if v.Sign() < 0 {
			return coffer.Account{}, fmt.Errorf("account %s: corrupt: a running total is negative (%s)", a.ID, v)
		}
	}
	a.Seq = uint64(seq)
	a.CreatedAt = fromMicro(created)
	a.UpdatedAt = fromMicro(updated)
	return a, nil
}

// Account returns the account with the id, or ENOTFOUND.
func (s *Store) Account(ctx context.Context, id string) (coffer.Account, error) {
	a, err := scanAccount(s.read.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.Account{}, coffer.Errorf(coffer.ENOTFOUND, "account %q does not exist", id)
	}
	if err != nil {
		return coffer.Account{}, fmt.Errorf("read account %s: %w", id, err)
	}
	return a, nil
}

// Accounts returns the accounts f selects, ordered by id.
func (s *Store) Accounts(ctx context.Context, f coffer.AccountFilter) ([]coffer.Account, error) {
	var where []string
	var args []any
	if f.Owner != "" {
		where, args = append(where, "owner = ?"), append(args, f.Owner)
	}
	if f.Asset != "" {
		where, args = append(where, "asset = ?"), append(args, f.Asset)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, string(f.Kind))
	}
	if f.AfterID != "" {
		where, args = append(where, "id > ?"), append(args, f.AfterID)
	}
	args = append(args, pageSize(f.Limit))
	q := `SELECT ` + accountColumns + ` FROM accounts` + whereClause(where) + ` ORDER BY id LIMIT ?`
	var out []coffer.Account
	err := s.list(ctx, q, args, func(r *sql.Rows) error {
		a, err := scanAccount(r)
		out = append(out, a)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return out, nil
}

// whereClause joins conditions with AND into a WHERE clause, "" for none.
func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}
