package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/cofferhq/coffer"
)

func scanKey(r row) (coffer.Key, error) {
	var k coffer.Key
	var role string
	var created int64
	var revoked sql.NullInt64
	if err := r.Scan(&k.ID, &k.Name, &role, &k.Hash, &created, &revoked); err != nil {
		return coffer.Key{}, err
	}
	k.Role = coffer.Role(role)
	k.CreatedAt = fromMicro(created)
	k.RevokedAt = fromNullMicro(revoked)
	return k, nil
}

// CreateKey stores a new API key and the events given. A taken id or hash is ECONFLICT.
func (s *Store) CreateKey(ctx context.Context, k coffer.Key, events ...coffer.Event) error {
	err := s.withEvents(ctx, events, func(tx *sql.Tx) (bool, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (`+keyColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
			k.ID, k.Name, string(k.Role), k.Hash, micro(k.CreatedAt), nullMicro(k.RevokedAt))
		return err == nil, err
	})
	if isConstraint(err) {
		return coffer.Errorf(coffer.ECONFLICT, "an API key with id %q or the same secret exists", k.ID)
	}
	if err != nil {
		return fmt.Errorf("create key %s: %w", k.ID, err)
	}
	return nil
}

// KeyByHash returns the key whose secret hashes to hash, revoked or not, or ENOTFOUND.
func (s *Store) KeyByHash(ctx context.Context, hash string) (coffer.Key, error) {
	k, err := scanKey(s.read.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.Key{}, coffer.Errorf(coffer.ENOTFOUND, "no API key has this secret")
	}
	if err != nil {
		return coffer.Key{}, fmt.Errorf("read key by hash: %w", err)
	}
	return k, nil
}

// Keys returns every key, revoked ones too, oldest first.
func (s *Store) Keys(ctx context.Context) ([]coffer.Key, error) {
	var out []coffer.Key
	err := s.list(ctx, `SELECT `+keyColumns+` FROM api_keys ORDER BY created_at, id`, nil, func(r *sql.Rows) error {
		k, err := scanKey(r)
		out = append(out, k)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	return out, nil
}

// RevokeKey sets RevokedAt of the key with the id and writes the events given; ENOTFOUND, and
// nothing written, if there is no such key or it is revoked already.
func (s *Store) RevokeKey(ctx context.Context, id string, at time.Time, events ...coffer.Event) error {
	err := s.withEvents(ctx, events, func(tx *sql.Tx) (bool, error) {
		res, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`,
			micro(at), id)
		if err != nil {
			return false, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return false, err
		}
		if n == 0 {
			return false, coffer.Errorf(coffer.ENOTFOUND, "API key %q does not exist or is revoked already", id)
		}
		return true, nil
	})
	if err != nil && coffer.ErrorCode(err) != coffer.ENOTFOUND {
		return fmt.Errorf("revoke key %s: %w", id, err)
	}
	return err
}
