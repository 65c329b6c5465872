package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cofferhq/coffer"
)

var (
	_ coffer.LeaseStore  = (*Store)(nil)
	_ coffer.CursorStore = (*Store)(nil)
)

const leaseColumns = `name, holder, token, since, renewed_at, expires_at, progress`

func scanLease(r rowScanner) (coffer.Lease, error) {
	var (
		l        coffer.Lease
		progress string
	)
	if err := r.Scan(&l.Name, &l.Holder, &l.Token, &l.Since, &l.RenewedAt, &l.ExpiresAt, &progress); err != nil {
		return coffer.Lease{}, err
	}
	l.Since, l.RenewedAt, l.ExpiresAt = l.Since.UTC(), l.RenewedAt.UTC(), l.ExpiresAt.UTC()
	if progress != "" {
		l.Progress = []byte(progress)
	}
	return l, nil
}

// ClaimLease takes or renews the lease (see coffer.LeaseStore) by the database's clock. The
// upsert's WHERE decides: it changes the row only when the lease is free, expired or the
// caller's own; concurrent claims of an expired lease queue on its row, and the second then
// finds it held.
func (s *Store) ClaimLease(ctx context.Context, name, holder string, ttl time.Duration, progress []byte) (coffer.Lease, bool, error) {
	l, err := scanLease(s.pool.QueryRow(ctx, `INSERT INTO leases (`+leaseColumns+`)
		VALUES ($1, $2, 1, now(), now(), now() + $3 * interval '1 microsecond', $4)
		ON CONFLICT (name) DO UPDATE SET
			token = CASE WHEN leases.holder = excluded.holder THEN leases.token ELSE leases.token + 1 END,
			since = CASE WHEN leases.holder = excluded.holder THEN leases.since ELSE excluded.since END,
			holder = excluded.holder, renewed_at = excluded.renewed_at, expires_at = excluded.expires_at,
			progress = excluded.progress
		WHERE leases.holder = excluded.holder OR leases.holder = '' OR leases.expires_at <= now()
		RETURNING `+leaseColumns,
		name, holder, ttl.Microseconds(), string(progress)))
	if err == nil {
		return l, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return coffer.Lease{}, false, fmt.Errorf("claim lease %s: %w", name, mapErr(err))
	}
	l, err = scanLease(s.pool.QueryRow(ctx, `SELECT `+leaseColumns+` FROM leases WHERE name = $1`, name))
	if err != nil {
		return coffer.Lease{}, false, fmt.Errorf("read lease %s: %w", name, mapErr(err))
	}
	return l, false, nil
}

// ReleaseLease frees the lease if holder holds it with token: it expires now and has no holder,
// so the next claim, by anyone, starts a new tenure.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string, token uint64) error {
	_, err := s.pool.Exec(ctx, `UPDATE leases SET holder = '', expires_at = now() WHERE name = $1 AND holder = $2 AND token = $3`,
		name, holder, token)
	if err != nil {
		return fmt.Errorf("release lease %s: %w", name, mapErr(err))
	}
	return nil
}

// Leases lists every lease by name.
func (s *Store) Leases(ctx context.Context) ([]coffer.Lease, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+leaseColumns+` FROM leases ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list leases: %w", mapErr(err))
	}
	ls, err := collect(rows, scanLease)
	if err != nil {
		return nil, fmt.Errorf("list leases: %w", mapErr(err))
	}
	return ls, nil
}

func scanCursor(r rowScanner) (coffer.SinkCursor, error) {
	var c coffer.SinkCursor
	if err := r.Scan(&c.Sink, &c.Seq, &c.UpdatedAt); err != nil {
		return coffer.SinkCursor{}, err
	}
	c.UpdatedAt = c.UpdatedAt.UTC()
	return c, nil
}

// Cursor returns the sink's cursor, Seq 0 for a sink never seen.
func (s *Store) Cursor(ctx context.Context, sink string) (coffer.SinkCursor, error) {
	c, err := scanCursor(s.pool.QueryRow(ctx, `SELECT sink, seq, updated_at FROM sink_cursors WHERE sink = $1`, sink))
	if errors.Is(err, pgx.ErrNoRows) {
		return coffer.SinkCursor{Sink: sink}, nil
	}
	if err != nil {
		return coffer.SinkCursor{}, fmt.Errorf("read cursor %s: %w", sink, mapErr(err))
	}
	return c, nil
}

// Cursors lists every cursor by sink name.
func (s *Store) Cursors(ctx context.Context) ([]coffer.SinkCursor, error) {
	rows, err := s.pool.Query(ctx, `SELECT sink, seq, updated_at FROM sink_cursors ORDER BY sink`)
	if err != nil {
		return nil, fmt.Errorf("list cursors: %w", mapErr(err))
	}
	cs, err := collect(rows, scanCursor)
	if err != nil {
		return nil, fmt.Errorf("list cursors: %w", mapErr(err))
	}
	return cs, nil
}

// AdvanceCursor moves the sink's cursor forward to seq if the fence's lease still carries its
// token. The lease row is read FOR SHARE: a claim that would change its token waits until this
// write commits, and one that came first makes the row fail the token check.
func (s *Store) AdvanceCursor(ctx context.Context, sink string, seq uint64, f coffer.Fence) error {
	if seq > maxInt64 {
		return coffer.Errorf(coffer.EINVALID, "seq %d is out of range", seq)
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO sink_cursors (sink, seq, updated_at)
		SELECT $1, $2, now() FROM leases WHERE name = $3 AND token = $4 AND holder <> '' FOR SHARE
		ON CONFLICT (sink) DO UPDATE SET seq = greatest(sink_cursors.seq, excluded.seq), updated_at = excluded.updated_at`,
		sink, int64(seq), f.Lease, f.Token)
	if err != nil {
		return fmt.Errorf("advance cursor %s: %w", sink, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return coffer.Errorf(coffer.ECONFLICT, "lease %s is no longer held with token %d: cursor %s not moved", f.Lease, f.Token, sink)
	}
	return nil
}

// ResetCursor sets the sink's cursor to seq, backwards too.
func (s *Store) ResetCursor(ctx context.Context, sink string, seq uint64) error {
	if seq > maxInt64 {
		return coffer.Errorf(coffer.EINVALID, "seq %d is out of range", seq)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO sink_cursors (sink, seq, updated_at) VALUES ($1, $2, now())
		ON CONFLICT (sink) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at`, sink, int64(seq))
	if err != nil {
		return fmt.Errorf("reset cursor %s: %w", sink, mapErr(err))
	}
	return nil
}

// LastEventSeq returns the newest event's seq, 0 when there is none.
func (s *Store) LastEventSeq(ctx context.Context) (uint64, error) {
	var seq int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM events`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("read last event seq: %w", mapErr(err))
	}
	return uint64(seq), nil
}
