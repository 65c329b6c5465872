package loadtest_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/loadtest"
	"github.com/cofferhq/coffer/sqlite"
)

const adminKey = "bench-test-admin"

// setup starts the real server on a fresh SQLite file and returns its URL. wrap, if not nil, wraps
// the server's handler. The test fails at its end if the server logged an error.
func setup(t *testing.T, wrap func(*ledger.Ledger, http.Handler) http.Handler) string {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "coffer.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	logs := &errorLog{}
	logger := slog.New(logs)
	min, max, _ := strings.Cut(loadtest.MixedBand, ":")
	l := ledger.New(store, ledger.Config{Logger: logger,
		ExchangePairs: map[string]ledger.RateBand{ledger.AnyPair: {Min: min, Max: max}}})
	t.Cleanup(func() { l.Close() })
	var h http.Handler = httpapi.New(httpapi.Config{Ledger: l, AdminKey: adminKey, Logger: logger})
	if wrap != nil {
		h = wrap(l, h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		for _, e := range logs.take() {
			t.Errorf("the server logged an error: %s", e)
		}
	})
	return srv.URL
}

func TestRun(t *testing.T) {
	tests := []struct {
		workload    loadtest.Workload
		requestsMax int64
	}{
		{loadtest.Uniform, 200},
		{loadtest.Hot, 200},
		{loadtest.Mixed, 200},
		{loadtest.Batch, 40},
	}
	for _, tt := range tests {
		t.Run(string(tt.workload), func(t *testing.T) {
			url := setup(t, nil)
			cfg := loadtest.Config{Addr: url, Key: adminKey, Workload: tt.workload, Clients: 2, Accounts: 20,
				Duration: time.Minute, BatchSize: 50, RequestsMax: tt.requestsMax}
			rep, err := loadtest.Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Requests != tt.requestsMax {
				t.Errorf("requests = %d, want requests-max %d: the run should end by count", rep.Requests, tt.requestsMax)
			}
			if rep.Transfers <= 0 {
				t.Errorf("transfers = %d, want some", rep.Transfers)
			}
			if len(rep.Failed) > 0 || len(rep.ItemsFailed) > 0 {
				t.Errorf("failed requests %v, failed items %v; want none", rep.Failed, rep.ItemsFailed)
			}
			for _, c := range rep.Checks {
				if !c.OK {
					t.Errorf("check %q failed: %s", c.Name, c.Detail)
				}
			}
			if !rep.OK() || len(rep.Checks) < 3 {
				t.Errorf("report OK = %v with %d checks, want true with at least 3", rep.OK(), len(rep.Checks))
			}
			if rep.Latency.P50 <= 0 || rep.Latency.P50 > rep.Latency.P99 || rep.Latency.P99 > rep.Latency.Max {
				t.Errorf("latency %+v, want 0 < p50 <= p99 <= max", rep.Latency)
			}
			if rep.ServerMemory.PID != os.Getpid() || !rep.ServerMemory.Known() {
				t.Errorf("server memory %+v, want this process's (%d), which serves", rep.ServerMemory, os.Getpid())
			}

			// The server holds exactly the transfers setup and the run made in the run's assets.
			held := countTransfers(t, client.New(url, adminKey), rep.Asset, rep.CounterAsset)
			setupTransfers := int64(rep.Setup.Deposits)
			if rep.Setup.PoolFunded != "" {
				setupTransfers++ // the adjustment that funds the exchange pool
			}
			if want := rep.Transfers + setupTransfers; held != want {
				t.Errorf("the server holds %d transfers of the run's assets, want %d made by the run and %d by setup",
					held, rep.Transfers, setupTransfers)
			}

			var table strings.Builder
			if err := rep.WriteTable(&table); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"transfers", "latency ms", "rejected by rules", "failed", "server peak memory", "ok "} {
				if !strings.Contains(table.String(), want) {
					t.Errorf("the table has no %q:\n%s", want, table.String())
				}
			}
			if strings.Contains(table.String(), "FAILED") {
				t.Errorf("the table reports a failed check:\n%s", table.String())
			}
		})
	}
}

// countTransfers counts the transfers of the assets that the server lists.
func countTransfers(t *testing.T, cl *client.Client, assets ...string) int64 {
	t.Helper()
	var n int64
	q := client.TransfersQuery{Limit: coffer.PageSizeMax}
	for {
		page, err := cl.Transfers(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range page.Transfers {
			for _, a := range assets {
				if a != "" && tr.Asset == a {
					n++
				}
			}
		}
		if page.NextCursor == "" {
			return n
		}
		q.Cursor = page.NextCursor
	}
}

func TestRunByDuration(t *testing.T) {
	url := setup(t, nil)
	start := time.Now()
	rep, err := loadtest.Run(context.Background(), loadtest.Config{Addr: url, Key: adminKey, Workload: loadtest.Uniform,
		Clients: 2, Accounts: 10, Duration: 300 * time.Millisecond, Rate: 100})
	if err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); rep.Seconds < 0.3 || elapsed > 30*time.Second {
		t.Errorf("the run took %.2fs (%s with setup and checks), want about 0.3s", rep.Seconds, elapsed)
	}
	// 100 requests/s for 0.3s is about 30; the first goes at once.
	if rep.Requests < 10 || rep.Requests > 40 {
		t.Errorf("requests = %d at 100/s for 0.3s, want about 30", rep.Requests)
	}
	if !rep.OK() {
		t.Errorf("checks: %+v", rep.Checks)
	}
}

// TestChecksCatchMoneyFromNowhere credits a wallet from outside the run, just before the checks
// read the accounts back: the balance check must fail, and the report with it.
func TestChecksCatchMoneyFromNowhere(t *testing.T) {
	var once sync.Once
	url := setup(t, func(l *ledger.Ledger, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && r.URL.Path == "/v1/accounts" {
				once.Do(func() {
					asset := r.URL.Query().Get("asset")
					_, err := l.Do(r.Context(), ledger.Adjust{ID: "stray", AccountID: "wallet:bench-0:" + asset,
						Direction: coffer.Credit, Amount: coffer.AmountFromInt64(100), Reason: "money from nowhere"})
					if err != nil {
						t.Errorf("adjust: %v", err)
					}
				})
			}
			next.ServeHTTP(w, r)
		})
	})
	rep, err := loadtest.Run(context.Background(), loadtest.Config{Addr: url, Key: adminKey, Workload: loadtest.Uniform,
		Clients: 2, Accounts: 10, Duration: time.Minute, RequestsMax: 20})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.Checks[0].OK {
		t.Fatalf("checks %+v, want the balance check failed", rep.Checks)
	}
	if !strings.Contains(rep.Checks[0].Detail, "= 10001.00, want funded 10000.00") {
		t.Errorf("balance check detail %q, want it to show the stray 1.00", rep.Checks[0].Detail)
	}
	var table strings.Builder
	rep.WriteTable(&table)
	if !strings.Contains(table.String(), "FAILED") {
		t.Errorf("the table does not say FAILED:\n%s", table.String())
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, addr := range []string{"http://127.0.0.1:8080", "127.0.0.1:8080", "http://127.9.9.9:1", "http://localhost:8080",
		"localhost:8080", "http://[::1]:8080", "https://localhost"} {
		if err := loadtest.CheckLoopback(addr); err != nil {
			t.Errorf("CheckLoopback(%q) = %v, want nil", addr, err)
		}
	}
	for _, addr := range []string{"http://10.0.0.1:8080", "192.168.1.2:8080", "http://example.com", "http://localhost.example.com:8080",
		"http://[::2]:8080", "http://0.0.0.0:8080", "http://128.0.0.1:8080", ""} {
		if err := loadtest.CheckLoopback(addr); err == nil {
			t.Errorf("CheckLoopback(%q) = nil, want an error", addr)
		}
	}
}

func TestRunRefusesNonLoopback(t *testing.T) {
	_, err := loadtest.Run(context.Background(), loadtest.Config{Addr: "http://10.1.2.3:8080", Key: adminKey, Workload: loadtest.Uniform})
	if err == nil || !strings.Contains(err.Error(), "not this machine") {
		t.Fatalf("Run against 10.1.2.3 = %v, want an error that it is not this machine", err)
	}
}

func TestHistogramQuantile(t *testing.T) {
	var h loadtest.Histogram
	if h.Quantile(0.5) != 0 || h.Max() != 0 {
		t.Errorf("an empty histogram gives p50 %s, max %s; want 0", h.Quantile(0.5), h.Max())
	}
	// 1ms, 2ms, ..., 1000ms, recorded in two halves and merged.
	var odd, even loadtest.Histogram
	for i := 1000; i >= 1; i-- {
		d := time.Duration(i) * time.Millisecond
		if i%2 == 0 {
			even.Record(d)
		} else {
			odd.Record(d)
		}
	}
	h.Merge(&odd)
	h.Merge(&even)
	if h.Count() != 1000 {
		t.Fatalf("count = %d, want 1000", h.Count())
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.9, 900 * time.Millisecond}, {0.99, 990 * time.Millisecond}, {0.001, time.Millisecond}} {
		got := h.Quantile(tc.q)
		// The bucket's upper edge: never below the true value, at most 1/64 above it.
		if got < tc.want || got > tc.want+tc.want/64 {
			t.Errorf("Quantile(%g) = %s, want %s to %s", tc.q, got, tc.want, tc.want+tc.want/64)
		}
	}
	if h.Quantile(1) != time.Second || h.Max() != time.Second {
		t.Errorf("Quantile(1) = %s, Max = %s; want exactly 1s", h.Quantile(1), h.Max())
	}

	// Below 64µs every microsecond is its own bucket: exact.
	var small loadtest.Histogram
	for i := 1; i <= 50; i++ {
		small.Record(time.Duration(i) * time.Microsecond)
	}
	if got := small.Quantile(0.5); got != 25*time.Microsecond {
		t.Errorf("Quantile(0.5) of 1..50µs = %s, want 25µs", got)
	}
	if got := small.Quantile(0.9); got != 45*time.Microsecond {
		t.Errorf("Quantile(0.9) of 1..50µs = %s, want 45µs", got)
	}

	// A duration past the last bucket is still counted, and Max keeps it exactly.
	var huge loadtest.Histogram
	huge.Record(30 * 24 * time.Hour)
	if huge.Quantile(0.5) != 30*24*time.Hour {
		t.Errorf("Quantile(0.5) of one 30-day duration = %s", huge.Quantile(0.5))
	}
}

// errorLog keeps the error records a server logs.
type errorLog struct {
	mu     sync.Mutex
	errors []string
}

func (l *errorLog) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelError }
func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.Key + "=" + a.Value.String())
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errors = append(l.errors, b.String())
	return nil
}
func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *errorLog) WithGroup(string) slog.Handler      { return l }

func (l *errorLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.errors
	l.errors = nil
	return out
}

// TestRunFollows follows a run's events through the long poll: every event the run made
// arrives once and in order, with a delay recorded for each.
func TestRunFollows(t *testing.T) {
	url := setup(t, nil)
	fl, err := loadtest.ParseFollower("events", url, adminKey)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := loadtest.Run(context.Background(), loadtest.Config{Addr: url, Key: adminKey, Workload: loadtest.Uniform,
		Clients: 2, Accounts: 10, Duration: time.Minute, RequestsMax: 100, Followers: []loadtest.Follower{fl}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Deliveries) != 1 {
		t.Fatalf("deliveries: %+v", rep.Deliveries)
	}
	// Each of the 100 transfers is one transfer.created event.
	d := rep.Deliveries[0]
	if d.Events != 100 || d.Missing != 0 || d.Duplicates != 0 || d.OutOfOrder != 0 || d.Error != "" || d.Delay.Max <= 0 {
		t.Errorf("delivery: %+v", d)
	}
	if _, err := loadtest.ParseFollower("smoke-signals", url, adminKey); err == nil {
		t.Error("an unknown follower was accepted")
	}
}
