package loadtest_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cofferhq/coffer/loadtest"
)

func TestParseTPS(t *testing.T) {
	out := `transaction type: <builtin: TPC-B (sort of)>
scaling factor: 10
query mode: prepared
number of clients: 64
number of threads: 2
duration: 10 s
number of transactions actually processed: 23456
latency average = 27.281 ms
initial connection time = 41.210 ms
tps = 2345.987654 (without initial connection time)
`
	tps, err := loadtest.ParseTPS(out)
	if err != nil || tps != 2345.987654 {
		t.Errorf("ParseTPS = %v, %v; want 2345.987654", tps, err)
	}
	if _, err := loadtest.ParseTPS("pgbench: error: connection refused"); err == nil {
		t.Error("ParseTPS of an error message = nil error, want one")
	}
}

func TestParsePgbenchLog(t *testing.T) {
	// Lines of pgbench 15's log with -R: client, transaction, time and schedule lag in
	// microseconds, time counted from the scheduled start.
	log := `0 1 5142 0 1795343739 231697 257
1 1 3773 0 1795343739 327857 158
2 1 skipped 0 1795343739 400000 9000
0 2 1625 0 1795343739 396484 135
`
	var h loadtest.Histogram
	if err := loadtest.ParsePgbenchLog(strings.NewReader(log), &h); err != nil {
		t.Fatal(err)
	}
	if h.Count() != 3 {
		t.Errorf("%d latencies recorded, want 3 (the skipped transaction left out)", h.Count())
	}
	if want := (5142 - 257) * time.Microsecond; h.Max() != want {
		t.Errorf("max = %s, want %s: time less schedule lag", h.Max(), want)
	}
	err := loadtest.ParsePgbenchLog(strings.NewReader("0 1 5142 0 1795343739 231697\n"), &h)
	if err == nil || !strings.Contains(err.Error(), "-R") {
		t.Errorf("a log without schedule lag: %v, want an error that asks for -R", err)
	}
}

// TestRunBaseline runs the real pgbench against the PostgreSQL of COFFER_TEST_POSTGRES, once
// without a rate and once with one, and checks that its scratch database is gone afterwards.
func TestRunBaseline(t *testing.T) {
	url := os.Getenv("COFFER_TEST_POSTGRES")
	if url == "" {
		t.Skip("COFFER_TEST_POSTGRES is not set")
	}
	if _, err := exec.LookPath("pgbench"); err != nil {
		t.Fatalf("COFFER_TEST_POSTGRES is set but pgbench is not on PATH: %v", err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)

	for _, tc := range []struct {
		name string
		rate float64
	}{{"unlimited", 0}, {"rate", 100}} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := loadtest.RunBaseline(ctx, loadtest.BaselineConfig{URL: url, Clients: 4, Duration: 2 * time.Second,
				Rate: tc.rate, Scale: 1})
			if err != nil {
				t.Fatal(err)
			}
			if b.Skipped != "" || b.TPS <= 0 || b.Scale != 1 || b.Clients != 4 || b.Seconds != 2 {
				t.Fatalf("baseline = %+v", b)
			}
			var left bool
			if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, b.Database).Scan(&left); err != nil {
				t.Fatal(err)
			}
			if left {
				t.Errorf("scratch database %s is still there", b.Database)
			}
			if tc.rate == 0 {
				if b.Latency != nil || b.Rate != 0 {
					t.Errorf("unlimited run: rate %g, latency %+v; want neither", b.Rate, b.Latency)
				}
				return
			}
			// pgbench schedules transactions as a Poisson process at the rate: some 200 in 2 s.
			if b.Rate != tc.rate || b.TPS < 0.6*tc.rate || b.TPS > 1.4*tc.rate {
				t.Errorf("rate %g: %g tps, want it near the rate", b.Rate, b.TPS)
			}
			l := b.Latency
			if l == nil || !(0 < l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.Max) {
				t.Errorf("latency = %+v, want 0 < p50 <= p90 <= p99 <= max", l)
			}
		})
	}
}

func TestSetBaselineRatios(t *testing.T) {
	r := &loadtest.Report{TransfersPerSecond: 300, Latency: loadtest.Latency{P50: 2, P90: 5, P99: 30, Max: 80}}
	r.SetBaseline(&loadtest.Baseline{TPS: 150, Rate: 150, Latency: &loadtest.Latency{P50: 1, P90: 4, P99: 20, Max: 50}})
	if b := r.Baseline; b.Ratio != 2 || b.P99Ratio != 1.5 {
		t.Errorf("ratios %g and %g, want 2 (transfers/s over tps) and 1.5 (p99 over p99)", b.Ratio, b.P99Ratio)
	}
	var table strings.Builder
	if err := r.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-R 150", "pgbench latency ms", "p99 20.00", "1.50 (p99 over p99)"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	if strings.Contains(table.String(), "overload") {
		t.Errorf("pgbench kept its rate, but the table says it did not:\n%s", table.String())
	}
	r.SetBaseline(&loadtest.Baseline{TPS: 100, Rate: 150, Latency: &loadtest.Latency{P99: 20}})
	table.Reset()
	if err := r.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "pgbench kept 67% of the rate") {
		t.Errorf("pgbench ran at 100 of 150/s, but the table does not say so:\n%s", table.String())
	}

	r = &loadtest.Report{TransfersPerSecond: 300}
	r.SetBaseline(&loadtest.Baseline{TPS: 100})
	if b := r.Baseline; b.Ratio != 3 || b.P99Ratio != 0 {
		t.Errorf("without a rate: ratios %g and %g, want 3 and none", b.Ratio, b.P99Ratio)
	}
}
