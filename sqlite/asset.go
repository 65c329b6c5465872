package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/cofferhq/coffer"
)

// row is a *sql.Row or *sql.Rows.
type row interface {
	Scan(dest ...any) error
}

func appendAsset(args []any, a coffer.Asset) []any {
	return append(args, a.Code, a.Scale, micro(a.CreatedAt))
}

func scanAsset(r row) (coffer.Asset, error) {
	var a coffer.Asset
	var created int64
	if err := r.Scan(&a.Code, &a.Scale, &created); err != nil {
		return coffer.Asset{}, err
	}
	a.CreatedAt = fromMicro(created)
	return a, nil
}

// Asset returns the asset with the code, or ENOTFOUND.
func (s *Store) Asset(ctx context.Context, code string) (coffer.Asset, error) {
	a, err := scanAsset(s.read.QueryRowContext(ctx, `SELECT `+assetColumns+` FROM assets WHERE code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.Asset{}, coffer.Errorf(coffer.ENOTFOUND, "asset %q does not exist", code)
	}
	if err != nil {
		return coffer.Asset{}, fmt.Errorf("read asset %s: %w", code, err)
	}
	return a, nil
}

// Assets returns every asset, ordered by code.
func (s *Store) Assets(ctx context.Context) ([]coffer.Asset, error) {
	var out []coffer.Asset
	err := s.list(ctx, `SELECT `+assetColumns+` FROM assets ORDER BY code`, nil, func(r *sql.Rows) error {
		a, err := scanAsset(r)
		out = append(out, a)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read assets: %w", err)
	}
	return out, nil
}

// list runs a query on the read pool and calls fn for every row.
func (s *Store) list(ctx context.Context, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}
