package outbox

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// SinkStatus is how far one sink is behind the event stream.
type SinkStatus struct {
	Name string
	// Cursor is the last event the sink acknowledged; LastSeq the newest event; Behind the
	// difference.
	Cursor, LastSeq, Behind uint64
	// OldestUndelivered is when the first event past the cursor committed; zero when none is.
	OldestUndelivered time.Time
	UpdatedAt         time.Time // when the cursor last moved
	// What this process saw, if it runs the relay: events delivered and deliveries failed in
	// its runs, the last failure and when the next attempt is due, and whether the sink has
	// stopped (ErrStop).
	Delivered   uint64
	Failures    uint64
	LastError   string
	LastErrorAt time.Time
	NextAttempt time.Time
	Stopped     bool
}

// Status reports every sink this process knows of (configured, or running now) and every sink
// with a cursor in the database, by name.
func (r *Relay) Status(ctx context.Context) ([]SinkStatus, error) {
	last, err := r.cfg.Store.LastEventSeq(ctx)
	if err != nil {
		return nil, err
	}
	cursors, err := r.cfg.Store.Cursors(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]*SinkStatus{}
	add := func(name string) *SinkStatus {
		st, ok := byName[name]
		if !ok {
			st = &SinkStatus{Name: name}
			byName[name] = st
		}
		return st
	}
	for _, s := range r.cfg.Sinks {
		add(s.Name())
	}
	r.mu.Lock()
	for name, ss := range r.status {
		st := add(name)
		st.Delivered, st.Failures, st.LastError, st.LastErrorAt, st.NextAttempt, st.Stopped = ss.Delivered, ss.Failures, ss.LastError, ss.LastErrorAt, ss.NextAttempt, ss.Stopped
	}
	r.mu.Unlock()
	for _, c := range cursors {
		st := add(c.Sink)
		st.Cursor, st.UpdatedAt = c.Seq, c.UpdatedAt
	}
	out := make([]SinkStatus, 0, len(byName))
	for _, st := range byName {
		st.LastSeq = last
		if st.Cursor < last {
			st.Behind = last - st.Cursor
			es, err := r.cfg.Store.Events(ctx, st.Cursor, 1)
			if err != nil {
				return nil, fmt.Errorf("sink %s: %w", st.Name, err)
			}
			if len(es) > 0 {
				st.OldestUndelivered = es[0].CreatedAt
			}
		}
		out = append(out, *st)
	}
	slices.SortFunc(out, func(a, b SinkStatus) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out, nil
}
