package node

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestTrace: a traced client makes a chain.rpc span of each request, named by its JSON-RPC
// method, the child of the caller's span; a node's failure marks its span as an error without
// the URL's key.
func TestTrace(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tracer := tp.Tracer("test")
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	up, _ := rpcServer(t, "0x539", 0)
	c, err := New("dev", []string{down.URL + "/v3/SECRETKEY", up.URL}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	c.Trace(tracer)
	ctx, parent := tracer.Start(t.Context(), "caller")
	if _, err := c.ChainID(ctx); err == nil {
		t.Fatal("the first node answered")
	}
	if _, err := c.ChainID(ctx); err != nil {
		t.Fatal(err)
	}
	parent.End()
	var calls []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.Name() == "chain.rpc" {
			calls = append(calls, s)
		}
	}
	if len(calls) != 2 {
		t.Fatalf("%d chain.rpc spans; want 2", len(calls))
	}
	for i, s := range calls {
		if s.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("span %d is not the caller's child", i)
		}
		attrs := map[attribute.Key]string{}
		for _, a := range s.Attributes() {
			attrs[a.Key] = a.Value.Emit()
		}
		if attrs["rpc.method"] != "eth_chainId" || attrs["coffer.chain"] != "dev" {
			t.Errorf("span %d attributes %v", i, attrs)
		}
	}
	if st := calls[0].Status(); st.Code != codes.Error || strings.Contains(st.Description, "SECRETKEY") {
		t.Errorf("the failed call's status %+v", st)
	}
	if st := calls[1].Status(); st.Code == codes.Error {
		t.Errorf("the answered call's status %+v", st)
	}
}
