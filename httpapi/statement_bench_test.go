package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"syscall"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// The history BenchmarkMillionEntries reads: one wallet with 1,000,000 entries, made through the
// ledger in 1,000 commands of 999 linked transfers after a deposit, the
// clock a minute later for each command.
const (
	millionEntries     = 1_000_000
	millionCommands    = 1_000
	millionCommandStep = time.Minute
)

// BenchmarkMillionEntries reads a wallet with 1,000,000 entries through the server, on each
// store (PostgreSQL when COFFER_TEST_POSTGRES is set):
//   - Baseline: GET /v1/accounts/{id}, the same round trip without the history;
//   - BalanceAt: GET /v1/accounts/{id}/balance?at= at a random moment of the history;
//   - EntriesPage: the store's Entries, a page of 1,000 from the first entry and from the
//     middle of the history (what a statement reads, chunk by chunk), with the process's CPU
//     time per page;
//   - StatementCSV: the statement as CSV, its lines counted and dropped, for a tenth of the
//     history and for all of it, reporting entries a second, the most heap in use while it ran
//     (sampled every 10 ms) less the heap in use before, and the process's CPU time per entry
//     (the server's and the client's work, which a loaded machine does not inflate as it does
//     the time taken).
func BenchmarkMillionEntries(b *testing.B) {
	for _, kind := range testdb.Kinds() {
		b.Run(kind.Name, func(b *testing.B) { benchmarkMillionEntries(b, kind.Open(b)) })
	}
}

func benchmarkMillionEntries(b *testing.B, store coffer.Store) {
	e := setupOn(b, store)
	ctx := context.Background()
	from := e.clock.Now()
	e.openSeesaw()
	perCommand := (millionEntries - 1) / millionCommands // the deposit is the first entry
	for c := 0; c < millionCommands; c++ {
		e.clock.Advance(millionCommandStep)
		specs := seesaw(fmt.Sprintf("m%d-", c), perCommand, func(i int) int64 { return int64(1 + (i/2)%7) })
		if _, err := e.ledger.Do(ctx, ledger.CreateTransfers{ID: fmt.Sprintf("m%d", c), Transfers: specs}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("Baseline", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.reader.Account(ctx, "wallet:1001:USD"); err != nil {
				b.Fatal(err)
			}
		}
	})
	span := int64(millionCommands) * int64(millionCommandStep)
	b.Run("BalanceAt", func(b *testing.B) {
		for b.Loop() {
			at := from.Add(time.Duration(rand.Int64N(span)))
			if _, err := e.reader.BalanceAt(ctx, "wallet:1001:USD", at); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, page := range []struct {
		name  string
		after uint64
	}{{"first", 0}, {"middle", millionEntries / 2}} {
		b.Run("EntriesPage/"+page.name, func(b *testing.B) {
			cpu := processCPU()
			for b.Loop() {
				es, err := e.store.Entries(ctx, coffer.EntryFilter{AccountID: "wallet:1001:USD", AfterSeq: page.after, Limit: 1000})
				if err != nil {
					b.Fatal(err)
				}
				if len(es) != 1000 || es[0].Seq != page.after+1 {
					b.Fatalf("%d entries, want 1000 from seq %d", len(es), page.after+1)
				}
			}
			b.ReportMetric(float64(processCPU()-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-us/op")
		})
	}
	// A whole statement may take longer than the client's default timeout on a loaded machine.
	e.reader.HTTP.Timeout = 10 * time.Minute
	for _, part := range []int{10, 1} {
		commands := millionCommands / part
		to := from.Add(time.Duration(commands)*millionCommandStep + time.Second)
		entries := 1 + commands*perCommand
		b.Run(fmt.Sprintf("StatementCSV/entries=%d", entries), func(b *testing.B) {
			runtime.GC()
			base := heapInUse()
			peak := base
			stop := make(chan struct{})
			sampled := make(chan struct{})
			go func() {
				defer close(sampled)
				t := time.NewTicker(10 * time.Millisecond)
				defer t.Stop()
				for {
					select {
					case <-stop:
						return
					case <-t.C:
						peak = max(peak, heapInUse())
					}
				}
			}()
			var n countingWriter
			cpu := processCPU()
			for b.Loop() {
				if err := e.reader.StatementCSV(ctx, "wallet:1001:USD", from, to, &n); err != nil {
					b.Fatal(err)
				}
			}
			close(stop)
			<-sampled
			b.ReportMetric(float64(entries)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
			b.ReportMetric(float64(peak-base)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(processCPU()-cpu)/float64(time.Microsecond)/(float64(entries)*float64(b.N)), "cpu-us/entry")
			if n.lines < int64(entries)*int64(b.N) {
				b.Fatalf("%d lines for %d entries", n.lines, entries)
			}
		})
	}
}

// processCPU is the CPU time this process (server and client both; not PostgreSQL's) has used.
func processCPU() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		panic(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// heapInUse is the bytes of heap objects now, live or not yet swept.
func heapInUse() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// countingWriter discards what it is given and counts its lines.
type countingWriter struct{ lines int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.lines += int64(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}

var _ io.Writer = (*countingWriter)(nil)
