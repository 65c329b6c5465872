package loadtest

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// gate lets the clients' requests through until the run's time is up or its request budget is
// spent, no faster than the rate when there is one.
type gate struct {
	stop   <-chan struct{} // closed when Config.Duration has passed
	issued atomic.Int64
	max    int64
	pace   *pacer // nil: unlimited
}

// pass reports whether one more request may be sent, waiting for its turn under the rate.
func (g *gate) pass(ctx context.Context) bool {
	select {
	case <-g.stop:
		return false
	case <-ctx.Done():
		return false
	default:
	}
	if g.issued.Add(1) > g.max {
		return false
	}
	if g.pace != nil {
		return g.pace.wait(ctx, g.stop)
	}
	return true
}

// pacer spaces requests evenly at a rate shared by every client: each takes the next free slot,
// one interval after the last one taken, and waits for it. It never lets a burst through to make
// up for slots that passed unused, so the load stays what was asked for.
type pacer struct {
	interval time.Duration
	mu       sync.Mutex
	next     time.Time
}

func newPacer(rate float64) *pacer {
	return &pacer{interval: time.Duration(float64(time.Second) / rate)}
}

// wait blocks until the caller's slot comes, and reports false if stop or ctx ends first.
func (p *pacer) wait(ctx context.Context, stop <-chan struct{}) bool {
	p.mu.Lock()
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	slot := p.next
	p.next = p.next.Add(p.interval)
	p.mu.Unlock()
	d := time.Until(slot)
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-stop:
		return false
	case <-ctx.Done():
		return false
	}
}
