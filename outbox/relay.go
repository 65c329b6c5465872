// Package outbox delivers Coffer's events to the systems around it. The ledger writes every
// committed change as an event row in the money's own transaction; the Relay reads those rows in
// seq order and hands them to each Sink (a broker, a webhook endpoint), moving the sink's cursor
// in the database only past what the sink acknowledged. Delivery is at least once and in order
// per sink: a crash repeats at most the unacknowledged tail, and every message carries the
// event's stable id and seq so that consumers can drop duplicates.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/broadcast"
)

// Defaults of the relay's settings.
const (
	// BatchMaxDefault caps the events handed to one Deliver: large enough that a backlog drains
	// at the sinks' speed, small enough that an unacknowledged tail repeated after a crash is
	// short.
	BatchMaxDefault = 500
	// PollDefault is how often a sink that has caught up looks for events committed by other
	// processes; this process's own commits wake it at once.
	PollDefault = 200 * time.Millisecond
	// ReloadEveryDefault is how often the dynamic sinks (webhook endpoints) are read again, since
	// another process may have changed them.
	ReloadEveryDefault = 5 * time.Second
	// RetryMinDefault and RetryMaxDefault bound the backoff after a failed delivery: doubling
	// from the first to the second, with jitter.
	RetryMinDefault = 100 * time.Millisecond
	RetryMaxDefault = 30 * time.Second
	// LagWarnDefault is the age of the oldest undelivered event past which the relay logs a
	// sink's lag (at most once per this period).
	LagWarnDefault = 30 * time.Second
)

// Store is what the relay reads and writes: the events and the sinks' cursors.
type Store interface {
	// Events returns up to limit events with Seq > after, in Seq order.
	Events(ctx context.Context, after uint64, limit int) ([]coffer.Event, error)
	coffer.CursorStore
}

// Config configures a Relay. The zero value of a field means its default.
type Config struct {
	Store Store
	// Sinks are the sinks configured at start (brokers). The relay never closes them: they
	// outlive its runs, which stop and start as this process loses and regains the lease.
	Sinks []Sink
	// Dynamic, if set, returns the sinks that change at run time (webhook endpoints). It is
	// called at each run's start, on Reload and every ReloadEvery; a sink whose name it no
	// longer returns is stopped and closed, and so is each of them when a run ends.
	Dynamic     func(ctx context.Context) ([]Sink, error)
	BatchMax    int
	Poll        time.Duration
	ReloadEvery time.Duration
	RetryMin    time.Duration
	RetryMax    time.Duration
	LagWarn     time.Duration
	Logger      *slog.Logger
	// Advanced, if set, is called after a sink's cursor has moved in the store: a hook for
	// tests and metrics. It must return at once.
	Advanced func(sink string, seq uint64)
	// Tracer, if set, makes a span of each delivery to a sink (relay.deliver), the parent of
	// the sink's own spans. Without it there are none.
	Tracer trace.Tracer
}

// Relay delivers events to sinks. Run is a duty: one process of a fleet runs it at a time.
type Relay struct {
	cfg Config

	wake   broadcast.Signal
	mu     sync.Mutex
	reload chan struct{}
	status map[string]*sinkState // by sink name, of the current or last run
}

// sinkState is what this process knows of a sink beyond its cursor.
type sinkState struct {
	Delivered   uint64 // events acknowledged in this process's runs
	Failures    uint64 // failed deliveries in this process's runs
	LastError   string
	LastErrorAt time.Time
	NextAttempt time.Time
	Stopped     bool
}

// New returns a Relay.
func New(cfg Config) *Relay {
	if cfg.BatchMax <= 0 {
		cfg.BatchMax = BatchMaxDefault
	}
	if cfg.Poll <= 0 {
		cfg.Poll = PollDefault
	}
	if cfg.ReloadEvery <= 0 {
		cfg.ReloadEvery = ReloadEveryDefault
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = RetryMinDefault
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = RetryMaxDefault
	}
	if cfg.LagWarn <= 0 {
		cfg.LagWarn = LagWarnDefault
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Tracer == nil {
		cfg.Tracer = noop.NewTracerProvider().Tracer("")
	}
	return &Relay{cfg: cfg, reload: make(chan struct{}, 1), status: map[string]*sinkState{}}
}

// Notify tells the relay that events were committed: the sinks that have caught up look at once.
// It never blocks; the ledger calls it after each commit.
func (r *Relay) Notify() { r.wake.Notify() }

// Reload makes a running relay read its dynamic sinks again at once. It never blocks.
func (r *Relay) Reload() {
	select {
	case r.reload <- struct{}{}:
	default:
	}
}

// handTo hands msgs to the sink s, named name, in a span of its own, and returns how many of
// them it took (never more than len(msgs)) and its error.
func (r *Relay) handTo(ctx context.Context, s Sink, name string, msgs []Message) (int, error) {
	ctx, span := r.cfg.Tracer.Start(ctx, "relay.deliver", trace.WithSpanKind(trace.SpanKindProducer))
	defer span.End()
	n, err := s.Deliver(ctx, msgs)
	if n > len(msgs) {
		n = len(msgs)
	}
	if span.IsRecording() {
		span.SetAttributes(attribute.String("coffer.sink", name), attribute.Int64("coffer.seq.first", int64(msgs[0].Seq)),
			attribute.Int("coffer.events", len(msgs)), attribute.Int("coffer.events.delivered", n))
		if err != nil {
			span.SetStatus(codes.Error, err.Error())
		}
	}
	return n, err
}

// worker is one sink's delivery loop in a run.
type worker struct {
	sink    Sink
	dynamic bool
	cancel  context.CancelFunc
	done    chan struct{}
}

// Run delivers events to every sink until ctx ends; fence is the relay's lease, checked with
// every cursor move. It returns nil when ctx ends and an error when the lease turns out lost.
func (r *Relay) Run(ctx context.Context, fence coffer.Fence, report func(progress any)) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	workers := map[string]*worker{}
	var cursors sync.Map // sink name -> uint64, for report
	stopWorker := func(name string) {
		w := workers[name]
		w.cancel()
		<-w.done
		if w.dynamic {
			if err := w.sink.Close(); err != nil {
				r.cfg.Logger.Warn("close sink", "sink", name, "err", err)
			}
		}
		delete(workers, name)
	}
	startWorker := func(s Sink, dynamic bool) {
		wctx, wcancel := context.WithCancel(ctx)
		w := &worker{sink: s, dynamic: dynamic, cancel: wcancel, done: make(chan struct{})}
		workers[s.Name()] = w
		go func() {
			defer close(w.done)
			err := r.deliver(wctx, s, fence, func(seq uint64) {
				cursors.Store(s.Name(), seq)
				progress := map[string]uint64{}
				cursors.Range(func(k, v any) bool {
					progress[k.(string)] = v.(uint64)
					return true
				})
				report(map[string]any{"cursors": progress})
			})
			if errors.Is(err, errLeaseLost) {
				cancel(err)
			}
		}()
	}
	defer func() {
		for name := range workers {
			stopWorker(name)
		}
	}()
	for _, s := range r.cfg.Sinks {
		startWorker(s, false)
	}
	load := func() {
		if r.cfg.Dynamic == nil {
			return
		}
		sinks, err := r.cfg.Dynamic(ctx)
		if err != nil {
			if ctx.Err() == nil {
				r.cfg.Logger.Warn("read sinks", "err", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, s := range sinks {
			seen[s.Name()] = true
			if w, ok := workers[s.Name()]; ok {
				if !w.dynamic {
					s.Close() // a name clash with a configured sink: the configured one wins
					continue
				}
				// The worker keeps the sink it has, unless the sink has a new revision or
				// its worker ended (ErrStop).
				select {
				case <-w.done:
					stopWorker(s.Name())
				default:
					if revision(s) == revision(w.sink) {
						s.Close()
						continue
					}
					stopWorker(s.Name())
				}
			}
			startWorker(s, true)
		}
		for name, w := range workers {
			if w.dynamic && !seen[name] {
				stopWorker(name)
			}
		}
	}
	load()
	t := time.NewTicker(r.cfg.ReloadEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := context.Cause(ctx); errors.Is(err, errLeaseLost) {
				return err
			}
			return nil
		case <-r.reload:
			load()
		case <-t.C:
			load()
		}
	}
}

var errLeaseLost = errors.New("the relay's lease was lost")

// advanceTimeout bounds the cursor write that follows a delivery.
const advanceTimeout = 5 * time.Second

// advance records what a sink acknowledged. The write goes on when the worker is being stopped
// (a run's end, the sink's new revision): what was delivered is recorded rather than sent
// again. The fence keeps it harmless if the lease has moved meanwhile.
func (r *Relay) advance(ctx context.Context, name string, seq uint64, fence coffer.Fence) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), advanceTimeout)
	defer cancel()
	return r.cfg.Store.AdvanceCursor(ctx, name, seq, fence)
}

// revision returns a Revisioned sink's revision, 0 for any other.
func revision(s Sink) uint64 {
	if rs, ok := s.(Revisioned); ok {
		return rs.Revision()
	}
	return 0
}

// rewind moves the sink's cursor for an operator's replay and tells the sink it is done.
func (r *Relay) rewind(ctx context.Context, name string, after uint64, rw Rewinder) error {
	if err := r.cfg.Store.ResetCursor(ctx, name, after); err != nil {
		return err
	}
	return rw.Rewound(ctx)
}

// deliver is one sink's loop: read after the cursor, deliver, advance.
func (r *Relay) deliver(ctx context.Context, s Sink, fence coffer.Fence, advanced func(seq uint64)) error {
	name := s.Name()
	log := r.cfg.Logger.With("sink", name)
	state := r.sinkState(name)
	var cur uint64
	for {
		c, err := r.cfg.Store.Cursor(ctx, name)
		if err == nil {
			cur = c.Seq
			break
		}
		if !r.pause(ctx, r.cfg.RetryMax/10) {
			return nil
		}
	}
	if rw, ok := s.(Rewinder); ok {
		if after, ok := rw.Rewind(); ok {
			if err := r.rewind(ctx, name, after, rw); err != nil {
				if ctx.Err() == nil {
					log.Warn("replay", "after", after, "err", err)
				}
				return nil // the next reload starts the sink again and retries
			}
			log.Info("replaying", "after", after, "cursor_was", cur)
			cur = after
		}
	}
	advanced(cur)
	var (
		pending  []Message
		failures int
		lagged   time.Time
	)
	for {
		if len(pending) == 0 {
			wake := r.wake.Wait()
			es, err := r.cfg.Store.Events(ctx, cur, r.cfg.BatchMax)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				log.Warn("read events", "err", err)
				if !r.pause(ctx, r.backoff(&failures)) {
					return nil
				}
				continue
			}
			if len(es) == 0 {
				select {
				case <-ctx.Done():
					return nil
				case <-wake:
				case <-time.After(r.cfg.Poll):
				}
				continue
			}
			pending = make([]Message, len(es))
			for i, e := range es {
				if pending[i], err = NewMessage(e); err != nil {
					return fmt.Errorf("render event %d: %w", e.Seq, err)
				}
			}
		}
		if age := time.Since(pending[0].Time); age > r.cfg.LagWarn && time.Since(lagged) > r.cfg.LagWarn {
			lagged = time.Now()
			log.Warn("sink lags", "cursor", cur, "oldest_undelivered_age", age.Round(time.Millisecond).String())
		}
		n, derr := r.handTo(ctx, s, name, pending)
		if n > 0 {
			seq := pending[n-1].Seq
			if err := r.advance(ctx, name, seq, fence); err != nil {
				if coffer.ErrorCode(err) == coffer.ECONFLICT {
					log.Warn("lease lost: stopping", "err", err)
					return errLeaseLost
				}
				if ctx.Err() != nil {
					return nil
				}
				// Delivered but not recorded: the next advance records it, or a restart
				// delivers these again, which at least once allows.
				log.Warn("advance cursor", "err", err)
			}
			cur = seq
			pending = pending[n:]
			r.mu.Lock()
			state.Delivered += uint64(n)
			r.mu.Unlock()
			advanced(cur)
			if r.cfg.Advanced != nil {
				r.cfg.Advanced(name, cur)
			}
		}
		if derr == nil {
			if failures > 0 {
				if failures > 1 {
					log.Info("sink recovered", "cursor", cur, "failures", failures)
				}
				r.setError(state, nil, time.Time{})
			}
			failures = 0
			continue
		}
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(derr, ErrStop) {
			log.Warn("sink stopped", "cursor", cur, "err", derr)
			r.mu.Lock()
			state.Stopped = true
			state.Failures++
			r.mu.Unlock()
			// The worker ends; a reload starts the sink again once its source returns it.
			return nil
		}
		wait := r.backoff(&failures)
		if re := (*RetryError)(nil); errors.As(derr, &re) {
			wait = time.Until(re.At)
		}
		next := time.Now().Add(wait)
		r.setError(state, derr, next)
		// One failure that the next attempt mends is routine (a connection replaced); a second
		// in a row is worth a line, and then every tenth.
		if failures == 2 || failures%10 == 0 {
			log.Warn("deliver", "err", derr, "cursor", cur, "failures", failures, "retry_in", wait.Round(time.Millisecond).String())
		}
		if !r.pause(ctx, wait) {
			return nil
		}
	}
}

// backoff counts a failure and returns how long to wait: RetryMin doubling to RetryMax, with
// jitter of up to half, so many sinks failing at once do not retry in step.
func (r *Relay) backoff(failures *int) time.Duration {
	*failures++
	d := r.cfg.RetryMin
	for i := 1; i < *failures && d < r.cfg.RetryMax; i++ {
		d *= 2
	}
	d = min(d, r.cfg.RetryMax)
	return d/2 + rand.N(d/2+1)
}

// pause waits d or until ctx ends; it reports whether to go on.
func (r *Relay) pause(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (r *Relay) sinkState(name string) *sinkState {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.status[name]
	if !ok {
		st = &sinkState{}
		r.status[name] = st
	}
	st.Stopped = false
	return st
}

func (r *Relay) setError(st *sinkState, err error, next time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		st.LastError, st.NextAttempt = "", time.Time{}
		return
	}
	st.LastError, st.LastErrorAt, st.NextAttempt = err.Error(), time.Now().UTC(), next.UTC()
	st.Failures++
}
