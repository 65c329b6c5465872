package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/cofferhq/coffer"
)

var _ coffer.DemoWalletStore = (*Store)(nil)

func scanDemoWallet(r row) (coffer.DemoWallet, error) {
	var (
		w          coffer.DemoWallet
		id, create int64
	)
	if err := r.Scan(&id, &w.Owner, &w.Asset, &create); err != nil {
		return coffer.DemoWallet{}, err
	}
	w.ID, w.CreatedAt = uint64(id), fromMicro(create)
	return w, nil
}

// PutDemoWallet numbers the wallet of owner in asset unless it has a number.
func (s *Store) PutDemoWallet(ctx context.Context, owner, asset string, at time.Time) (coffer.DemoWallet, bool, error) {
	w, err := scanDemoWallet(s.write.QueryRowContext(ctx, `INSERT INTO demo_wallets (owner, asset, created_at)
		VALUES (?, ?, ?) ON CONFLICT (owner, asset) DO NOTHING RETURNING id, owner, asset, created_at`,
		owner, asset, micro(at)))
	if err == nil {
		return w, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return coffer.DemoWallet{}, false, fmt.Errorf("put demo wallet %s %s: %w", owner, asset, retryable(err))
	}
	w, err = scanDemoWallet(s.write.QueryRowContext(ctx, `SELECT id, owner, asset, created_at FROM demo_wallets
		WHERE owner = ? AND asset = ?`, owner, asset))
	if err != nil {
		return coffer.DemoWallet{}, false, fmt.Errorf("read demo wallet %s %s: %w", owner, asset, err)
	}
	return w, false, nil
}

// DemoWallet returns the wallet numbered id, or ENOTFOUND.
func (s *Store) DemoWallet(ctx context.Context, id uint64) (coffer.DemoWallet, error) {
	if id > 1<<63-1 {
		return coffer.DemoWallet{}, coffer.Errorf(coffer.ENOTFOUND, "wallet %d not found", id)
	}
	w, err := scanDemoWallet(s.read.QueryRowContext(ctx, `SELECT id, owner, asset, created_at FROM demo_wallets
		WHERE id = ?`, int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.DemoWallet{}, coffer.Errorf(coffer.ENOTFOUND, "wallet %d not found", id)
	}
	if err != nil {
		return coffer.DemoWallet{}, fmt.Errorf("read demo wallet %d: %w", id, err)
	}
	return w, nil
}

// AddDemoReconciliation numbers a new reconciliation of the wallet numbered walletID.
func (s *Store) AddDemoReconciliation(ctx context.Context, walletID uint64, at time.Time) (uint64, error) {
	var id int64
	if err := s.write.QueryRowContext(ctx, `INSERT INTO demo_reconciliations (wallet_id, created_at) VALUES (?, ?)
		RETURNING id`, int64(walletID), micro(at)).Scan(&id); err != nil {
		return 0, fmt.Errorf("add demo reconciliation of wallet %d: %w", walletID, retryable(err))
	}
	return uint64(id), nil
}
