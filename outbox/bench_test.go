package outbox_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/outbox"
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

// BenchmarkRelayBacklog drains a backlog of 100,000 events into a sink that only counts them:
// events/s is the relay's ceiling on this machine (reading the events from SQLite, rendering
// each message, moving the cursor), which a broker's sink can only lower.
func BenchmarkRelayBacklog(b *testing.B) {
	s, last := backlog(b)
	i := 0
	var total time.Duration
	for b.Loop() {
		i++
		total += drain(b, s, last, &counter{name: fmt.Sprint("count-", i)})
	}
	b.ReportMetric(float64(last)*float64(i)/total.Seconds(), "events/s")
}
