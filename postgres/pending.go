package postgres

import (
	"context"
	"fmt"

	"github.com/cofferhq/coffer"
)

// PendingTransfers lists pending transfers with a timeout, soonest to expire first.
func (s *Store) PendingTransfers(ctx context.Context, f coffer.PendingFilter) ([]coffer.Transfer, error) {
	var w where
	// The literal state lets the planner use the partial index on expires_at (transfers_expiry).
	w.conds = append(w.conds, "state = 'pending'", "expires_at IS NOT NULL")
	if f.Type != "" {
		w.add("type = ?", string(f.Type))
	}
	if !f.AfterExpiresAt.IsZero() {
		w.add("(expires_at, id) > (?, "+w.arg(f.AfterID)+")", f.AfterExpiresAt)
	}
	q := `SELECT ` + transferColumns + ` FROM transfers WHERE ` + w.and() +
		` ORDER BY expires_at, id LIMIT ` + w.arg(pageSize(f.Limit))
	rows, err := s.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list pending transfers: %w", mapErr(err))
	}
	ts, err := collect(rows, scanTransfer)
	if err != nil {
		return nil, fmt.Errorf("list pending transfers: %w", mapErr(err))
	}
	return ts, nil
}
