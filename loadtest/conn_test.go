package loadtest

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestConnTransport sends requests through one connTransport to a real HTTP server and checks
// that the connection is kept while it can be, dropped when it cannot, and that a cancelled
// context ends a request the server does not answer.
func TestConnTransport(t *testing.T) {
	var conns atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big": // more than Close drains
			io.WriteString(w, strings.Repeat("x", 2*connBodyDrainMax))
		case "/close":
			w.Header().Set("Connection", "close")
			io.WriteString(w, "bye")
		case "/hang":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		default:
			body, _ := io.ReadAll(r.Body)
			io.WriteString(w, "echo:"+string(body))
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	defer close(release)

	tr := &connTransport{}
	defer tr.close()
	client := &http.Client{Transport: tr}
	get := func(ctx context.Context, path, body string) (string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 16))
		return string(b), err
	}
	ctx := t.Context()

	for i, body := range []string{"a", "bb", "ccc"} {
		got, err := get(ctx, "/", body)
		if err != nil || got != "echo:"+body {
			t.Fatalf("request %d: %q, %v", i, got, err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("three requests opened %d connections, want 1", n)
	}

	// A body left mostly unread cannot be drained: the next request needs a new connection.
	if _, err := get(ctx, "/big", ""); err != nil {
		t.Fatalf("big: %v", err)
	}
	if got, err := get(ctx, "/", "d"); err != nil || got != "echo:d" {
		t.Fatalf("after big: %q, %v", got, err)
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("after an undrained body: %d connections, want 2", n)
	}

	// The server closing the connection after its response.
	if got, err := get(ctx, "/close", ""); err != nil || got != "bye" {
		t.Fatalf("close: %q, %v", got, err)
	}
	if got, err := get(ctx, "/", "e"); err != nil || got != "echo:e" {
		t.Fatalf("after close: %q, %v", got, err)
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("after Connection: close: %d connections, want 3", n)
	}

	// A request the server never answers ends with its context.
	hctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := get(hctx, "/hang", ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("hung request: %v, want context.Canceled", err)
	}
	if got, err := get(ctx, "/", "f"); err != nil || got != "echo:f" {
		t.Fatalf("after a cancelled request: %q, %v", got, err)
	}
}
