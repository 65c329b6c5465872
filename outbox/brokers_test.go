package outbox_test

// What the broker sinks' tests share: real ledger traffic on SQLite driven through the relay to
// the sink under test, the check of what a consumer read back, and the checks of a sink whose
// broker is down.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/outbox"
)

// The env variables that name the shared brokers. Set, the suites run and fail when the
// broker does not answer; unset, they skip.
const (
	envAMQP = "COFFER_TEST_AMQP"
	envNATS = "COFFER_TEST_NATS"
)

// brokerURL returns the URL in env, or skips the test.
func brokerURL(t testing.TB, env string) string {
	t.Helper()
	u := os.Getenv(env)
	if u == "" {
		t.Skipf("%s is not set: no broker to test against (make test sets it)", env)
	}
	return u
}

// testMessages is about the number of events each sink's delivery test sends.
const testMessages = 10_000

// newRelayRig returns a relay on a fresh SQLite store with an asset, delivering to sink with
// the relay's default batches (500), and the ledger that writes the store, which wakes the
// relay at each commit. Start it with run.
func newRelayRig(t *testing.T, sink outbox.Sink) *fixture {
	t.Helper()
	s := testdb.SQLite(t).(relayStore)
	f := &fixture{store: s, moved: newCursors()}
	f.relay = outbox.New(outbox.Config{Store: s, Sinks: []outbox.Sink{sink}, RetryMin: 50 * time.Millisecond,
		RetryMax: 2 * time.Second, Advanced: f.moved.advanced, Logger: testLogger(t)})
	f.ledger = ledger.New(s, ledger.Config{Committed: f.relay.Notify})
	t.Cleanup(func() { f.ledger.Close() })
	if _, err := f.ledger.Do(t.Context(), ledger.CreateAsset{Code: "USD", Scale: 2}); err != nil {
		t.Fatal(err)
	}
	return f
}

// traffic commits real ledger traffic until at least n more events are in the store: wallets
// opened by deposits, payments with fees to merchants, holds captured or released. It returns
// the last event's seq.
func (f *fixture) traffic(t *testing.T, n int) uint64 {
	t.Helper()
	ctx := t.Context()
	first, err := f.store.LastEventSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	amt := coffer.AmountFromInt64
	for last := first; ; {
		if last >= first+uint64(n) {
			return last
		}
		var cmds []ledger.Command
		for i := range 100 {
			owner := fmt.Sprint("u", (int(last)+i)%300)
			id := fmt.Sprintf("e%d-%d", last, i)
			cmds = append(cmds,
				ledger.Deposit{ID: id + "-dep", Owner: owner, Asset: "USD", Amount: amt(10_000)},
				ledger.Pay{ID: id + "-pay", Owner: owner, Merchant: fmt.Sprint("shop-", i%7), Asset: "USD", Amount: amt(500), Fee: amt(15)},
				ledger.Hold{ID: id + "-hold", Owner: owner, Asset: "USD", Amount: amt(300), Merchant: "shop-1"})
		}
		f.doAll(t, cmds)
		cmds = cmds[:0]
		for i := range 100 {
			hold := fmt.Sprintf("e%d-%d-hold", last, i)
			if i%2 == 0 {
				cmds = append(cmds, ledger.PostTransfer{TransferID: hold})
			} else {
				cmds = append(cmds, ledger.VoidTransfer{TransferID: hold})
			}
		}
		f.doAll(t, cmds)
		if last, err = f.store.LastEventSeq(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *fixture) doAll(t *testing.T, cmds []ledger.Command) {
	t.Helper()
	for i, o := range f.ledger.DoAll(t.Context(), cmds) {
		if o.Err != nil {
			t.Fatalf("command %d (%T): %v", i, cmds[i], o.Err)
		}
	}
}

// messages returns the messages of every event in the store, as the relay renders them.
func (f *fixture) messages(t *testing.T) []outbox.Message {
	t.Helper()
	var msgs []outbox.Message
	for after := uint64(0); ; {
		evs, err := f.store.Events(t.Context(), after, coffer.PageSizeMax)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return msgs
		}
		for _, e := range evs {
			m, err := outbox.NewMessage(e)
			if err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, m)
			after = e.Seq
		}
	}
}

// relayAll commits about testMessages events of ledger traffic, runs the relay until sink has
// acknowledged them all, and returns their messages.
func relayAll(t *testing.T, sink outbox.Sink) []outbox.Message {
	t.Helper()
	f := newRelayRig(t, sink)
	last := f.traffic(t, testMessages)
	f.run(t)
	f.moved.wait(t, f.store, sink.Name(), last)
	msgs := f.messages(t)
	if len(msgs) != int(last) {
		t.Fatalf("%d messages for %d events", len(msgs), last)
	}
	return msgs
}

// watched is a sink that records every Deliver the relay makes, to check how it failed.
type watched struct {
	outbox.Sink
	mu    sync.Mutex
	calls []deliverCall
}

type deliverCall struct {
	n    int
	took time.Duration
	err  error
}

func (w *watched) Deliver(ctx context.Context, msgs []outbox.Message) (int, error) {
	start := time.Now()
	n, err := w.Sink.Deliver(ctx, msgs)
	w.mu.Lock()
	w.calls = append(w.calls, deliverCall{n: n, took: time.Since(start), err: err})
	w.mu.Unlock()
	return n, err
}

// count returns the number of calls so far.
func (w *watched) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.calls)
}

// failures waits until at least want calls after the first from failed, and returns them.
func (w *watched) failures(t *testing.T, from, want int, within time.Duration) []deliverCall {
	t.Helper()
	var failed []deliverCall
	waitFor(t, fmt.Sprintf("%d failed deliveries", want), within, func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		failed = failed[:0]
		for _, c := range w.calls[from:] {
			if c.err != nil {
				failed = append(failed, c)
			}
		}
		return len(failed) >= want
	})
	return failed
}

// checkOutage runs the part of a restart test while the broker is down: it commits more
// traffic, waits for the relay's deliveries of it to fail, and checks that each failed within
// limit with a *RetryError, acknowledging nothing. It returns the last event's seq.
func checkOutage(t *testing.T, f *fixture, w *watched, events int, limit time.Duration) uint64 {
	t.Helper()
	from := w.count()
	last := f.traffic(t, events)
	for _, c := range w.failures(t, from, 2, time.Minute) {
		if c.n != 0 {
			t.Errorf("Deliver with the broker down acknowledged %d", c.n)
		}
		if c.took > limit {
			t.Errorf("Deliver with the broker down took %s; the limit is %s", c.took, limit)
		}
		if _, ok := errors.AsType[*outbox.RetryError](c.err); !ok {
			t.Errorf("Deliver with the broker down returned %T %v, not a *RetryError", c.err, c.err)
		}
		t.Logf("broker down: Deliver failed in %s: %v", c.took.Round(time.Millisecond), c.err)
	}
	return last
}

// received is one message as a test's consumer read it back.
type received struct {
	ID   string
	Key  string // Kafka's record key, the subject; "" elsewhere
	Seq  uint64
	Type string
	Body []byte
}

// checkReceived checks that got holds every message of want, in want's order (per key when
// perKey, as a Kafka topic of several partitions keeps it), once each after dropping the
// repeats of ids seen before, with the body, type and seq sent.
func checkReceived(t testing.TB, want []outbox.Message, got []received, perKey bool) {
	t.Helper()
	seen := make(map[string]bool, len(got))
	var unique []received
	for _, r := range got {
		if !seen[r.ID] {
			seen[r.ID] = true
			unique = append(unique, r)
		}
	}
	if len(unique) != len(want) {
		t.Fatalf("read %d messages, %d distinct ids; sent %d", len(got), len(unique), len(want))
	}
	byID := make(map[string]outbox.Message, len(want))
	for _, m := range want {
		byID[m.ID] = m
	}
	for _, r := range unique {
		m, ok := byID[r.ID]
		if !ok {
			t.Fatalf("read %s, which was never sent", r.ID)
		}
		if r.Seq != m.Seq || r.Type != m.Type || string(r.Body) != string(m.Body) {
			t.Fatalf("read %s as seq %d type %q body %s; sent seq %d type %q body %s", r.ID, r.Seq, r.Type, r.Body, m.Seq, m.Type, m.Body)
		}
		if perKey && r.Key != m.Subject {
			t.Fatalf("read %s under key %q; its subject is %q", r.ID, r.Key, m.Subject)
		}
	}
	order := func(key func(string) string) {
		next := map[string][]string{} // per key, the ids still to come, in order
		for _, m := range want {
			k := key(m.Subject)
			next[k] = append(next[k], m.ID)
		}
		for i, r := range unique {
			k := key(r.Key)
			if next[k][0] != r.ID {
				t.Fatalf("message %d read is %s; %s (key %q) was due first", i, r.ID, next[k][0], k)
			}
			next[k] = next[k][1:]
		}
	}
	if perKey {
		order(func(s string) string { return s })
	} else {
		order(func(string) string { return "" })
	}
	if dups := len(got) - len(unique); dups > 0 {
		t.Logf("%d messages read more than once (consumers drop them by id)", dups)
	}
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitFor polls ok every 100ms until it returns true or within passes.
func waitFor(t testing.TB, what string, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tcpUp reports whether something accepts connections on addr.
func tcpUp(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// fastOptions are sink options for the restart tests: short timeouts and backoff, so that a
// broker that is down shows quickly. The sink logs to the test's output.
func fastOptions(t testing.TB) outbox.SinkOptions {
	return outbox.SinkOptions{Logger: testLogger(t), DialTimeout: 2 * time.Second, PublishTimeout: 5 * time.Second,
		RetryMin: 200 * time.Millisecond, RetryMax: 2 * time.Second}
}

// downLimit is how long a Deliver with fastOptions may take while the broker is down: the
// dial timeout and a margin.
const downLimit = 3 * time.Second

// testLogger logs to the test's output, shown with -v or when the test fails.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

// checkDownDeliver sends a batch while the broker is down and checks that Deliver fails within
// limit with a *RetryError whose At is in the future, acknowledging nothing. It returns the
// error and the wait it asks for.
func checkDownDeliver(t *testing.T, s outbox.Sink, msgs []outbox.Message, limit time.Duration) (*outbox.RetryError, time.Duration) {
	t.Helper()
	start := time.Now()
	n, err := s.Deliver(context.Background(), msgs)
	took := time.Since(start)
	if err == nil {
		t.Fatalf("Deliver with the broker down acknowledged %d and returned no error", n)
	}
	if n != 0 {
		t.Errorf("Deliver with the broker down acknowledged %d", n)
	}
	if took > limit {
		t.Errorf("Deliver with the broker down took %s; the limit is %s", took, limit)
	}
	re, ok := errors.AsType[*outbox.RetryError](err)
	if !ok {
		t.Fatalf("Deliver with the broker down returned %T %v, not a *RetryError", err, err)
	}
	wait := re.At.Sub(start.Add(took))
	if wait <= 0 {
		t.Errorf("RetryError.At %s is not after the attempt", re.At)
	}
	t.Logf("broker down: Deliver failed in %s, asks to wait %s: %v", took.Round(time.Millisecond), wait.Round(time.Millisecond), err)
	return re, wait
}
