package chainrecon

import (
	"context"
	"time"
)

// DutyName is the name of the duty, and of its lease, that reconciles the chain named chain on
// a schedule.
func DutyName(chain string) string { return "reconcile-chain:" + chain }

// Progress is what Every reports after each run, as the JSON of the duty's lease.
type Progress struct {
	Chain string `json:"chain"`
	// ID, Status, BlockNumber and Differences are the last stored run's.
	ID          string    `json:"id,omitempty"`
	Status      string    `json:"status,omitempty"`
	BlockNumber uint64    `json:"block_number,omitempty"`
	Differences int       `json:"differences"`
	At          time.Time `json:"at"`
	// LastError is the last failed run's error, the RPC URLs' keys masked; it stays after runs
	// that succeed, with LastErrorAt.
	LastError   string     `json:"last_error,omitempty"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty"`
}

// Every runs a reconciliation at once and then every interval until ctx ends, reports Progress
// after each, and returns only ctx's error. A failed run is logged and tried again at the next
// tick: the chain's balances are read anew each time, so nothing is lost by waiting.
func (r *Reconciler) Every(ctx context.Context, interval time.Duration, report func(progress any)) error {
	p := Progress{Chain: r.cfg.Chain.Name}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		now := r.cfg.Now().UTC()
		rec, err := r.Run(ctx, Request{ID: RunID(r.cfg.Chain.Name, now)})
		if ctx.Err() != nil {
			return ctx.Err()
		}
		p.At = r.cfg.Now().UTC()
		if err != nil {
			msg := redact(err.Error(), r.cfg.Chain.RPC)
			r.cfg.Logger.Warn("chain reconciliation failed", "chain", r.cfg.Chain.Name, "err", msg)
			at := p.At
			p.LastError, p.LastErrorAt = msg, &at
		} else {
			p.ID, p.Status, p.BlockNumber, p.Differences = rec.ID, string(rec.Status), rec.BlockNumber, len(rec.Lines)+rec.Omitted
			if rec.Status != "matched" {
				r.cfg.Logger.Warn("chain reconciliation found differences", "chain", r.cfg.Chain.Name, "id", rec.ID,
					"block", rec.BlockNumber, "differences", p.Differences)
			}
		}
		report(p)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
