package inbox_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/inbox"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// waitMax bounds every wait of a test for a reply or a dead letter: far longer than any of them
// takes, so that a test that waits this long has found a message lost.
const waitMax = 60 * time.Second

// testLogger discards logs unless COFFER_TEST_LOG is set, when it writes them to stderr.
func testLogger() *slog.Logger {
	if os.Getenv("COFFER_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// world is a ledger on a store, served by the HTTP API's command dispatcher, with the assets
// USD (scale 2) and GOLD (scale 0).
type world struct {
	store  coffer.Store
	server *httpapi.Server
}

func newWorld(t *testing.T, store coffer.Store) *world {
	t.Helper()
	l := ledger.New(store, ledger.Config{Logger: testLogger(),
		ExchangePairs: map[string]ledger.RateBand{ledger.AnyPair: {Min: "0.0001", Max: "10000"}}})
	t.Cleanup(func() { l.Close() })
	w := &world{store: store, server: httpapi.New(httpapi.Config{Ledger: l, Logger: testLogger()})}
	for _, body := range []string{`{"code":"USD","scale":2}`, `{"code":"GOLD","scale":0}`} {
		status, answer := w.server.Command(context.Background(), coffer.RoleAdmin,
			client.Command{ID: "asset", Type: client.CommandCreateAsset, Body: json.RawMessage(body)})
		if status != 201 {
			t.Fatalf("create asset %s: %d %s", body, status, answer)
		}
	}
	return w
}

// sqliteWorld is a world on a fresh SQLite store.
func sqliteWorld(t *testing.T) *world { return newWorld(t, testdb.SQLite(t)) }

// balance returns the balance of owner's wallet in asset, formatted, "" if there is none.
func (w *world) balance(t *testing.T, owner, asset string) string {
	t.Helper()
	a, err := w.store.Account(context.Background(), coffer.AccountID(coffer.KindWallet, owner, asset))
	if coffer.ErrorCode(err) == coffer.ENOTFOUND {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	as, err := w.store.Asset(context.Background(), asset)
	if err != nil {
		t.Fatal(err)
	}
	return a.Balance().Format(as.Scale)
}

// options are what a test sets of a consumer's configuration.
type options struct {
	secret   string
	bytesMax int
	role     coffer.Role
	prefetch int
}

// reply is a reply as a test reads it.
type reply struct {
	status  int
	body    []byte
	command string // HeaderCommandID
}

// deadLetter is a dead letter as a test reads it.
type deadLetter struct {
	body    []byte
	headers map[string]string
}

// broker is one broker's way of sending commands and reading what comes back, so that the
// scenarios run the same on RabbitMQ and Kafka.
type broker interface {
	// send publishes a command message with its correlation id and extra headers.
	send(t *testing.T, corr string, body []byte, headers map[string]string)
	// reply waits for the reply with the correlation id.
	reply(t *testing.T, corr string) reply
	// dead waits for the next dead letter.
	dead(t *testing.T) deadLetter
}

// mailbox keeps the replies read so far by correlation id, for tests to wait on.
type mailbox struct {
	mu      sync.Mutex
	replies map[string][]reply
	changed chan struct{} // closed and replaced when a reply arrives
}

func newMailbox() *mailbox {
	return &mailbox{replies: map[string][]reply{}, changed: make(chan struct{})}
}

func (m *mailbox) put(corr string, r reply) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.replies[corr] = append(m.replies[corr], r)
	close(m.changed)
	m.changed = make(chan struct{})
}

// take waits for a reply to corr and removes it.
func (m *mailbox) take(t *testing.T, corr string) reply {
	t.Helper()
	timeout := time.NewTimer(waitMax)
	defer timeout.Stop()
	for {
		m.mu.Lock()
		if rs := m.replies[corr]; len(rs) > 0 {
			m.replies[corr] = rs[1:]
			m.mu.Unlock()
			return rs[0]
		}
		changed := m.changed
		m.mu.Unlock()
		select {
		case <-changed:
		case <-timeout.C:
			t.Fatalf("no reply to %s within %s", corr, waitMax)
		}
	}
}

// uniqueName returns a name for the test's queues and topics that no other test uses.
func uniqueName(t *testing.T) string {
	b := make([]byte, 4)
	rand.Read(b)
	name := regexp.MustCompile(`[^a-zA-Z0-9]+`).ReplaceAllString(t.Name(), "-")
	return "coffer.test." + strings.ToLower(name) + "." + hex.EncodeToString(b)
}

// command is the JSON of a command envelope.
func command(id, typ, target, body string) []byte {
	c := client.Command{ID: id, Type: typ, Target: target}
	if body != "" {
		c.Body = json.RawMessage(body)
	}
	out, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	return out
}

// errorCode returns the code of an error answer, "" if it is not one.
func errorCode(body []byte) string {
	var er client.ErrorResponse
	if json.Unmarshal(body, &er) != nil {
		return ""
	}
	return er.Error.Code
}

// signed returns the headers that sign body with secret at t.
func signed(secret string, t time.Time, body []byte) map[string]string {
	ts, sig := inbox.Sign(secret, t, body)
	return map[string]string{inbox.HeaderTimestamp: ts, inbox.HeaderSignature: sig}
}
