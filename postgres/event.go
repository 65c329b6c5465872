package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cofferhq/coffer"
)

// maxInt64 is the largest sequence number a bigint column holds.
const maxInt64 uint64 = 1<<63 - 1

const eventColumns = `seq, id, type, subject, data, created_at, hash`

func scanEvent(r rowScanner) (coffer.Event, error) {
	var (
		e    coffer.Event
		data []byte
		hash []byte
	)
	if err := r.Scan(&e.Seq, &e.ID, &e.Type, &e.Subject, &data, &e.CreatedAt, &hash); err != nil {
		return coffer.Event{}, err
	}
	copy(e.Hash[:], hash) // NULL only while the event_hash migration runs
	if data != nil {
		e.Data = json.RawMessage(data)
	}
	e.CreatedAt = e.CreatedAt.UTC()
	return e, nil
}

// rawJSON returns b for a json column, or nil (NULL) when it is empty.
func rawJSON(b json.RawMessage) *string {
	if len(b) == 0 {
		return nil
	}
	s := string(b)
	return &s
}

// Events returns up to limit events with Seq > after, in Seq order.
func (s *Store) Events(ctx context.Context, after uint64, limit int) ([]coffer.Event, error) {
	if after >= maxInt64 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+eventColumns+` FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`,
		int64(after), pageSize(limit))
	if err != nil {
		return nil, fmt.Errorf("list events: %w", mapErr(err))
	}
	es, err := collect(rows, scanEvent)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", mapErr(err))
	}
	return es, nil
}
