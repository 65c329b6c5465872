package outbox_test

// What the broker sinks' tests share: the messages of real ledger traffic, the loop that
// delivers them as the relay does, the check of what a consumer read back, and the private
// broker processes the restart tests stop and start.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/outbox"
	"github.com/cofferhq/coffer/sqlite"
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

// testMessages is the number of messages each sink's delivery test sends.
const testMessages = 10_000

var (
	trafficOnce sync.Once
	traffic     []outbox.Message
	trafficErr  error
)

// ledgerMessages returns the first n messages of the event stream of real ledger traffic on a
// fresh SQLite store: an asset, wallets opened by deposits, payments with fees to merchants,
// holds captured or released. They are made once per test binary and shared (read-only).
func ledgerMessages(t testing.TB, n int) []outbox.Message {
	t.Helper()
	trafficOnce.Do(func() { traffic, trafficErr = makeTraffic(testMessages) })
	if trafficErr != nil {
		t.Fatal(trafficErr)
	}
	if n > len(traffic) {
		t.Fatalf("asked for %d messages, have %d", n, len(traffic))
	}
	return traffic[:n]
}

func makeTraffic(n int) ([]outbox.Message, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "coffer-outbox-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	store, err := sqlite.Open(ctx, filepath.Join(dir, "coffer.db"))
	if err != nil {
		return nil, err
	}
	defer store.Close()
	l := ledger.New(store, ledger.Config{})
	defer l.Close()
	if _, err := l.Do(ctx, ledger.CreateAsset{Code: "USD", Scale: 2}); err != nil {
		return nil, err
	}
	amt := coffer.AmountFromInt64
	var last uint64
	for round := 0; last < uint64(n)+1; round++ {
		var cmds []ledger.Command
		for i := range 100 {
			owner := fmt.Sprint("u", (round*100+i)%300)
			id := fmt.Sprintf("r%d-%d", round, i)
			cmds = append(cmds,
				ledger.Deposit{ID: id + "-dep", Owner: owner, Asset: "USD", Amount: amt(10_000)},
				ledger.Pay{ID: id + "-pay", Owner: owner, Merchant: fmt.Sprint("shop-", i%7), Asset: "USD", Amount: amt(500), Fee: amt(15)},
				ledger.Hold{ID: id + "-hold", Owner: owner, Asset: "USD", Amount: amt(300), Merchant: "shop-1"})
		}
		if err := doAll(ctx, l, cmds); err != nil {
			return nil, err
		}
		cmds = cmds[:0]
		for i := range 100 {
			hold := fmt.Sprintf("r%d-%d-hold", round, i)
			if i%2 == 0 {
				cmds = append(cmds, ledger.PostTransfer{TransferID: hold})
			} else {
				cmds = append(cmds, ledger.VoidTransfer{TransferID: hold})
			}
		}
		if err := doAll(ctx, l, cmds); err != nil {
			return nil, err
		}
		for { // find the last seq, a page at a time
			evs, err := store.Events(ctx, last, coffer.PageSizeMax)
			if err != nil {
				return nil, err
			}
			if len(evs) == 0 {
				break
			}
			last = evs[len(evs)-1].Seq
		}
	}
	msgs := make([]outbox.Message, 0, n)
	for after := uint64(0); len(msgs) < n; {
		evs, err := store.Events(ctx, after, coffer.PageSizeMax)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			if len(msgs) == n {
				break
			}
			m, err := outbox.NewMessage(e)
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, m)
			after = e.Seq
		}
	}
	return msgs, nil
}

func doAll(ctx context.Context, l *ledger.Ledger, cmds []ledger.Command) error {
	for i, o := range l.DoAll(ctx, cmds) {
		if o.Err != nil {
			return fmt.Errorf("command %d (%T): %w", i, cmds[i], o.Err)
		}
	}
	return nil
}

// deliverAll sends msgs through s in batches as the relay does: it moves past what Deliver
// acknowledged and, on an error, waits (until RetryError.At when there is one) and sends again
// from the first unacknowledged message. It fails the test when it has not finished by the
// deadline. It returns the errors Deliver returned.
func deliverAll(t testing.TB, s outbox.Sink, msgs []outbox.Message, batch int, within time.Duration) []error {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(within)
	var errs []error
	for pos := 0; pos < len(msgs); {
		if time.Now().After(deadline) {
			t.Fatalf("%s: delivered %d of %d messages in %s; errors: %v", s.Name(), pos, len(msgs), within, errs)
		}
		n, err := s.Deliver(ctx, msgs[pos:min(pos+batch, len(msgs))])
		if n < 0 || n > batch {
			t.Fatalf("%s: Deliver acknowledged %d of a batch of %d", s.Name(), n, batch)
		}
		pos += n
		if err != nil {
			errs = append(errs, err)
			wait := 100 * time.Millisecond
			if re, ok := errors.AsType[*outbox.RetryError](err); ok {
				wait = time.Until(re.At)
			}
			time.Sleep(max(wait, 0))
		}
	}
	return errs
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
