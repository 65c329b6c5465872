package postgres

import (
	"context"
	"fmt"

	"github.com/cofferhq/coffer"
)

const assetColumns = `code, scale, created_at`

func scanAsset(r rowScanner) (coffer.Asset, error) {
	var a coffer.Asset
	if err := r.Scan(&a.Code, &a.Scale, &a.CreatedAt); err != nil {
		return coffer.Asset{}, err
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return a, nil
}

// Asset returns the asset with the code.
func (s *Store) Asset(ctx context.Context, code string) (coffer.Asset, error) {
	a, err := scanAsset(s.pool.QueryRow(ctx, `SELECT `+assetColumns+` FROM assets WHERE code = $1`, code))
	if err != nil {
		return coffer.Asset{}, readErr("read asset", err, "asset %q does not exist", code)
	}
	return a, nil
}

// Assets returns every asset, by code.
func (s *Store) Assets(ctx context.Context) ([]coffer.Asset, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+assetColumns+` FROM assets ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("read assets: %w", mapErr(err))
	}
	as, err := collect(rows, scanAsset)
	if err != nil {
		return nil, fmt.Errorf("read assets: %w", mapErr(err))
	}
	return as, nil
}
