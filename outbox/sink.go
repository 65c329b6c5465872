package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sink is one destination of the event stream: a broker, a webhook endpoint. The relay hands
// each sink the events after its cursor, in seq order, and moves the cursor past what the sink
// acknowledged.
//
// Deliver sends msgs in order and returns how many of them, from the front, the destination
// acknowledged (a sink that skips some events, say by type, counts them as acknowledged). It
// returns an error when it stopped short; n may still be above zero. The relay calls Deliver
// from one goroutine per sink, never concurrently for one sink. A *RetryError says when to try
// again; ErrStop stops the sink's deliveries until the relay is given its sinks again.
type Sink interface {
	// Name identifies the sink's cursor: it must stay the same across restarts and differ
	// between sinks ("amqp:events", "webhook:wh_123").
	Name() string
	Deliver(ctx context.Context, msgs []Message) (int, error)
	Close() error
}

// ErrStop is returned by Deliver when the sink must not be called again: a webhook endpoint that
// has been dead-lettered or disabled. The relay leaves its cursor where it is.
var ErrStop = errors.New("sink stopped")

// RetryError is returned by Deliver to ask the relay to wait until At before it tries again.
type RetryError struct {
	At  time.Time
	Err error
}

func (e *RetryError) Error() string {
	return fmt.Sprintf("%v (next attempt at %s)", e.Err, e.At.UTC().Format(time.RFC3339))
}

func (e *RetryError) Unwrap() error { return e.Err }

// Revisioned is a sink that changes at run time (a webhook endpoint): when the relay's dynamic
// sinks return one with the name of a running sink but another Revision, the relay stops the
// running one, waiting for its delivery in flight, and starts the new one from the cursor.
type Revisioned interface {
	Revision() uint64
}

// Rewinder is a sink whose cursor an operator may move (a webhook endpoint's replay). When the
// relay starts delivering to it, it asks Rewind; if a seq is returned, the relay sets the cursor
// there, delivers from the event after it, and calls Rewound so that the sink forgets the
// request. A crash between the two repeats the rewind, which changes nothing.
type Rewinder interface {
	Rewind() (after uint64, ok bool)
	Rewound(ctx context.Context) error
}
