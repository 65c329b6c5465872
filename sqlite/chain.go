package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cofferhq/coffer"
)

// chainEvents chains the events written before the event_hash migration, in its transaction
// (which holds SQLite's write lock): it reads them in seq order, sets each one's hash from the
// one before (hash_0 for seq 1) and leaves the last hash in event_seq.
func chainEvents(ctx context.Context, tx *sql.Tx) error {
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT last FROM event_seq`).Scan(&last); err != nil {
		return fmt.Errorf("chain events: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+eventColumns+` FROM events ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("chain events: %w", err)
	}
	defer rows.Close()
	type link struct {
		seq  int64
		hash coffer.EventHash
	}
	var links []link // 40 bytes an event: SQLite cannot update a table while reading it here
	prev := coffer.EventHashZero
	var seq uint64
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return fmt.Errorf("chain events: %w", err)
		}
		if e.Seq != seq+1 {
			return fmt.Errorf("chain events: event %d is missing; the events cannot be chained", seq+1)
		}
		seq = e.Seq
		prev = coffer.ChainEvent(prev, &e)
		links = append(links, link{int64(e.Seq), prev})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("chain events: %w", err)
	}
	rows.Close()
	if int64(seq) != last {
		return fmt.Errorf("chain events: the last event is %d but event_seq says %d", seq, last)
	}
	upd, err := tx.PrepareContext(ctx, `UPDATE events SET hash = ? WHERE seq = ?`)
	if err != nil {
		return fmt.Errorf("chain events: %w", err)
	}
	defer upd.Close()
	for _, l := range links {
		if _, err := upd.ExecContext(ctx, l.hash[:], l.seq); err != nil {
			return fmt.Errorf("chain events: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE event_seq SET hash = ?`, prev[:]); err != nil {
		return fmt.Errorf("chain events: %w", err)
	}
	return nil
}
