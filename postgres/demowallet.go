package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cofferhq/coffer"
)

var _ coffer.DemoWalletStore = (*Store)(nil)

func scanDemoWallet(r rowScanner) (coffer.DemoWallet, error) {
	var (
		w  coffer.DemoWallet
		id int64
	)
	if err := r.Scan(&id, &w.Owner, &w.Asset, &w.CreatedAt); err != nil {
		return coffer.DemoWallet{}, err
	}
	w.ID, w.CreatedAt = uint64(id), w.CreatedAt.UTC()
	return w, nil
}

// PutDemoWallet numbers the wallet of owner in asset unless it has a number. A concurrent
// insert of the same wallet makes ON CONFLICT wait for it and insert nothing; the select that
// follows, a statement of its own, then sees the winner's row.
func (s *Store) PutDemoWallet(ctx context.Context, owner, asset string, at time.Time) (coffer.DemoWallet, bool, error) {
	w, err := scanDemoWallet(s.pool.QueryRow(ctx, `INSERT INTO demo_wallets (owner, asset, created_at)
		VALUES ($1, $2, $3) ON CONFLICT (owner, asset) DO NOTHING RETURNING id, owner, asset, created_at`,
		owner, asset, at.UTC()))
	if err == nil {
		return w, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return coffer.DemoWallet{}, false, fmt.Errorf("put demo wallet %s %s: %w", owner, asset, mapErr(err))
	}
	w, err = scanDemoWallet(s.pool.QueryRow(ctx, `SELECT id, owner, asset, created_at FROM demo_wallets
		WHERE owner = $1 AND asset = $2`, owner, asset))
	if err != nil {
		return coffer.DemoWallet{}, false, fmt.Errorf("read demo wallet %s %s: %w", owner, asset, mapErr(err))
	}
	return w, false, nil
}

// DemoWallet returns the wallet numbered id, or ENOTFOUND.
func (s *Store) DemoWallet(ctx context.Context, id uint64) (coffer.DemoWallet, error) {
	if id > 1<<63-1 {
		return coffer.DemoWallet{}, coffer.Errorf(coffer.ENOTFOUND, "wallet %d not found", id)
	}
	w, err := scanDemoWallet(s.pool.QueryRow(ctx, `SELECT id, owner, asset, created_at FROM demo_wallets
		WHERE id = $1`, int64(id)))
	if errors.Is(err, pgx.ErrNoRows) {
		return coffer.DemoWallet{}, coffer.Errorf(coffer.ENOTFOUND, "wallet %d not found", id)
	}
	if err != nil {
		return coffer.DemoWallet{}, fmt.Errorf("read demo wallet %d: %w", id, mapErr(err))
	}
	return w, nil
}

// AddDemoReconciliation numbers a new reconciliation of the wallet numbered walletID.
func (s *Store) AddDemoReconciliation(ctx context.Context, walletID uint64, at time.Time) (uint64, error) {
	var id int64
	if err := s.pool.QueryRow(ctx, `INSERT INTO demo_reconciliations (wallet_id, created_at) VALUES ($1, $2)
		RETURNING id`, int64(walletID), at.UTC()).Scan(&id); err != nil {
		return 0, fmt.Errorf("add demo reconciliation of wallet %d: %w", walletID, mapErr(err))
	}
	return uint64(id), nil
}
