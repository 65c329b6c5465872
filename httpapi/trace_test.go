package httpapi_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// TestTraces: one payment through the server makes connected spans, exported to an in-process
// exporter: the request's span, named by its route; the payment command's, its child; the
// batch's, linked to the command's; and the batch's database write, the batch's child.
func TestTraces(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	tracer := tp.Tracer("coffer")
	store := testdb.SQLite(t)
	l := ledger.New(store, ledger.Config{Tracer: tracer, Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { l.Close() })
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Ledger: l, AdminKey: adminKey, Tracer: tracer, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	c := client.New(srv.URL, adminKey)
	ctx := context.Background()
	if _, err := c.CreateAsset(ctx, client.CreateAssetRequest{Code: "USD", Scale: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deposit(ctx, client.DepositRequest{ID: "d1", Owner: "1001", Asset: "USD", Amount: "50.00"}); err != nil {
		t.Fatal(err)
	}
	exp.Reset()
	if _, err := c.Pay(ctx, client.PaymentRequest{ID: "p1", Owner: "1001", Merchant: "shop", Asset: "USD", Amount: "20.00", OrderID: "o1"}); err != nil {
		t.Fatal(err)
	}
	byName := map[string]tracetest.SpanStub{}
	for _, s := range exp.GetSpans() {
		byName[s.Name] = s
	}
	req, cmd, batch, write := byName["POST /v1/payments"], byName["ledger.command"], byName["ledger.batch"], byName["db.write"]
	for name, s := range map[string]tracetest.SpanStub{"request": req, "command": cmd, "batch": batch, "write": write} {
		if !s.SpanContext.IsValid() {
			t.Fatalf("no %s span among %d: %v", name, len(exp.GetSpans()), byName)
		}
	}
	if cmd.Parent.SpanID() != req.SpanContext.SpanID() || cmd.SpanContext.TraceID() != req.SpanContext.TraceID() {
		t.Errorf("the command's span is not the request's child")
	}
	linked := false
	for _, link := range batch.Links {
		linked = linked || link.SpanContext.SpanID() == cmd.SpanContext.SpanID()
	}
	if !linked {
		t.Errorf("the batch's span is not linked to the command's: %+v", batch.Links)
	}
	if write.Parent.SpanID() != batch.SpanContext.SpanID() {
		t.Errorf("the database write is not the batch's child")
	}
	attrs := map[string]string{}
	for _, a := range cmd.Attributes {
		attrs[string(a.Key)] = a.Value.Emit()
	}
	if attrs["coffer.command"] != "payment" || attrs["coffer.operation_id"] != "p1" {
		t.Errorf("the command's attributes: %v", attrs)
	}
}
