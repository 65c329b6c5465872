package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/cofferhq/coffer"
)

var (
	_ coffer.LeaseStore  = (*Store)(nil)
	_ coffer.CursorStore = (*Store)(nil)
)

const leaseColumns = `name, holder, token, since, renewed_at, expires_at, progress`

func scanLease(r row) (coffer.Lease, error) {
	var (
		l                       coffer.Lease
		token                   int64
		since, renewed, expires int64
		progress                string
	)
	if err := r.Scan(&l.Name, &l.Holder, &token, &since, &renewed, &expires, &progress); err != nil {
		return coffer.Lease{}, err
	}
	l.Token = uint64(token)
	l.Since, l.RenewedAt, l.ExpiresAt = fromMicro(since), fromMicro(renewed), fromMicro(expires)
	if progress != "" {
		l.Progress = []byte(progress)
	}
	return l, nil
}

// ClaimLease takes or renews the lease (see coffer.LeaseStore). The upsert's WHERE decides: it
// changes the row only when the lease is free, expired or the caller's own, and a holder that
// differs from the last one starts a new tenure with the next token.
func (s *Store) ClaimLease(ctx context.Context, name, holder string, ttl time.Duration, progress []byte) (coffer.Lease, bool, error) {
	now := time.Now().UTC()
	l, err := scanLease(s.write.QueryRowContext(ctx, `INSERT INTO leases (`+leaseColumns+`) VALUES (?, ?, 1, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET
			token = CASE WHEN leases.holder = excluded.holder THEN leases.token ELSE leases.token + 1 END,
			since = CASE WHEN leases.holder = excluded.holder THEN leases.since ELSE excluded.since END,
			holder = excluded.holder, renewed_at = excluded.renewed_at, expires_at = excluded.expires_at,
			progress = excluded.progress
		WHERE leases.holder = excluded.holder OR leases.holder = '' OR leases.expires_at <= excluded.renewed_at
		RETURNING `+leaseColumns,
		name, holder, micro(now), micro(now), micro(now.Add(ttl)), string(progress)))
	if err == nil {
		return l, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return coffer.Lease{}, false, fmt.Errorf("claim lease %s: %w", name, retryable(err))
	}
	l, err = scanLease(s.write.QueryRowContext(ctx, `SELECT `+leaseColumns+` FROM leases WHERE name = ?`, name))
	if err != nil {
		return coffer.Lease{}, false, fmt.Errorf("read lease %s: %w", name, retryable(err))
	}
	return l, false, nil
}

// ReleaseLease frees the lease if holder holds it with token: it expires now and has no holder,
// so the next claim, by anyone, starts a new tenure.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string, token uint64) error {
	_, err := s.write.ExecContext(ctx, `UPDATE leases SET holder = '', expires_at = ? WHERE name = ? AND holder = ? AND token = ?`,
		micro(time.Now()), name, holder, int64(token))
	if err != nil {
		return fmt.Errorf("release lease %s: %w", name, retryable(err))
	}
	return nil
}

// Leases lists every lease by name.
func (s *Store) Leases(ctx context.Context) ([]coffer.Lease, error) {
	var out []coffer.Lease
	err := s.list(ctx, `SELECT `+leaseColumns+` FROM leases ORDER BY name`, nil, func(r *sql.Rows) error {
		l, err := scanLease(r)
		out = append(out, l)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list leases: %w", err)
	}
	return out, nil
}

func scanCursor(r row) (coffer.SinkCursor, error) {
	var (
		c            coffer.SinkCursor
		seq, updated int64
	)
	if err := r.Scan(&c.Sink, &seq, &updated); err != nil {
		return coffer.SinkCursor{}, err
	}
	c.Seq, c.UpdatedAt = uint64(seq), fromMicro(updated)
	return c, nil
}

// Cursor returns the sink's cursor, Seq 0 for a sink never seen.
func (s *Store) Cursor(ctx context.Context, sink string) (coffer.SinkCursor, error) {
	c, err := scanCursor(s.read.QueryRowContext(ctx, `SELECT sink, seq, updated_at FROM sink_cursors WHERE sink = ?`, sink))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.SinkCursor{Sink: sink}, nil
	}
	if err != nil {
		return coffer.SinkCursor{}, fmt.Errorf("read cursor %s: %w", sink, err)
	}
	return c, nil
}

// Cursors lists every cursor by sink name.
func (s *Store) Cursors(ctx context.Context) ([]coffer.SinkCursor, error) {
	var out []coffer.SinkCursor
	err := s.list(ctx, `SELECT sink, seq, updated_at FROM sink_cursors ORDER BY sink`, nil, func(r *sql.Rows) error {
		c, err := scanCursor(r)
		out = append(out, c)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list cursors: %w", err)
	}
	return out, nil
}

// AdvanceCursor moves the sink's cursor forward to seq if the fence's lease still carries its
// token. The check and the write are one statement on the one write connection, so no claim
// can come between them.
func (s *Store) AdvanceCursor(ctx context.Context, sink string, seq uint64, f coffer.Fence) error {
	res, err := s.write.ExecContext(ctx, `INSERT INTO sink_cursors (sink, seq, updated_at)
		SELECT ?, ?, ? FROM leases WHERE name = ? AND token = ? AND holder <> ''
		ON CONFLICT (sink) DO UPDATE SET seq = max(sink_cursors.seq, excluded.seq), updated_at = excluded.updated_at`,
		sink, int64(seq), micro(time.Now()), f.Lease, int64(f.Token))
	if err != nil {
		return fmt.Errorf("advance cursor %s: %w", sink, retryable(err))
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return coffer.Errorf(coffer.ECONFLICT, "lease %s is no longer held with token %d: cursor %s not moved", f.Lease, f.Token, sink)
	}
	return nil
}

// ResetCursor sets the sink's cursor to seq, backwards too.
func (s *Store) ResetCursor(ctx context.Context, sink string, seq uint64) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO sink_cursors (sink, seq, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (sink) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at`,
		sink, int64(seq), micro(time.Now()))
	if err != nil {
		return fmt.Errorf("reset cursor %s: %w", sink, retryable(err))
	}
	return nil
}

// LastEventSeq returns the newest event's seq, 0 when there is none.
func (s *Store) LastEventSeq(ctx context.Context) (uint64, error) {
	var seq int64
	if err := s.read.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM events`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("read last event seq: %w", err)
	}
	return uint64(seq), nil
}
