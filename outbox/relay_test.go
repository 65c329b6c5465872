package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/duty"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/outbox"
)

// relayStore is what a relay test needs of a store.
type relayStore interface {
	coffer.Store
	coffer.LeaseStore
	coffer.CursorStore
}

// recorder is a sink that keeps what it is given. It fails now and then on purpose, after
// taking only part of a batch, as a broker that loses its connection mid-batch would; it is the
// receiving end of the relay under test, not a stand-in for a broker (the broker sinks have
// their own tests against real brokers).
type recorder struct {
	name string

	mu      sync.Mutex
	got     []outbox.Message
	calls   int
	failing func(call int) bool // whether call number call fails after half its batch
	block   chan struct{}       // if set, Deliver waits for it to close
	changed chan struct{}       // closed and replaced on every delivery
}

func newRecorder(name string) *recorder {
	return &recorder{name: name, changed: make(chan struct{})}
}

func (r *recorder) Name() string { return r.name }
func (r *recorder) Close() error { return nil }

func (r *recorder) Deliver(ctx context.Context, msgs []outbox.Message) (int, error) {
	if r.block != nil {
		select {
		case <-r.block:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	n := len(msgs)
	var err error
	if r.failing != nil && r.failing(r.calls) {
		n, err = len(msgs)/2, errors.New("connection lost")
	}
	r.got = append(r.got, msgs[:n]...)
	close(r.changed)
	r.changed = make(chan struct{})
	return n, err
}

// waitSeq waits until the recorder has a message with seq or later.
func (r *recorder) waitSeq(t *testing.T, seq uint64) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		r.mu.Lock()
		done := len(r.got) > 0 && r.got[len(r.got)-1].Seq >= seq
		ch := r.changed
		r.mu.Unlock()
		if done {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("sink %s: no event %d within 30 s", r.name, seq)
		}
	}
}

// checkStream checks that the recorder got every event from 1 to last, in order, with
// duplicates only as repeats of a tail it had already been given.
func (r *recorder) checkStream(t *testing.T, last uint64) (dups int) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var next uint64 = 1
	for _, m := range r.got {
		switch {
		case m.Seq == next:
			next++
		case m.Seq < next:
			dups++ // a repeat: the consumer drops it by id
		default:
			t.Fatalf("sink %s: event %d arrived before %d", r.name, m.Seq, next)
		}
		if m.ID != coffer.EventID(m.Seq) || len(m.Body) == 0 {
			t.Fatalf("sink %s: message %+v", r.name, m)
		}
	}
	if next != last+1 {
		t.Fatalf("sink %s: got events up to %d, want %d", r.name, next-1, last)
	}
	return dups
}

type fixture struct {
	store  relayStore
	ledger *ledger.Ledger
	relay  *outbox.Relay
	moved  *cursors
}

func setup(t *testing.T, kind testdb.Kind, sinks ...outbox.Sink) *fixture {
	t.Helper()
	s := kind.Open(t).(relayStore)
	f := &fixture{store: s, moved: newCursors()}
	f.relay = outbox.New(outbox.Config{Store: s, Sinks: sinks, BatchMax: 100, RetryMin: time.Millisecond, RetryMax: 5 * time.Millisecond,
		Advanced: f.moved.advanced, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	f.ledger = ledger.New(s, ledger.Config{Committed: f.relay.Notify})
	t.Cleanup(func() { f.ledger.Close() })
	if _, err := f.ledger.Do(t.Context(), ledger.CreateAsset{Code: "USD", Scale: 2}); err != nil {
		t.Fatal(err)
	}
	return f
}

// run starts the relay under a duty runner and returns a function that stops it.
func (f *fixture) run(t *testing.T) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	r := duty.New(duty.Config{Store: f.store, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}, duty.Duty{Name: "relay", Run: f.relay.Run})
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx)
	}()
	stop = func() {
		cancel()
		<-done
	}
	t.Cleanup(stop)
	return stop
}

// deposit makes n deposits of 1.00 and returns the last event's seq.
func (f *fixture) deposit(t *testing.T, prefix string, n int) uint64 {
	t.Helper()
	cmds := make([]ledger.Command, n)
	for i := range cmds {
		cmds[i] = ledger.Deposit{ID: fmt.Sprintf("%s-%d", prefix, i), Owner: fmt.Sprint("u", i%7), Asset: "USD", Amount: coffer.AmountFromInt64(100)}
	}
	for _, o := range f.ledger.DoAll(t.Context(), cmds) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
	}
	last, err := f.store.LastEventSeq(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return last
}

// TestRelayDelivers sends real ledger traffic through the relay to two sinks, one of which
// fails every third delivery halfway through its batch: both get every event in order, the
// failing one with repeats only of what it had not acknowledged, and both cursors end at the
// last event.
func TestRelayDelivers(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			good, flaky := newRecorder("good"), newRecorder("flaky")
			flaky.failing = func(call int) bool { return call%3 == 0 }
			f := setup(t, kind, good, flaky)
			f.run(t)
			var last uint64
			for round := range 5 {
				last = f.deposit(t, fmt.Sprint("d", round), 300)
			}
			good.waitSeq(t, last)
			flaky.waitSeq(t, last)
			if dups := good.checkStream(t, last); dups != 0 {
				t.Errorf("a sink that never failed got %d repeats", dups)
			}
			if dups := flaky.checkStream(t, last); dups != 0 {
				t.Errorf("the failing sink got %d repeats; its acknowledged prefix should never be sent again", dups)
			}
			f.moved.wait(t, f.store, "good", last)
			f.moved.wait(t, f.store, "flaky", last)
		})
	}
}

// TestRelaySlowSinkHoldsUpNoOne blocks one sink: the other gets everything, and the blocked one
// everything too once it is released.
func TestRelaySlowSinkHoldsUpNoOne(t *testing.T) {
	stuck, free := newRecorder("stuck"), newRecorder("free")
	stuck.block = make(chan struct{})
	f := setup(t, testdb.Kinds()[0], stuck, free)
	f.run(t)
	last := f.deposit(t, "d", 500)
	f.moved.wait(t, f.store, "free", last)
	free.checkStream(t, last)
	st, err := f.relay.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.Name == "stuck" && (s.Behind != last || s.OldestUndelivered.IsZero()) {
			t.Errorf("status of the stuck sink: %+v, want %d behind", s, last)
		}
		if s.Name == "free" && (s.Behind != 0 || s.Cursor != last) {
			t.Errorf("status of the free sink: %+v", s)
		}
	}
	close(stuck.block)
	stuck.waitSeq(t, last)
	stuck.checkStream(t, last)
}

// TestRelayRestartResumes stops the relay mid-stream and starts another on the same store: it
// goes on from the cursor, repeating at most one unacknowledged batch.
func TestRelayRestartResumes(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			sink := newRecorder("s")
			f := setup(t, kind, sink)
			stop := f.run(t)
			first := f.deposit(t, "a", 400)
			sink.waitSeq(t, first)
			stop()
			last := f.deposit(t, "b", 400) // committed while no relay runs
			f.relay = outbox.New(outbox.Config{Store: f.store, Sinks: []outbox.Sink{sink}, BatchMax: 100})
			f.run(t)
			sink.waitSeq(t, last)
			if dups := sink.checkStream(t, last); dups > 100 {
				t.Errorf("%d repeats after a restart; at most one batch (100) may repeat", dups)
			}
		})
	}
}

// cursors follows the cursor moves the relay reports through Config.Advanced.
type cursors struct {
	mu      sync.Mutex
	seq     map[string]uint64
	changed chan struct{}
}

func newCursors() *cursors { return &cursors{seq: map[string]uint64{}, changed: make(chan struct{})} }

func (c *cursors) advanced(sink string, seq uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq[sink] = seq
	close(c.changed)
	c.changed = make(chan struct{})
}

// wait waits until the sink's cursor has moved to seq, then checks the store has it there.
func (c *cursors) wait(t *testing.T, s coffer.CursorStore, sink string, seq uint64) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		c.mu.Lock()
		got, ch := c.seq[sink], c.changed
		c.mu.Unlock()
		if got == seq {
			break
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("cursor of %s at %d, want %d", sink, got, seq)
		}
	}
	if cur, err := s.Cursor(t.Context(), sink); err != nil || cur.Seq != seq {
		t.Fatalf("stored cursor of %s: %+v %v, want %d", sink, cur, err, seq)
	}
}
