// Package ledger holds Coffer's money rules: validation, posting, holds, idempotency, and the
// batched write path that applies them. It reads and writes through a coffer.Store.
package ledger

import (
	"context"
	"errors"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"log/slog"
	"sync"
	"time"

	"github.com/cofferhq/coffer"
)

// Config tunes the write path. The zero value of a field means its default.
type Config struct {
	// BatchSizeMax caps the commands written in one database transaction. Default 1000: larger
	// batches add latency to every command in them for little more throughput.
	BatchSizeMax int
	// BatchWait is how long a writer that has commands waits for more before it writes a batch
	// that is not full. Default 0: it writes at once, and under load the queue fills while the
	// previous batch commits anyway.
	BatchWait time.Duration
	// Writers is how many batches may be in flight at once. One suits SQLite, which has a single
	// writer; PostgreSQL overlaps the commit wait of one batch with the work of the next.
	Writers int
	// QueueMax caps the commands waiting for a writer; Do blocks (until its context ends) beyond it.
	QueueMax int
	// RetriesMax caps how often a batch that lost a race with another process is run again.
	RetriesMax int
	// ExchangePairs bounds the rate of every pair that may be exchanged, keyed "FROM/TO": the
	// band of rates, in units of TO per unit of FROM. An exchange of a pair without a band is
	// refused, and so is one whose rate, given or implied by its counter amount, is outside the
	// band. The key AnyPair ("*/*") bounds every pair without a band of its own: for test and
	// load-test servers, whose assets come and go; a production server lists its pairs.
	// Default: none, so no exchange is allowed.
	ExchangePairs map[string]RateBand
	// ExchangePoolFloor is how low each asset's exchange pool (system:exchange:<asset>) may go
	// when it pays an exchange out, in minor units, keyed by asset code. Default 0: a pool pays
	// out only what it holds, and an admin funds it with an adjustment that credits it from the
	// world account. A negative floor lets the pool owe that much.
	ExchangePoolFloor map[string]coffer.Amount
	// Committed, if set, is called after each batch commits, from the writer that committed it:
	// the relay wakes on it instead of waiting for its next look at the events table. It must
	// return at once.
	Committed func()
	// Observer, if set, is told each command's outcome and each batch's size and time: the
	// metrics' hook. Default: none.
	Observer Observer
	// Tracer, if set, makes a span of each command (a child of its caller's), of each batch
	// (linked to the spans of the commands it carries) and of each database write of a batch.
	// Default: none.
	Tracer trace.Tracer
	// Now is the clock; tests set it to move time.
	Now    func() time.Time
	Logger *slog.Logger
}

// Observer is told what the write path did. The writers call it after each batch, so its
// methods must return at once and be safe for concurrent use.
type Observer interface {
	// Command is called once for each command of a batch, after the batch committed or failed:
	// kind is the command's kind (Kind), outcome one of OutcomeApplied, OutcomeRejected,
	// OutcomeReplayed, OutcomeConflict and OutcomeFailed, and code the rejection's error code
	// (empty unless rejected).
	Command(c Command, kind, outcome, code string)
	// Batch is called once per batch: how many commands it held, how long it took from its
	// first attempt to its commit (or to giving up), how often it was run again after losing
	// a race, and whether it failed.
	Batch(size int, took time.Duration, retries int, failed bool)
}

// The outcomes of a command that an Observer is told.
const (
	OutcomeApplied  = "applied"  // done and recorded
	OutcomeRejected = "rejected" // refused by a rule and recorded, with its code
	OutcomeReplayed = "replayed" // its id was recorded with the same parameters: the first outcome returned
	OutcomeConflict = "conflict" // its id was recorded with other parameters
	OutcomeFailed   = "failed"   // its batch failed: nothing recorded, retry with the same id
)

// Kind returns the command's kind as operations record it ("deposit", "transfer.post", ...).
func Kind(c Command) string { return c.kind() }

// Validate checks the settings that have no default to fall back on: the exchange pairs, their
// bands and the pool floors' asset codes.
func (c Config) Validate() error {
	_, err := newExchangePolicy(&c)
	return err
}

const (
	batchSizeMaxDefault = 1000
	writersDefault      = 1
	queueMaxDefault     = 10000
	retriesMaxDefault   = 20
)

func (c *Config) setDefaults() {
	if c.BatchSizeMax <= 0 {
		c.BatchSizeMax = batchSizeMaxDefault
	}
	if c.Writers <= 0 {
		c.Writers = writersDefault
	}
	if c.QueueMax <= 0 {
		c.QueueMax = queueMaxDefault
	}
	if c.RetriesMax <= 0 {
		c.RetriesMax = retriesMaxDefault
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Tracer == nil {
		c.Tracer = noop.NewTracerProvider().Tracer("")
	}
}

// Ledger applies commands through batches. It is safe for concurrent use.
type Ledger struct {
	store coffer.Store
	cfg   Config
	queue chan *request

	mu     sync.RWMutex // guards closed against sends on queue
	closed bool
	wg     sync.WaitGroup

	assets   sync.Map // code -> coffer.Asset; assets never change once created
	exchange *exchangePolicy
}

// Outcome is the result of one command of DoAll.
type Outcome struct {
	Result *Result
	Err    error
}

type request struct {
	cmd  Command
	done chan Outcome
	span trace.Span // the command's
}

// New returns a Ledger writing to store and starts its writers. Close stops them. It panics if
// cfg.Validate fails: check a configuration from outside the program first.
func New(store coffer.Store, cfg Config) *Ledger {
	cfg.setDefaults()
	exchange, err := newExchangePolicy(&cfg)
	if err != nil {
		panic("ledger: " + err.Error())
	}
	l := &Ledger{store: store, cfg: cfg, queue: make(chan *request, cfg.QueueMax), exchange: exchange}
	for range cfg.Writers {
		l.wg.Add(1)
		go l.write()
	}
	return l
}

// Store returns the store the ledger writes to.
func (l *Ledger) Store() coffer.Store { return l.store }

// Now is the ledger's clock: what it dates its writes with.
func (l *Ledger) Now() time.Time { return l.cfg.Now() }

// Do applies one command and returns its outcome: a *Result, or an error whose coffer.ErrorCode
// says why it was rejected. A rejection is final for that operation id; EUNAVAILABLE and
// EINTERNAL are not recorded, and the same id may be sent again.
func (l *Ledger) Do(ctx context.Context, cmd Command) (*Result, error) {
	out := l.DoAll(ctx, []Command{cmd})
	return out[0].Result, out[0].Err
}

// DoAll applies independent commands, each under its own operation id, and returns an outcome
// for each in the same order. They are queued together so they usually share one batch, but one
// command's rejection never affects another. A command whose operation id is missing or too
// long, or with an id of its sender's that holds coffer.DerivedSep, is refused as invalid before
// it is queued, and its id is not used up.
func (l *Ledger) DoAll(ctx context.Context, cmds []Command) []Outcome {
	out := make([]Outcome, len(cmds))
	reqs := make([]*request, len(cmds))
	for i, c := range cmds {
		if id := c.OperationID(); id == "" || len(id) > coffer.OperationIDLengthMax {
			out[i].Err = coffer.Errorf(coffer.EINVALID, "an operation id of 1 to %d characters is required", coffer.OperationIDLengthMax)
		} else if err := checkClientIDs(c); err != nil {
			out[i].Err = err
		}
	}
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		for i := range out {
			out[i].Err = coffer.Errorf(coffer.EUNAVAILABLE, "the ledger is shutting down; retry with the same id")
		}
		return out
	}
	for i, c := range cmds {
		if out[i].Err != nil {
			continue
		}
		_, span := l.cfg.Tracer.Start(ctx, "ledger.command", trace.WithSpanKind(trace.SpanKindInternal))
		if span.IsRecording() { // without tracing, nothing is built for it on the hot path
			span.SetAttributes(attribute.String("coffer.command", c.kind()), attribute.String("coffer.operation_id", c.OperationID()))
		}
		reqs[i] = &request{cmd: c, done: make(chan Outcome, 1), span: span}
		select {
		case l.queue <- reqs[i]:
		case <-ctx.Done():
			l.mu.RUnlock()
			reqs[i].span.End()
			for j := i; j < len(cmds); j++ {
				if out[j].Err == nil {
					out[j].Err = coffer.Errorf(coffer.EUNAVAILABLE, "not queued before the request ended: %v", ctx.Err())
				}
				reqs[j] = nil
			}
			return l.collect(reqs, out)
		}
	}
	l.mu.RUnlock()
	return l.collect(reqs, out)
}

// collect waits for every queued request. It waits even past the caller's context: a queued
// command will be written, and its caller must learn the outcome to know whether to retry.
func (l *Ledger) collect(reqs []*request, out []Outcome) []Outcome {
	for i, r := range reqs {
		if r != nil {
			out[i] = <-r.done
			if err := out[i].Err; err != nil {
				r.span.SetAttributes(attribute.String("coffer.error_code", string(coffer.ErrorCode(err))))
				if code := coffer.ErrorCode(err); code == coffer.EUNAVAILABLE || code == coffer.EINTERNAL {
					r.span.SetStatus(codes.Error, err.Error())
				}
			}
			r.span.End()
		}
	}
	return out
}

// Queued returns how many commands wait for a writer.
func (l *Ledger) Queued() int { return len(l.queue) }

// Close stops accepting commands, writes those already queued, and waits for the writers.
func (l *Ledger) Close() error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.queue)
	}
	l.mu.Unlock()
	l.wg.Wait()
	return nil
}

// write is one writer: it takes what is queued, up to BatchSizeMax, and writes it as one batch.
// Unless BatchWait is set it never waits to fill a batch; under load the queue fills while the
// previous batch commits, so batches grow with the load and latency stays low when it is light.
func (l *Ledger) write() {
	defer l.wg.Done()
	reqs := make([]*request, 0, l.cfg.BatchSizeMax)
	var wait *time.Timer // nil unless BatchWait is set
	var waited <-chan time.Time
	if l.cfg.BatchWait > 0 {
		wait = time.NewTimer(l.cfg.BatchWait)
		waited = wait.C
	}
	for r := range l.queue {
		reqs = append(reqs[:0], r)
		if wait != nil {
			wait.Reset(l.cfg.BatchWait)
		}
	fill:
		for len(reqs) < l.cfg.BatchSizeMax {
			select {
			case r, ok := <-l.queue:
				if !ok {
					break fill
				}
				reqs = append(reqs, r)
				continue
			default:
			}
			if wait == nil {
				break fill
			}
			select {
			case r, ok := <-l.queue:
				if !ok {
					break fill
				}
				reqs = append(reqs, r)
			case <-waited:
				break fill
			}
		}
		l.run(reqs)
	}
}

// run writes one batch, running it again when it lost a race with another writer, and hands each
// request its outcome.
func (l *Ledger) run(reqs []*request) {
	cmds := make([]Command, len(reqs))
	for i, r := range reqs {
		cmds[i] = r.cmd
	}
	var outs []Outcome
	var err error
	// how is each command's outcome for the Observer, filled by the attempt that commits.
	var how []string
	if l.cfg.Observer != nil {
		how = make([]string, len(cmds))
	}
	var links []trace.Link
	for _, r := range reqs {
		if sc := r.span.SpanContext(); sc.IsValid() { // only when tracing
			links = append(links, trace.Link{SpanContext: sc})
		}
	}
	ctx, span := l.cfg.Tracer.Start(context.Background(), "ledger.batch", trace.WithLinks(links...))
	span.SetAttributes(attribute.Int("coffer.batch_size", len(reqs)))
	defer span.End()
	start := time.Now()
	attempt := 0
	for ; ; attempt++ {
		outs, err = l.writeBatch(ctx, cmds, how)
		if err == nil || !errors.Is(err, coffer.ErrRetry) || attempt >= l.cfg.RetriesMax {
			break
		}
	}
	if o := l.cfg.Observer; o != nil {
		l.observe(o, cmds, outs, how, err)
		o.Batch(len(cmds), time.Since(start), attempt, err != nil)
	}
	span.SetAttributes(attribute.Int("coffer.batch_retries", attempt))
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
		// Logged here, once: callers get only an unavailable error, since whether to retry is
		// all they can act on. Nothing was committed, or the commit's answer was lost; either
		// way a retry with the same ids is safe and returns the outcome.
		l.cfg.Logger.Error("write batch", "commands", len(cmds), "err", err)
		for _, r := range reqs {
			r.done <- Outcome{Err: coffer.Errorf(coffer.EUNAVAILABLE, "the write could not be completed; retry with the same id")}
		}
		return
	}
	for i, r := range reqs {
		r.done <- outs[i]
	}
}

// observe tells o each command's outcome.
func (l *Ledger) observe(o Observer, cmds []Command, outs []Outcome, how []string, err error) {
	for i, c := range cmds {
		outcome, code := OutcomeFailed, ""
		if err == nil {
			switch outcome = how[i]; outcome {
			case "":
				outcome = OutcomeFailed // an error that is no rule: the command was not recorded
			case OutcomeRejected:
				code = coffer.ErrorCode(outs[i].Err)
			}
		}
		o.Command(c, c.kind(), outcome, code)
	}
}
