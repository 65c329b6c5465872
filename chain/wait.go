package chain

import (
	"context"
	"time"
)

// Wait waits d, the pause between two passes of a chain duty (the watcher, the sweeper, the
// payout queue), and returns nil; or returns ctx's error as soon as ctx ends.
func Wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
