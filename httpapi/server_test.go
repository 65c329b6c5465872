package httpapi_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

func TestRequestID(t *testing.T) {
	t.Parallel()
	e := setup(t)
	resp, err := http.Get(e.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if id := resp.Header.Get("X-Request-Id"); !strings.HasPrefix(id, "req_") {
		t.Errorf("generated request id %q", id)
	}
	req, _ := http.NewRequest("GET", e.url+"/healthz", nil)
	req.Header.Set("X-Request-Id", "trace-42")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if id := resp.Header.Get("X-Request-Id"); id != "trace-42" {
		t.Errorf("echoed request id %q", id)
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	if err := client.New(e.url, "").Health(ctx); err != nil {
		t.Errorf("healthz: %v", err)
	}
	if err := client.New(e.url, "").Ready(ctx); err != nil {
		t.Errorf("readyz: %v", err)
	}

	// With its database gone the process is alive but not ready.
	store := testdb.SQLite(t)
	l := ledger.New(store, ledger.Config{})
	t.Cleanup(func() { l.Close() })
	srv := newServerFor(t, l, store)
	store.Close()
	c := client.New(srv.URL, "")
	if err := c.Health(ctx); err != nil {
		t.Errorf("healthz without a database: %v", err)
	}
	wantCode(t, c.Ready(ctx), coffer.EUNAVAILABLE)
	status, body := (&env{t: t, url: srv.URL}).raw("GET", "/readyz", "", "")
	wantEnvelope(t, status, body, http.StatusServiceUnavailable, "unavailable")
}

// brokenStore fails reads in the two ways a bug or an outage looks to the server.
type brokenStore struct {
	coffer.Store
}

func (brokenStore) Assets(context.Context) ([]coffer.Asset, error) { panic("boom") }
func (brokenStore) Accounts(context.Context, coffer.AccountFilter) ([]coffer.Account, error) {
	return nil, errors.New("disk on fire: /var/lib/coffer")
}

func TestInternalErrors(t *testing.T) {
	t.Parallel()
	e := setup(t)
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Ledger: e.ledger, Store: brokenStore{e.store},
		AdminKey: adminKey, Logger: slog.New(e.logs)}))
	t.Cleanup(srv.Close)
	b := &env{t: t, url: srv.URL}

	status, body := b.raw("GET", "/v1/assets", adminKey, "")
	wantEnvelope(t, status, body, http.StatusInternalServerError, "internal")
	logs := e.logs.take()
	if len(logs) != 1 || !strings.Contains(logs[0], "boom") || !strings.Contains(logs[0], "request_id=req_") {
		t.Errorf("a panic logs %q", logs)
	}

	status, body = b.raw("GET", "/v1/accounts", adminKey, "")
	wantEnvelope(t, status, body, http.StatusInternalServerError, "internal")
	if strings.Contains(string(body), "disk") {
		t.Errorf("the error's details reached the caller: %s", body)
	}
	logs = e.logs.take()
	if len(logs) != 1 || !strings.Contains(logs[0], "disk on fire") || !strings.Contains(logs[0], "request_id=req_") {
		t.Errorf("an internal error logs %q", logs)
	}
}

func TestEvents(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	// The operator's and the reader's keys, then USD, GOLD, ETH: an asset event and three
	// account events each.
	p, err := e.reader.Events(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Events) != 14 || p.HasMore || p.NextAfter != 0 || p.Events[0].Type != coffer.EventKeyCreated ||
		p.Events[2].Type != coffer.EventAssetCreated || p.Events[2].Subject != "USD" {
		t.Fatalf("events %+v", p)
	}
	e.deposit("d-1", "alice", "USD", "2.5")
	p, err = e.reader.Events(ctx, p.Events[13].Seq, 10)
	if err != nil {
		t.Fatal(err)
	}
	// The wallet's creation, then the transfer.
	if len(p.Events) != 2 || p.Events[0].Seq != 15 || p.Events[1].Type != coffer.EventTransferCreated ||
		p.Events[1].ID != "evt_16" || !strings.Contains(string(p.Events[1].Data), `"amount":"250"`) || p.HasMore {
		t.Errorf("events %+v", p)
	}
	p, err = e.reader.Events(ctx, 16, 10)
	if err != nil || len(p.Events) != 0 || p.HasMore || p.NextAfter != 0 {
		t.Errorf("after the last: %+v, %v", p, err)
	}
	p, err = e.reader.Events(ctx, 0, 5)
	if err != nil || len(p.Events) != 5 || !p.HasMore || p.NextAfter != 5 {
		t.Errorf("limited: %+v, %v", p, err)
	}
	// A page that ends exactly at the last event says so.
	p, err = e.reader.Events(ctx, 12, 4)
	if err != nil || len(p.Events) != 4 || p.HasMore || p.NextAfter != 0 {
		t.Errorf("the last page, full: %+v, %v", p, err)
	}
}
