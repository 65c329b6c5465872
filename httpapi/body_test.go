package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer/httpapi"
)

// TestStrictBodies sends bodies that a gateway, a log or an auditor could read otherwise than
// Coffer would: each is refused with invalid, naming the field in param, and changes nothing.
func TestStrictBodies(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.deposit("d-1", "alice", "USD", "1")
	dep := func(fields string) string { return `{"owner":"alice","asset":"USD"` + fields + `}` }
	cases := []struct {
		name, path, body, param string
	}{
		{"duplicate amount", "/v1/deposits", dep(`,"id":"x","amount":"1.00","amount":"900.00"`), "amount"},
		{"duplicate id", "/v1/deposits", dep(`,"id":"x","id":"y","amount":"1"`), "id"},
		{"duplicate escaped", "/v1/deposits", dep(`,"id":"x","amount":"1","\u0061mount":"900"`), "amount"},
		{"duplicate metadata key", "/v1/deposits", dep(`,"id":"x","amount":"1","metadata":{"k":"a","k":"b"}`), "metadata.k"},
		{"duplicate in a batch item", "/v1/transfers/batch", `{"mode":"independent","transfers":[{"id":"x","id":"y"}]}`, "transfers[0].id"},
		{"upper case name", "/v1/deposits", dep(`,"id":"x","AMOUNT":"1"`), "AMOUNT"},
		{"title case name", "/v1/deposits", dep(`,"id":"x","Amount":"1"`), "Amount"},
		{"long s", "/v1/accounts", `{"kind":"wallet","owner":"zed","aſſet":"USD"}`, "aſſet"},
		{"Kelvin sign", "/v1/accounts", "{\"\u212aind\":\"wallet\",\"owner\":\"zed\",\"asset\":\"USD\"}", "\u212aind"},
		{"id with a lone high surrogate", "/v1/deposits", dep(`,"id":"x\ud800","amount":"1"`), "id"},
		{"id with a lone low surrogate", "/v1/deposits", dep(`,"id":"x\udfff","amount":"1"`), "id"},
		{"id with invalid UTF-8", "/v1/deposits", dep(",\"id\":\"x\xff\",\"amount\":\"1\""), "id"},
		{"source with invalid UTF-8", "/v1/deposits", dep(",\"id\":\"x\",\"amount\":\"1\",\"source\":\"\xc0\x80\""), "source"},
		{"metadata key with a lone surrogate", "/v1/deposits", dep(`,"id":"x","amount":"1","metadata":{"\ud800":"v"}`), "metadata"},
		{"transfer id with a lone surrogate", "/v1/transfers", `{"id":"t\udc00","debit_account_id":"wallet:alice:USD","credit_account_id":"system:fees:USD","amount":"1"}`, "id"},
		{"key name with invalid UTF-8", "/v1/keys", "{\"name\":\"k\xfe\",\"role\":\"reader\"}", "name"},
		{"null field", "/v1/deposits", dep(`,"id":"x","amount":"1","source":null`), "source"},
	}
	before := e.state("alice", "zed")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := e.raw("POST", c.path, adminKey, c.body)
			wantEnvelope(t, status, body, http.StatusBadRequest, "invalid")
			if got := paramOf(t, body); got != c.param {
				t.Errorf("param %q, want %q: %s", got, c.param, body)
			}
		})
	}
	if after := e.state("alice", "zed"); after != before {
		t.Errorf("refused bodies changed\n%s\nto\n%s", before, after)
	}
	// Ids that were once read as the same one (each invalid character replaced by U+FFFD) are
	// still free, and "x" with them.
	e.deposit("x", "alice", "USD", "1")
	e.wantBalance("alice", "USD", "2.00", "2.00", "0.00", "0.00")
}

// paramOf returns the param of an error envelope.
func paramOf(t *testing.T, body []byte) string {
	t.Helper()
	var env struct {
		Error struct {
			Param string `json:"param"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return env.Error.Param
}

// levelLog keeps every record a server logs, with its level, and tells a waiting test when one
// arrives.
type levelLog struct {
	mu      sync.Mutex
	records []logRecord
	arrived chan struct{} // receives (without blocking) on every record
}

type logRecord struct {
	level slog.Level
	text  string
}

func newLevelLog() *levelLog { return &levelLog{arrived: make(chan struct{}, 1)} }

func (l *levelLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *levelLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.Key + "=" + a.Value.String())
		return true
	})
	l.mu.Lock()
	l.records = append(l.records, logRecord{r.Level, b.String()})
	l.mu.Unlock()
	select {
	case l.arrived <- struct{}{}:
	default:
	}
	return nil
}
func (l *levelLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *levelLog) WithGroup(string) slog.Handler      { return l }

// waitFor waits until a record containing all of parts was logged, and returns it. The
// deadline only keeps a broken server from hanging the test.
func (l *levelLog) waitFor(t *testing.T, parts ...string) logRecord {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		l.mu.Lock()
		for _, r := range l.records {
			all := true
			for _, p := range parts {
				all = all && strings.Contains(r.text, p)
			}
			if all {
				l.mu.Unlock()
				return r
			}
		}
		l.mu.Unlock()
		select {
		case <-l.arrived:
		case <-deadline:
			t.Fatalf("no log record with %q", parts)
		}
	}
}

// errors returns the records at level ERROR or above.
func (l *levelLog) errors() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.records {
		if r.level >= slog.LevelError {
			out = append(out, r.text)
		}
	}
	return out
}

// rawConn is one TCP connection to a server, for requests that no HTTP client sends.
type rawConn struct {
	t    *testing.T
	conn *net.TCPConn
	br   *bufio.Reader
}

// dial connects to the server at url. The connection's deadline only keeps a server that never
// answers from hanging the test.
func dial(t *testing.T, url string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(60 * time.Second))
	return &rawConn{t: t, conn: c.(*net.TCPConn), br: bufio.NewReader(c)}
}

func (c *rawConn) write(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// response reads one response.
func (c *rawConn) response() (*http.Response, []byte) {
	c.t.Helper()
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		c.t.Fatalf("read the response: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read the response body: %v", err)
	}
	return resp, body
}

// TestBrokenBodies sends bodies that end before their length, are badly chunked, or whose
// sender hangs up: each is the client's fault, answered 400 invalid when the client can still
// hear it, and logged below ERROR.
func TestBrokenBodies(t *testing.T) {
	t.Parallel()
	e := setup(t)
	logs := newLevelLog()
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Ledger: e.ledger, AdminKey: adminKey, Logger: slog.New(logs)}))
	t.Cleanup(srv.Close)
	auth := "Authorization: Bearer " + adminKey + "\r\n"
	dep := `{"id":"cut","owner":"alice","asset":"USD","amount":"1"}`
	before := e.state("alice")

	answered := []struct {
		name, head, body string
	}{
		{"shorter than its length", "POST /v1/deposits HTTP/1.1\r\nHost: x\r\n" + auth +
			fmt.Sprintf("Content-Length: %d\r\n\r\n", len(dep)+10), dep[:20]},
		{"a whole object shorter than its length", "POST /v1/deposits HTTP/1.1\r\nHost: x\r\n" + auth +
			fmt.Sprintf("Content-Length: %d\r\n\r\n", len(dep)+10), dep},
		{"bad chunk size", "POST /v1/deposits HTTP/1.1\r\nHost: x\r\n" + auth +
			"Transfer-Encoding: chunked\r\n\r\n", "zz\r\n" + dep + "\r\n0\r\n\r\n"},
		{"chunk longer than its size", "POST /v1/deposits HTTP/1.1\r\nHost: x\r\n" + auth +
			"Transfer-Encoding: chunked\r\n\r\n", "4\r\n" + dep + "\r\n0\r\n\r\n"},
		{"chunks cut short", "POST /v1/holds/nope/release HTTP/1.1\r\nHost: x\r\n" + auth +
			"Transfer-Encoding: chunked\r\n\r\n", "10\r\n{\"id\""},
	}
	for _, c := range answered {
		t.Run(c.name, func(t *testing.T) {
			conn := dial(t, srv.URL)
			conn.write(c.head + c.body)
			conn.conn.CloseWrite() // the body ends here, whatever its head said
			resp, body := conn.response()
			wantEnvelope(t, resp.StatusCode, body, http.StatusBadRequest, "invalid")
		})
	}

	// Gone mid-body: nobody hears an answer; the server logs the request and nothing at ERROR.
	conn := dial(t, srv.URL)
	conn.write("POST /v1/deposits HTTP/1.1\r\nHost: x\r\n" + auth + "X-Request-Id: gone-mid-body\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n\r\n", len(dep)) + dep[:10])
	conn.conn.SetLinger(0) // a reset, as a crashed client's kernel sends
	conn.conn.Close()
	r := logs.waitFor(t, "request_id=gone-mid-body", "status=")
	if r.level >= slog.LevelError {
		t.Errorf("a client gone mid-body is logged at %s: %s", r.level, r.text)
	}
	if errs := logs.errors(); len(errs) > 0 {
		t.Errorf("broken bodies logged at ERROR: %q", errs)
	}
	if after := e.state("alice"); after != before {
		t.Errorf("broken bodies changed\n%s\nto\n%s", before, after)
	}
}

// TestBatchRefusedAsItsLimitPasses sends a batch whose body announces 4 MiB and sends one item
// more than a batch may have: the answer comes before the rest of the body is sent, so the
// server decoded no further than the limit.
func TestBatchRefusedAsItsLimitPasses(t *testing.T) {
	t.Parallel()
	e := setup(t)
	conn := dial(t, e.url)
	prefix := `{"mode":"independent","transfers":[`
	conn.write("POST /v1/transfers/batch HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + e.operatorKey + "\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n\r\n", httpapi.BatchBodyBytesMaxDefault) +
		prefix + strings.Repeat(`{},`, httpapi.BatchItemsMax+1))
	resp, body := conn.response()
	wantEnvelope(t, resp.StatusCode, body, http.StatusBadRequest, "invalid")
	if p := paramOf(t, body); p != "transfers" {
		t.Errorf("param %q, want transfers: %s", p, body)
	}
}
