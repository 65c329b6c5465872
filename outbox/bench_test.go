package outbox_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/outbox"
	"github.com/cofferhq/coffer/webhook"
)

// backlogEvents is the backlog the relay benchmarks drain.
const backlogEvents = 100_000

var (
	backlogOnce  sync.Once
	backlogStore relayStore
	backlogLast  uint64
)

// backlog returns a SQLite store holding at least backlogEvents events of real ledger traffic
// (deposits among 1,000 wallets), made once per benchmark binary.
func backlog(b *testing.B) (relayStore, uint64) {
	backlogOnce.Do(func() {
		s := testdb.SQLite(b).(relayStore)
		l := ledger.New(s, ledger.Config{})
		defer l.Close()
		ctx := context.Background()
		if _, err := l.Do(ctx, ledger.CreateAsset{Code: "USD", Scale: 2}); err != nil {
			b.Fatal(err)
		}
		for round := 0; ; round++ {
			last, err := s.LastEventSeq(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if last >= backlogEvents {
				backlogStore, backlogLast = s, last
				return
			}
			cmds := make([]ledger.Command, 1000)
			for i := range cmds {
				cmds[i] = ledger.Deposit{ID: fmt.Sprintf("d%d-%d", round, i), Owner: fmt.Sprint("u", i), Asset: "USD", Amount: coffer.AmountFromInt64(100)}
			}
			for _, o := range l.DoAll(ctx, cmds) {
				if o.Err != nil {
					b.Fatal(o.Err)
				}
			}
		}
	})
	if backlogStore == nil {
		b.Fatal("no backlog")
	}
	return backlogStore, backlogLast
}

// drain runs a relay with the one sink from cursor 0 until the sink's cursor reaches the
// store's last event, and returns how long that took.
func drain(b *testing.B, s relayStore, last uint64, sink outbox.Sink) time.Duration {
	done := make(chan struct{})
	var once sync.Once
	r := outbox.New(outbox.Config{Store: s, Sinks: []outbox.Sink{sink}, Logger: slog.New(slog.DiscardHandler),
		Advanced: func(_ string, seq uint64) {
			if seq >= last {
				once.Do(func() { close(done) })
			}
		}})
	lease, ok, err := s.ClaimLease(context.Background(), "relay", sink.Name(), time.Hour, nil)
	if err != nil || !ok {
		b.Fatalf("claim: %v %v", ok, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	start := time.Now()
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		r.Run(ctx, coffer.Fence{Lease: "relay", Token: lease.Token}, func(any) {})
	}()
	<-done
	took := time.Since(start)
	cancel()
	<-stopped
	if err := s.ReleaseLease(context.Background(), "relay", sink.Name(), lease.Token); err != nil {
		b.Fatal(err)
	}
	return took
}

// counter is a sink that acknowledges everything at once: the relay's own cost, the baseline
// the broker sinks are measured against.
type counter struct {
	name string
	n    int
}

func (c *counter) Name() string { return c.name }
func (c *counter) Close() error { return nil }
func (c *counter) Deliver(_ context.Context, msgs []outbox.Message) (int, error) {
	c.n += len(msgs)
	return len(msgs), nil
}

// BenchmarkRelayBacklog drains a backlog of 100,000 events of real ledger traffic from SQLite
// into each kind of sink, a fresh cursor (and exchange, stream or topic) per round: events/s
// delivered and acknowledged. The counting sink acknowledges at once: the relay's own ceiling
// (reading, rendering, moving the cursor), the baseline the brokers are measured against. The
// brokers are the shared RabbitMQ and NATS, and Kafka is franz-go's in-process kfake cluster
// (no Kafka broker can be installed here), so its figure is the protocol's and the client's
// cost, not a real broker's disks. The webhook endpoint's receiver is in this process.
func BenchmarkRelayBacklog(b *testing.B) {
	s, last := backlog(b)
	kinds := []struct {
		name string
		sink func(b *testing.B, round string) outbox.Sink
	}{
		{"count", func(_ *testing.B, round string) outbox.Sink { return &counter{name: "count-" + round} }},
		{"amqp", func(b *testing.B, round string) outbox.Sink {
			return benchSink(b, brokerURL(b, envAMQP)+"?exchange=coffer.bench-"+round)
		}},
		{"nats", func(b *testing.B, round string) outbox.Sink {
			return benchSink(b, brokerURL(b, envNATS)+"?stream=BENCH_"+round+"&subject=coffer.bench-"+round)
		}},
		{"kafka", func(b *testing.B, round string) outbox.Sink {
			topic := "coffer.bench-" + round
			cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, topic))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(cluster.Close)
			return benchSink(b, "kafka://"+cluster.ListenAddrs()[0]+"?topic="+topic)
		}},
		{"webhook", func(b *testing.B, round string) outbox.Sink {
			return webhookSink(b, s)
		}},
	}
	for _, k := range kinds {
		b.Run(k.name, func(b *testing.B) {
			i := 0
			var total time.Duration
			for b.Loop() {
				i++
				b.StopTimer()
				sink := k.sink(b, fmt.Sprintf("%d%d", time.Now().UnixNano(), i))
				b.StartTimer()
				total += drain(b, s, last, sink)
				b.StopTimer()
				sink.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(last)*float64(i)/total.Seconds(), "events/s")
		})
	}
}

// benchSink parses a sink URL for a benchmark, with mandatory off for RabbitMQ, whose exchange
// has no queue here.
func benchSink(b *testing.B, raw string) outbox.Sink {
	if strings.HasPrefix(raw, "amqp") {
		raw += "&mandatory=false"
	}
	s, err := outbox.ParseSink(raw, outbox.SinkOptions{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// webhookSink returns the sink of a new webhook endpoint, replayed from the first event, whose
// receiver (on loopback, in this process) answers 204 at once: the figure is the sink's own
// cost, one signed POST and its recorded attempt per event.
func webhookSink(b *testing.B, s relayStore) outbox.Sink {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(srv.Close)
	ws := s.(interface {
		coffer.WebhookStore
		webhook.Events
	})
	hooks := webhook.New(webhook.Config{Store: ws, Events: ws, Logger: slog.New(slog.DiscardHandler)})
	w, err := hooks.Create(context.Background(), webhook.Spec{URL: srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := hooks.Replay(context.Background(), w.ID, 0); err != nil {
		b.Fatal(err)
	}
	sinks, err := hooks.Sinks(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	for _, sink := range sinks {
		if sink.Name() == coffer.WebhookSink(w.ID) {
			return sink
		}
	}
	b.Fatalf("no sink for webhook %s", w.ID)
	return nil
}
