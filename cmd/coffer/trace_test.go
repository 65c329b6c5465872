package main

import (
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/cofferhq/coffer/client"
)

// TestServeExportsTraces: serve with --otlp-endpoint sends its spans by OTLP over HTTP to a
// receiver in the test (it decodes OTLP's protobuf, as a collector does); a deposit's request
// and its ledger command are among them, in one trace, once the server has stopped and flushed.
func TestServeExportsTraces(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	names := map[string][]byte{} // span name -> trace id
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/traces" {
			http.NotFound(w, r)
			return
		}
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		data, _ := io.ReadAll(body)
		var req coltrace.ExportTraceServiceRequest
		if err := proto.Unmarshal(data, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					names[s.Name] = s.TraceId
				}
			}
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
		w.Write(out)
	}))
	t.Cleanup(collector.Close)

	cfg := Config{Listen: "127.0.0.1:0", Database: filepath.Join(t.TempDir(), "coffer.db"), AdminKey: testAdminKey,
		ExpiryInterval: time.Hour, ShutdownTimeout: 10 * time.Second, OTLPEndpoint: collector.URL}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- runServer(ctx, cfg, slog.New(slog.DiscardHandler), ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("server did not start: %v", err)
	}
	c := client.New("http://"+addr, testAdminKey)
	if _, err := c.CreateAsset(ctx, client.CreateAssetRequest{Code: "USD", Scale: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deposit(ctx, client.DepositRequest{ID: "d1", Owner: "1001", Asset: "USD", Amount: "5.00"}); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	req, cmd := names["POST /v1/deposits"], names["ledger.command"]
	if req == nil || cmd == nil || string(req) != string(cmd) || names["ledger.batch"] == nil || names["db.write"] == nil {
		t.Fatalf("spans received: %d names %v", len(names), keys(names))
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
