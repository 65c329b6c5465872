package coinwallet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/compat/coinwallet"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

const adminKey = "test-admin-key"

// env is a real Coffer server with the profile on: the ledger, the /v1 API and the profile on
// one listener, over a real store.
type env struct {
	t           testing.TB
	url         string
	store       coffer.Store
	ledger      *ledger.Ledger
	v1          *client.Client // /v1 with the admin key
	operatorKey string
	readerKey   string
}

// setup starts a server on store, with the profile taking keys also in keyHeader if set.
func setup(t testing.TB, store coffer.Store, keyHeader string) *env {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	// Gold sells for silver at 1 to 10 silver a gold, iap_gold for gold one for one; the pools
	// may owe a million coins. Silver buys nothing.
	l := ledger.New(store, ledger.Config{Logger: logger,
		ExchangePairs: map[string]ledger.RateBand{"GOLD/SILVER": {Min: "1", Max: "10"}, "IAP_GOLD/GOLD": {Min: "1", Max: "1"}},
		ExchangePoolFloor: map[string]coffer.Amount{"SILVER": coffer.AmountFromInt64(-1_000_000),
			"GOLD": coffer.AmountFromInt64(-1_000_000)}})
	t.Cleanup(func() { l.Close() })
	api := httpapi.New(httpapi.Config{Ledger: l, AdminKey: adminKey, Logger: logger})
	p, err := coinwallet.Start(context.Background(), coinwallet.Config{Ledger: l,
		Records: store.(coffer.CoinRecordStore), Logger: logger,
		Authenticate: func(r *http.Request, need coffer.Role) (string, error) {
			return api.Authenticate(r, need, keyHeader)
		}})
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range p.Routes() {
		api.Mount(rt.Pattern, rt.Handler)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	e := &env{t: t, url: srv.URL, store: store, ledger: l, v1: client.New(srv.URL, adminKey)}
	ctx := context.Background()
	op, err := e.v1.CreateKey(ctx, client.CreateKeyRequest{Name: "ops", Role: "operator"})
	if err != nil {
		t.Fatal(err)
	}
	rd, err := e.v1.CreateKey(ctx, client.CreateKeyRequest{Name: "reports", Role: "reader"})
	if err != nil {
		t.Fatal(err)
	}
	e.operatorKey, e.readerKey = op.Secret, rd.Secret
	return e
}

// eachStore runs test on SQLite and, when it is reachable, PostgreSQL.
func eachStore(t *testing.T, test func(t *testing.T, e *env)) {
	for _, k := range testdb.Kinds() {
		t.Run(k.Name, func(t *testing.T) {
			t.Parallel()
			test(t, setup(t, k.Open(t), ""))
		})
	}
}

// answer is one HTTP answer: its status and body.
type answer struct {
	status int
	body   []byte
}

// do sends a request with the operator's key.
func (e *env) do(method, path, body string) answer {
	e.t.Helper()
	return e.send(method, path, body, map[string]string{"Authorization": "Bearer " + e.operatorKey})
}

// send sends a request with the headers given.
func (e *env) send(method, path, body string, headers map[string]string) answer {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return answer{resp.StatusCode, b}
}

// object decodes an answer's JSON object, numbers as their exact text.
func object(t testing.TB, a answer) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(a.body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("answer %d %s is not a JSON object: %v", a.status, a.body, err)
	}
	return m
}

// wantError checks an error answer: its status, code and param, and a sentence.
func wantError(t testing.TB, what string, a answer, status int, code, param string) {
	t.Helper()
	if a.status != status {
		t.Errorf("%s: status %d, want %d; body %s", what, a.status, status, a.body)
		return
	}
	m := object(t, a)
	eb, _ := m["error"].(map[string]any)
	if eb == nil || eb["code"] != code || len(eb["message"].(string)) < 10 {
		t.Errorf("%s: body %s, want error code %s with a message", what, a.body, code)
		return
	}
	if p, _ := eb["param"].(string); p != param {
		t.Errorf("%s: param %q, want %q; body %s", what, p, param, a.body)
	}
}

// jsonNumber is a JSON number's text as a decoder with UseNumber gives it.
type jsonNumber = json.Number
