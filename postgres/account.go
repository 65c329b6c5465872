package postgres

import (
	"context"
	"fmt"

	"github.com/cofferhq/coffer"
)

const accountColumns = `id, owner, asset, kind, overdraft_limit, overdraft_unlimited, locked_debits,
	locked_credits, lock_reason, debits_pending, debits_posted, credits_pending, credits_posted, seq,
	created_at, updated_at`

func scanAccount(r rowScanner) (coffer.Account, error) {
	var a coffer.Account
	err := r.Scan(&a.ID, &a.Owner, &a.Asset, &a.Kind, (*numeric)(&a.OverdraftLimit),
		&a.OverdraftUnlimited, &a.LockedDebits, &a.LockedCredits, &a.LockReason,
		(*numeric)(&a.DebitsPending), (*numeric)(&a.DebitsPosted), (*numeric)(&a.CreditsPending),
		(*numeric)(&a.CreditsPosted), &a.Seq, &a.CreatedAt, &a.UpdatedAt)
	if err != nil {
		return coffer.Account{}, err
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return a, nil
}

// Account returns the account with the id.
func (s *Store) Account(ctx context.Context, id string) (coffer.Account, error) {
	a, err := scanAccount(s.pool.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id))
	if err != nil {
		return coffer.Account{}, readErr("read account", err, "account %q does not exist", id)
	}
	return a, nil
}

// Accounts returns a page of the accounts that f selects, by id.
func (s *Store) Accounts(ctx context.Context, f coffer.AccountFilter) ([]coffer.Account, error) {
	var w where
	if f.Owner != "" {
		w.add("owner = ?", f.Owner)
	}
	if f.Asset != "" {
		w.add("asset = ?", f.Asset)
	}
	if f.Kind != "" {
		w.add("kind = ?", string(f.Kind))
	}
	if f.AfterID != "" {
		w.add("id > ?", f.AfterID)
	}
	q := `SELECT ` + accountColumns + ` FROM accounts WHERE ` + w.and() +
		` ORDER BY id LIMIT ` + w.arg(pageSize(f.Limit))
	rows, err := s.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", mapErr(err))
	}
	as, err := collect(rows, scanAccount)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", mapErr(err))
	}
	return as, nil
}
