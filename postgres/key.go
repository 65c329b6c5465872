package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cofferhq/coffer"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const keyColumns = `id, name, role, hash, created_at, revoked_at`

func scanKey(r rowScanner) (coffer.Key, error) {
	var k coffer.Key
	if err := r.Scan(&k.ID, &k.Name, &k.Role, &k.Hash, &k.CreatedAt, &k.RevokedAt); err != nil {
		return coffer.Key{}, err
	}
	k.CreatedAt, k.RevokedAt = k.CreatedAt.UTC(), utcPtr(k.RevokedAt)
	return k, nil
}

// CreateKey stores a new API key and the events given. A taken id or hash is a conflict.
func (s *Store) CreateKey(ctx context.Context, k coffer.Key, events ...coffer.Event) error {
	err := s.withEvents(ctx, events, func(tx pgx.Tx) (bool, error) {
		_, err := tx.Exec(ctx, `INSERT INTO api_keys (`+keyColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
			k.ID, k.Name, string(k.Role), k.Hash, k.CreatedAt, k.RevokedAt)
		return err == nil, err
	})
	if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.Code == codeUniqueViolation {
		return coffer.Errorf(coffer.ECONFLICT, "an API key with id %q or the same secret exists", k.ID)
	}
	if err != nil {
		return fmt.Errorf("create key: %w", mapErr(err))
	}
	return nil
}

// KeyByHash returns the key whose secret hashes to hash, revoked or not.
func (s *Store) KeyByHash(ctx context.Context, hash string) (coffer.Key, error) {
	k, err := scanKey(s.pool.QueryRow(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE hash = $1`, hash))
	if err != nil {
		// The hash stays out of the message: it is as good as a secret to a log reader.
		return coffer.Key{}, readErr("read key", err, "no such API key")
	}
	return k, nil
}

// Keys returns every key, revoked ones too, in the order they were created.
func (s *Store) Keys(ctx context.Context) ([]coffer.Key, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+keyColumns+` FROM api_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", mapErr(err))
	}
	ks, err := collect(rows, scanKey)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", mapErr(err))
	}
	return ks, nil
}

// RevokeKey sets RevokedAt on a key that is not yet revoked and writes the events given;
// ENOTFOUND, and nothing written, if there is none.
func (s *Store) RevokeKey(ctx context.Context, id string, at time.Time, events ...coffer.Event) error {
	err := s.withEvents(ctx, events, func(tx pgx.Tx) (bool, error) {
		tag, err := tx.Exec(ctx, `UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, at)
		if err != nil {
			return false, err
		}
		if tag.RowsAffected() == 0 {
			return false, coffer.Errorf(coffer.ENOTFOUND, "no unrevoked API key %q", id)
		}
		return true, nil
	})
	if err != nil && coffer.ErrorCode(err) != coffer.ENOTFOUND {
		return fmt.Errorf("revoke key: %w", mapErr(err))
	}
	return err
}
