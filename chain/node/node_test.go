package node

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ethereum/go-ethereum/rpc"
)

// rpcServer answers every JSON-RPC call with result, or with a JSON-RPC error when code is set,
// and counts the calls. Only the node's HTTP answers matter here; the watcher's tests run it
// against real chains.
func rpcServer(t *testing.T, result string, code int) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var req struct {
			ID json.RawMessage `json:"id"`
		}
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if code != 0 {
			json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID, "error": map[string]any{"code": code, "message": "query returned more than 10000 results"}})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": result})
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestFailover(t *testing.T) {
	t.Parallel()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	up, upCalls := rpcServer(t, "0x539", 0)
	c, err := New("dev", []string{down.URL + "/v3/SECRETKEY", up.URL + "/v3/OTHERKEY?x=1"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	_, err = c.ChainID(t.Context())
	var he rpc.HTTPError
	if err == nil || !errors.As(err, &he) || he.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("the first node's failure: %v", err)
	}
	if strings.Contains(err.Error(), "SECRETKEY") {
		t.Fatalf("the error shows the URL's key: %v", err)
	}
	if cur := c.Current(); cur != strings.TrimSuffix(up.URL, "/")+"/…" {
		t.Fatalf("current node %s; want the second", cur)
	}
	id, err := c.ChainID(t.Context())
	if err != nil || id.Int64() != 1337 || upCalls.Load() != 1 {
		t.Fatalf("the second node: %v %v (%d calls)", id, err, upCalls.Load())
	}
}

// A node's JSON-RPC error is its answer: the calls stay with it.
func TestAnswerIsNoFault(t *testing.T) {
	t.Parallel()
	refusing, calls := rpcServer(t, "", -32005)
	other, otherCalls := rpcServer(t, "0x1", 0)
	c, err := New("dev", []string{refusing.URL, other.URL}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	for range 2 {
		_, err = c.ChainID(t.Context())
		var re rpc.Error
		if !errors.As(err, &re) || re.ErrorCode() != -32005 {
			t.Fatalf("%v; want the node's -32005", err)
		}
	}
	if calls.Load() != 2 || otherCalls.Load() != 0 {
		t.Fatalf("calls %d and %d; want both to the first node", calls.Load(), otherCalls.Load())
	}
}
