package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cofferhq/coffer"
)

// expireBatchMax bounds how many expired transfers one pass voids.
const expireBatchMax = 1000

// ExpireDue voids every pending transfer whose timeout has passed, as expired, and returns how
// many it expired. Each expiry is an operation with id "<transfer id>/expire", so a transfer
// expires exactly once even when several processes run this at once or one restarts midway;
// one posted or voided meanwhile is left as it is.
func (l *Ledger) ExpireDue(ctx context.Context) (int, error) {
	total := 0
	for {
		ids, err := l.store.ExpiredTransfers(ctx, l.cfg.Now().UTC(), expireBatchMax)
		if err != nil {
			return total, fmt.Errorf("find expired transfers: %w", err)
		}
		if len(ids) == 0 {
			return total, nil
		}
		cmds := make([]Command, len(ids))
		for i, id := range ids {
			cmds[i] = expireTransfer{TransferID: id}
		}
		progress := 0
		for _, o := range l.DoAll(ctx, cmds) {
			switch {
			case errors.Is(o.Err, errNotDue):
				// Another process's clock, or ours, says not yet: the next pass will see.
				continue
			}
			switch coffer.ErrorCode(o.Err) {
			case "":
				total++
				progress++
			case coffer.ECONFLICT:
				// Resolved meanwhile, or expired by another process: nothing left to do.
			default:
				return total, fmt.Errorf("expire transfers: %w", o.Err)
			}
		}
		if len(ids) < expireBatchMax || progress == 0 {
			return total, nil
		}
	}
}

// ExpiryProgress is what the expiry duty reports after each pass.
type ExpiryProgress struct {
	LastPassAt   time.Time `json:"last_pass_at"`
	Expired      int       `json:"expired"`       // by the last pass
	ExpiredTotal int       `json:"expired_total"` // since this process took the duty
	LastError    string    `json:"last_error,omitempty"`
}

// RunExpiry calls ExpireDue every interval until ctx ends, and reports each pass's
// ExpiryProgress to report (if not nil). Errors are logged and retried on the next tick. It is
// a duty: one process of a fleet runs it at a time, though two at once would do no harm, since
// each expiry is an operation of its own.
func (l *Ledger) RunExpiry(ctx context.Context, interval time.Duration, report func(progress any)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var p ExpiryProgress
	for {
		n, err := l.ExpireDue(ctx)
		p.LastPassAt, p.Expired, p.LastError = l.cfg.Now().UTC(), n, ""
		p.ExpiredTotal += n
		if err != nil && ctx.Err() == nil {
			l.cfg.Logger.Error("expire pending transfers", "err", err, "expired", n)
			p.LastError = err.Error()
		} else if n > 0 {
			l.cfg.Logger.Info("expired pending transfers", "expired", n)
		}
		if report != nil {
			report(p)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
