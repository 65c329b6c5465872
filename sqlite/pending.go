package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cofferhq/coffer"
)

// PendingTransfers lists pending transfers with a timeout, soonest to expire first.
func (s *Store) PendingTransfers(ctx context.Context, f coffer.PendingFilter) ([]coffer.Transfer, error) {
	// state = 'pending' is a literal so that SQLite can use the partial index on expires_at,
	// which it is told to: without statistics it might walk another and read every transfer.
	where := []string{"state = 'pending'", "expires_at IS NOT NULL"}
	var args []any
	if f.Type != "" {
		where, args = append(where, "type = ?"), append(args, string(f.Type))
	}
	if !f.AfterExpiresAt.IsZero() {
		where, args = append(where, "(expires_at, id) > (?, ?)"), append(args, micro(f.AfterExpiresAt), f.AfterID)
	}
	args = append(args, pageSize(f.Limit))
	q := `SELECT ` + transferColumns + ` FROM transfers INDEXED BY transfers_expires_idx` + whereClause(where) +
		` ORDER BY expires_at, id LIMIT ?`
	var out []coffer.Transfer
	err := s.list(ctx, q, args, func(r *sql.Rows) error {
		t, err := scanTransfer(r)
		out = append(out, t)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list pending transfers: %w", err)
	}
	return out, nil
}
