package ledger_test

import (
	"context"
	"fmt"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// BenchmarkWrite1000 measures the whole write path on each store: 1,000 transfers among 10,000
// wallets sent together, so they form one batch, read, locked, applied and saved.
func BenchmarkWrite1000(b *testing.B) { benchmarkWrite(b, 1000) }

// BenchmarkWrite64 is the same with batches of 64, the size that 64 clients sending one transfer
// per request make.
func BenchmarkWrite64(b *testing.B) { benchmarkWrite(b, 64) }

// BenchmarkWrite64Traced is BenchmarkWrite64 with every command, batch and database write made
// a span of OpenTelemetry's SDK, batched for an exporter that drops them: what tracing costs
// the write path, against BenchmarkWrite64's no-op tracer in the same run.
func BenchmarkWrite64Traced(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discard{}))
	b.Cleanup(func() { tp.Shutdown(context.Background()) })
	benchmarkWrite(b, 64, tp.Tracer("bench"))
}

// discard is a span exporter that drops what it is given.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

func benchmarkWrite(b *testing.B, transfers int, tracer ...trace.Tracer) {
	for _, kind := range testdb.Kinds() {
		b.Run(kind.Name, func(b *testing.B) {
			const wallets = 10000
			store := kind.Open(b)
			cfg := ledger.Config{}
			if len(tracer) > 0 {
				cfg.Tracer = tracer[0]
			}
			l := ledger.New(store, cfg)
			b.Cleanup(func() { l.Close() })
			ctx := context.Background()
			if _, err := l.Do(ctx, ledger.CreateAsset{Code: "USD", Scale: 2}); err != nil {
				b.Fatal(err)
			}
			fund := make([]ledger.Command, wallets)
			for i := range fund {
				fund[i] = ledger.Deposit{ID: fmt.Sprint("f", i), Owner: fmt.Sprint(i), Asset: "USD", Amount: coffer.AmountFromInt64(1_000_000_000)}
			}
			for _, o := range l.DoAll(ctx, fund) {
				if o.Err != nil {
					b.Fatal(o.Err)
				}
			}
			round := 0
			for b.Loop() {
				cmds := make([]ledger.Command, transfers)
				for i := range cmds {
					id := fmt.Sprintf("r%d-%d", round, i)
					cmds[i] = ledger.CreateTransfers{ID: id, Transfers: []ledger.TransferSpec{{ID: id,
						DebitAccountID:  coffer.AccountID(coffer.KindWallet, fmt.Sprint((i*13+round)%wallets), "USD"),
						CreditAccountID: coffer.AccountID(coffer.KindWallet, fmt.Sprint((i*17+round+1)%wallets), "USD"),
						Amount:          coffer.AmountFromInt64(1)}}}
				}
				round++
				for _, o := range l.DoAll(ctx, cmds) {
					if o.Err != nil && coffer.ErrorCode(o.Err) != coffer.EINVALID {
						b.Fatal(o.Err)
					}
				}
			}
			b.ReportMetric(float64(transfers*b.N)/b.Elapsed().Seconds(), "transfers/s")
		})
	}
}
