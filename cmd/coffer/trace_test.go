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
	commonv1 "go.opentelemetry.io/proto/otlp/common/v1"
	tracev1 "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// TestServeExportsTraces: serve with --otlp-endpoint sends its spans by OTLP over HTTP to a
// receiver in the test (it decodes OTLP's protobuf, as a collector does). One payment yields
// connected spans: its request, the request's child ledger.command, the ledger.batch that carried
// it (linked to the command), the batch's child db.write; and the payment's event delivered to a
// webhook in a relay.deliver span with its webhook.post child.
func TestServeExportsTraces(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var spans []*tracev1.Span
	got := make(chan struct{}, 1) // a batch of spans arrived
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
				spans = append(spans, ss.Spans...)
			}
		}
		mu.Unlock()
		select {
		case got <- struct{}{}:
		default:
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
		w.Write(out)
	}))
	t.Cleanup(collector.Close)
	delivered := make(chan string, 8) // event types the webhook receiver was sent
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		delivered <- r.Header.Get("Coffer-Event-Type")
	}))
	t.Cleanup(receiver.Close)

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
	if _, err := c.CreateWebhook(ctx, client.CreateWebhookRequest{URL: receiver.URL, Events: []string{coffer.EventTransferCreated}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pay(ctx, client.PaymentRequest{ID: "p1", Owner: "1001", Merchant: "shop", Asset: "USD", Amount: "2.50", OrderID: "o-1"}); err != nil {
		t.Fatal(err)
	}
	select {
	case typ := <-delivered:
		if typ != coffer.EventTransferCreated {
			t.Fatalf("webhook sent %q", typ)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the payment's event was not delivered to the webhook")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
	default:
		t.Fatal("no spans were exported")
	}
	mu.Lock()
	defer mu.Unlock()

	byID := map[string]*tracev1.Span{}
	for _, s := range spans {
		byID[string(s.SpanId)] = s
	}
	parent := func(s *tracev1.Span) *tracev1.Span { return byID[string(s.ParentSpanId)] }
	find := func(name string, ok func(*tracev1.Span) bool) *tracev1.Span {
		t.Helper()
		for _, s := range spans {
			if s.Name == name && ok(s) {
				return s
			}
		}
		t.Fatalf("no %s span of the payment among %d spans: %v", name, len(spans), spanNames(spans))
		return nil
	}
	req := find("POST /v1/payments", func(*tracev1.Span) bool { return true })
	cmd := find("ledger.command", func(s *tracev1.Span) bool { return parent(s) == req })
	if string(cmd.TraceId) != string(req.TraceId) {
		t.Fatal("the command's span is not in the request's trace")
	}
	batch := find("ledger.batch", func(s *tracev1.Span) bool {
		for _, l := range s.Links {
			if string(l.SpanId) == string(cmd.SpanId) && string(l.TraceId) == string(cmd.TraceId) {
				return true
			}
		}
		return false
	})
	find("db.write", func(s *tracev1.Span) bool { return parent(s) == batch })
	relay := find("relay.deliver", func(s *tracev1.Span) bool { return attr(s, "coffer.sink") != "" })
	post := find("webhook.post", func(s *tracev1.Span) bool { return parent(s) == relay })
	if attr(post, "coffer.outcome") != coffer.AttemptDelivered || attr(post, "coffer.event.type") != coffer.EventTransferCreated {
		t.Fatalf("webhook.post attributes: %v", post.Attributes)
	}
}

// attr returns the string form of a span's attribute named key, "" if it has none.
func attr(s *tracev1.Span, key string) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			if v, ok := kv.Value.Value.(*commonv1.AnyValue_StringValue); ok {
				return v.StringValue
			}
			return kv.Value.String()
		}
	}
	return ""
}

func spanNames(spans []*tracev1.Span) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}
