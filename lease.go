package coffer

import (
	"context"
	"time"
)

// Lease is the right to run one background duty (the relay, hold expiry) in a fleet of
// processes that share a database. A holder keeps it by renewing it before it expires; once it
// has expired any process may claim it. Token grows by one each time the lease changes hands,
// so that a write made under the lease can be refused once a newer holder exists: a stalled
// process that wakes after losing its lease cannot move a sink's cursor (see CursorStore).
type Lease struct {
	Name      string
	Holder    string // the process holding it: host, pid and a random suffix
	Token     uint64 // the fencing token, 1 for the first holder
	Since     time.Time
	RenewedAt time.Time
	ExpiresAt time.Time
	// Progress is the holder's own account of its work, as JSON: reported at each renewal.
	Progress []byte
}

// Fence identifies a holding of a lease: writes fenced by it succeed only while the lease named
// Name still carries Token.
type Fence struct {
	Lease string
	Token uint64
}

// LeaseStore keeps the leases of the background duties. It is a capability of its own beside
// Store, implemented by both stores. The store's own clock decides expiry (PostgreSQL's now(),
// so that the processes' clocks need not agree).
type LeaseStore interface {
	// ClaimLease takes the lease name for holder for ttl when it is free, expired or already
	// held by holder (a renewal, which keeps Token and Since), and records progress. It returns
	// the lease and whether holder now holds it; when another holds it, the lease returned is
	// theirs.
	ClaimLease(ctx context.Context, name, holder string, ttl time.Duration, progress []byte) (Lease, bool, error)
	// ReleaseLease gives up the lease if holder still holds it with token, so that another
	// process may claim it at once; otherwise it does nothing.
	ReleaseLease(ctx context.Context, name, holder string, token uint64) error
	// Leases lists every lease, held or expired, by name.
	Leases(ctx context.Context) ([]Lease, error)
}

// SinkCursor is how far one sink of the relay has acknowledged the event stream.
type SinkCursor struct {
	Sink      string
	Seq       uint64 // the last event acknowledged; 0 before the first
	UpdatedAt time.Time
}

// CursorStore keeps the relay's cursors. A capability of its own beside Store.
type CursorStore interface {
	// Cursor returns the sink's cursor; a sink never seen has Seq 0 (and no error).
	Cursor(ctx context.Context, sink string) (SinkCursor, error)
	// Cursors lists every cursor, by sink name.
	Cursors(ctx context.Context) ([]SinkCursor, error)
	// AdvanceCursor sets the sink's cursor to seq in one transaction with a check of the fence:
	// if the lease no longer carries the fence's token it changes nothing and returns an error
	// with ECONFLICT. A cursor never moves back this way.
	AdvanceCursor(ctx context.Context, sink string, seq uint64, f Fence) error
	// ResetCursor sets the sink's cursor to seq, backwards too: an operator's replay.
	ResetCursor(ctx context.Context, sink string, seq uint64) error
	// LastEventSeq returns the seq of the newest event, 0 when there is none.
	LastEventSeq(ctx context.Context) (uint64, error)
}
