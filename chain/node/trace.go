package node

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Trace makes a span (chain.rpc) of each JSON-RPC request to the chain's nodes over HTTP, named
// by its method, a child of the caller's span. Call it before the first call; without it there
// are none. Requests over WebSocket or IPC are not traced.
func (c *Client) Trace(t trace.Tracer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tracer = t
}

// httpClient returns the HTTP client of the nodes' requests: one that makes spans when the client
// is traced, else nil for go-ethereum's default. c.mu is held.
func (c *Client) httpClient() *http.Client {
	if c.tracer == nil {
		return nil
	}
	return &http.Client{Transport: &tracingTransport{base: http.DefaultTransport, tracer: c.tracer, chain: c.chain}}
}

// tracingTransport makes a span of each request it carries, to the end of its answer's headers.
type tracingTransport struct {
	base   http.RoundTripper
	tracer trace.Tracer
	chain  string
}

func (t *tracingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, span := t.tracer.Start(req.Context(), "chain.rpc", trace.WithSpanKind(trace.SpanKindClient))
	defer span.End()
	if span.IsRecording() {
		span.SetAttributes(attribute.String("coffer.chain", t.chain), attribute.String("rpc.system", "jsonrpc"),
			attribute.String("rpc.method", rpcMethod(req)))
	}
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		span.SetStatus(codes.Error, "no answer") // err names the URL, which may carry a key
	} else if resp.StatusCode >= 300 {
		span.SetStatus(codes.Error, resp.Status)
	}
	return resp, err
}

// rpcMethod reads a JSON-RPC request's method from a copy of its body: "batch" for a batch,
// "" if it cannot tell.
func rpcMethod(req *http.Request) string {
	if req.GetBody == nil {
		return ""
	}
	body, err := req.GetBody()
	if err != nil {
		return ""
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, 1<<20))
	if err != nil {
		return ""
	}
	if strings.HasPrefix(strings.TrimSpace(string(data)), "[") {
		return "batch"
	}
	var m struct {
		Method string `json:"method"`
	}
	json.Unmarshal(data, &m)
	return m.Method
}
