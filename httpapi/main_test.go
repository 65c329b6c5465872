package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

const adminKey = "test-admin-secret"

// env is one running server on its own SQLite database, with a client per role.
type env struct {
	t        testing.TB
	url      string
	store    coffer.Store
	ledger   *ledger.Ledger
	server   *httpapi.Server
	clock    *clock
	logs     *logRecorder
	admin    *client.Client
	operator *client.Client
	reader   *client.Client
	// secrets of the operator and reader keys, for raw requests
	operatorKey, readerKey string
}

// clock is the ledger's clock; tests move it to expire pending transfers.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// logRecorder keeps the error records the server logs, so a test fails on an unexpected one.
type logRecorder struct {
	mu     sync.Mutex
	errors []string
}

func (l *logRecorder) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelError }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.Key + "=" + a.Value.String())
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errors = append(l.errors, b.String())
	return nil
}
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

func (l *logRecorder) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.errors
	l.errors = nil
	return out
}

// testExchangePairs are the pairs the test server exchanges, as TestExchangeBounds describes.
var testExchangePairs = map[string]ledger.RateBand{
	"USD/GOLD": {Min: "0.5", Max: "200"},
	"GOLD/USD": {Min: "0.005", Max: "2"},
}

// setup starts a server with the assets USD (scale 2), GOLD (0) and ETH (18), and keys of every
// role. The test fails at its end if the server logged an error it did not take.
func setup(t testing.TB) *env {
	t.Helper()
	return setupOn(t, testdb.SQLite(t))
}

// setupOn is setup on the given store.
func setupOn(t testing.TB, store coffer.Store) *env {
	t.Helper()
	return setupWith(t, store, nil)
}

// setupWith is setupOn with a server whose configuration configure changes, if not nil.
func setupWith(t testing.TB, store coffer.Store, configure func(*httpapi.Config)) *env {
	t.Helper()
	clk := &clock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	logs := &logRecorder{}
	logger := slog.New(logs)
	l := ledger.New(store, ledger.Config{Now: clk.Now, Logger: logger, ExchangePairs: testExchangePairs})
	t.Cleanup(func() { l.Close() })
	cfg := httpapi.Config{Ledger: l, AdminKey: adminKey, Logger: logger}
	if configure != nil {
		configure(&cfg)
	}
	api := httpapi.New(cfg)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		for _, e := range logs.take() {
			t.Errorf("unexpected error log: %s", e)
		}
	})
	e := &env{t: t, url: srv.URL, store: store, ledger: l, server: api, clock: clk, logs: logs,
		admin: client.New(srv.URL, adminKey)}
	ctx := context.Background()
	op, err := e.admin.CreateKey(ctx, client.CreateKeyRequest{Name: "ops", Role: "operator"})
	if err != nil {
		t.Fatal(err)
	}
	rd, err := e.admin.CreateKey(ctx, client.CreateKeyRequest{Name: "reports", Role: "reader"})
	if err != nil {
		t.Fatal(err)
	}
	e.operatorKey, e.readerKey = op.Secret, rd.Secret
	e.operator = client.New(srv.URL, op.Secret)
	e.reader = client.New(srv.URL, rd.Secret)
	for _, a := range []client.CreateAssetRequest{{Code: "USD", Scale: 2}, {Code: "GOLD", Scale: 0}, {Code: "ETH", Scale: 18}} {
		if _, err := e.admin.CreateAsset(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// raw sends a request as given, for what the typed client cannot send. key "" sends none.
func (e *env) raw(method, path, key, body string) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, data
}

// rawJSON is raw with a body marshalled from v.
func (e *env) rawJSON(method, path, key string, v any) (int, []byte) {
	e.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.raw(method, path, key, string(b))
}

// deposit credits owner with amount of asset, failing the test on error.
func (e *env) deposit(id, owner, asset, amount string) {
	e.t.Helper()
	if _, err := e.operator.Deposit(context.Background(), client.DepositRequest{ID: id, Owner: owner, Asset: asset, Amount: amount}); err != nil {
		e.t.Fatalf("deposit %s: %v", id, err)
	}
}

// balance returns an owner's wallet in an asset.
func (e *env) balance(owner, asset string) client.Balance {
	e.t.Helper()
	bs, err := e.reader.Balances(context.Background(), owner)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, b := range bs.Balances {
		if b.Asset == asset {
			return b
		}
	}
	return client.Balance{}
}

// wantBalance checks an owner's balance, available, held and incoming in an asset.
func (e *env) wantBalance(owner, asset, balance, available, held, incoming string) {
	e.t.Helper()
	got := e.balance(owner, asset)
	want := client.Balance{Asset: asset, AccountID: coffer.AccountID(coffer.KindWallet, owner, asset),
		Balance: balance, Available: available, Held: held, Incoming: incoming}
	if got != want {
		e.t.Errorf("%s %s: got %+v, want %+v", owner, asset, got, want)
	}
}

// account returns an account by id.
func (e *env) account(id string) *client.Account {
	e.t.Helper()
	a, err := e.reader.Account(context.Background(), id)
	if err != nil {
		e.t.Fatalf("account %s: %v", id, err)
	}
	return a
}

// eventCount returns how many events there are about changes: an operation.rejected event
// records a refusal, which changes nothing.
func (e *env) eventCount() int {
	e.t.Helper()
	n := 0
	var after uint64
	for {
		p, err := e.reader.Events(context.Background(), after, coffer.PageSizeMax)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, ev := range p.Events {
			if ev.Type != coffer.EventOperationRejected {
				n++
			}
		}
		if !p.HasMore {
			return n
		}
		after = p.NextAfter
	}
}

// state is what a rejected request must leave as it was: every wallet of the given owners, and
// the number of events.
func (e *env) state(owners ...string) string {
	e.t.Helper()
	var b bytes.Buffer
	for _, o := range owners {
		_, data := e.raw("GET", "/v1/owners/"+o+"/balances", e.readerKey, "")
		b.Write(data)
	}
	js, _ := json.Marshal(e.eventCount())
	b.Write(js)
	return b.String()
}

// wantCode checks that err is a *coffer.Error with the code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var ce *coffer.Error
	if !errors.As(err, &ce) {
		t.Fatalf("got error %v (%T), want a *coffer.Error with code %s", err, err, code)
	}
	if ce.Code != code {
		t.Fatalf("got code %s (%s), want %s", ce.Code, ce.Message, code)
	}
}

// wantEnvelope checks a raw answer: the status, and an error envelope with the code and a
// message.
func wantEnvelope(t *testing.T, status int, body []byte, wantStatus int, wantCode string) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status %d, want %d; body %s", status, wantStatus, body)
	}
	var env client.ErrorResponse
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		t.Fatalf("body %s is not the error envelope: %v", body, err)
	}
	if env.Error.Code != wantCode || env.Error.Message == "" {
		t.Fatalf("error %+v, want code %s and a message", env.Error, wantCode)
	}
}

// newServerFor starts a server of its own on the store and ledger, for tests that need to break
// something.
func newServerFor(t *testing.T, l *ledger.Ledger, store coffer.Store) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Ledger: l, Store: store, AdminKey: adminKey,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	return srv
}
