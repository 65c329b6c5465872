package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cofferhq/coffer"
)

func appendEvent(args []any, e *coffer.Event) []any {
	return append(args, int64(e.Seq), e.ID, e.Type, e.Subject, string(e.Data), micro(e.CreatedAt), e.Hash[:])
}

func scanEvent(r row) (coffer.Event, error) {
	var e coffer.Event
	var seq, created int64
	var data string
	var hash []byte
	if err := r.Scan(&seq, &e.ID, &e.Type, &e.Subject, &data, &created, &hash); err != nil {
		return coffer.Event{}, err
	}
	copy(e.Hash[:], hash) // NULL only while the event_hash migration runs
	e.Seq = uint64(seq)
	e.Data = rawJSON(data)
	e.CreatedAt = fromMicro(created)
	return e, nil
}

// Events returns up to limit events with Seq > after, in Seq order; limit is bounded like a page.
func (s *Store) Events(ctx context.Context, after uint64, limit int) ([]coffer.Event, error) {
	q := `SELECT ` + eventColumns + ` FROM events WHERE seq > ? ORDER BY seq LIMIT ?`
	var out []coffer.Event
	err := s.list(ctx, q, []any{int64(after), pageSize(limit)}, func(r *sql.Rows) error {
		e, err := scanEvent(r)
		out = append(out, e)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return out, nil
}
