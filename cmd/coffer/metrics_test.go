package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/postgres"
)

// scrape is one reading of /metrics, parsed.
type scrape map[string]*dto.MetricFamily

// getMetrics reads url with key (none if empty) and returns the status and the body.
func getMetrics(t *testing.T, url, key string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// readMetrics scrapes url and parses the answer, failing the test unless it is 200.
func readMetrics(t *testing.T, url, key string) (scrape, []byte) {
	t.Helper()
	status, body := getMetrics(t, url, key)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, status, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return fams, body
}

// value sums the series of the family whose labels include want: a counter's, a gauge's, or a
// histogram's count of observations.
func (s scrape) value(name string, want map[string]string) float64 {
	f, ok := s[name]
	if !ok {
		return 0
	}
	sum := 0.0
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

// histogramSum is the sum of the observations of an unlabelled histogram.
func (s scrape) histogramSum(name string) float64 {
	f, ok := s[name]
	if !ok || len(f.GetMetric()) == 0 {
		return 0
	}
	return f.GetMetric()[0].GetHistogram().GetSampleSum()
}

// labels are the label names every family of Coffer's own may have; each takes few values.
var boundedLabels = map[string]bool{"route": true, "code": true, "kind": true, "outcome": true, "result": true,
	"source": true, "chain": true, "status": true, "sink": true, "state": true, "asset": true}

// metricsConfig is a server's configuration for the metrics tests: its own SQLite database,
// the metrics on, expiry every hour.
func metricsConfig(t *testing.T) Config {
	return Config{Listen: "127.0.0.1:0", Database: filepath.Join(t.TempDir(), "coffer.db"), AdminKey: testAdminKey,
		ExpiryInterval: time.Hour, ShutdownTimeout: 10 * time.Second, Metrics: true}
}

// startMetricsServer runs serve in the test's process on its own SQLite database, with the
// metrics settings given, and returns it with its logs.
func startMetricsServer(t *testing.T, metricsOn, keyRequired bool, metricsAddr string) (*server, *syncBuffer) {
	t.Helper()
	cfg := metricsConfig(t)
	cfg.Metrics, cfg.MetricsKeyRequired, cfg.MetricsAddr = metricsOn, keyRequired, metricsAddr
	return startDevServer(t, cfg)
}

// TestMetricsCountTraffic drives a real server through the client (deposits, a replay, a
// conflict, a refused payment, a batch, a read, a path that is no route, an integrity check and
// a webhook delivery) and checks that /metrics moved by exactly that, with bounded labels only,
// and that promtool finds nothing to say about the names; on SQLite, and on PostgreSQL when
// COFFER_TEST_POSTGRES names it.
func TestMetricsCountTraffic(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		countTraffic(t, metricsConfig(t))
	})
	t.Run("postgres", func(t *testing.T) {
		if !postgresConfigured() {
			t.Skip("PostgreSQL tests are off")
		}
		t.Parallel()
		cfg := metricsConfig(t)
		cfg.Database = postgres.TestURL(t)
		m := countTraffic(t, cfg)
		if m.value("coffer_db_acquires_total", nil) < 1 || m.value("coffer_db_connections_max", nil) < 1 {
			t.Errorf("the pgx pool's statistics are missing: acquires %v, max %v",
				m.value("coffer_db_acquires_total", nil), m.value("coffer_db_connections_max", nil))
		}
	})
}

// countTraffic is TestMetricsCountTraffic on a server of cfg; it returns the last scrape.
func countTraffic(t *testing.T, cfg Config) scrape {
	s, _ := startDevServer(t, cfg)
	ctx := t.Context()
	c := client.New("http://"+s.addr, testAdminKey)
	metricsURL := "http://" + s.addr + "/metrics"
	if _, err := c.CreateAsset(ctx, client.CreateAssetRequest{Code: "USD", Scale: 2}); err != nil {
		t.Fatal(err)
	}
	before, _ := readMetrics(t, metricsURL, "")

	const owner = "owner-not-a-label"
	deposit := func(id, owner, amount string) error {
		_, err := c.Deposit(ctx, client.DepositRequest{ID: id, Owner: owner, Asset: "USD", Amount: amount})
		return err
	}
	for _, id := range []string{"dep-1", "dep-2", "dep-3"} {
		if err := deposit(id, owner, "10.00"); err != nil {
			t.Fatal(err)
		}
	}
	if err := deposit("dep-4", "carol", "1.00"); err != nil {
		t.Fatal(err)
	}
	if err := deposit("dep-1", owner, "10.00"); err != nil { // replayed
		t.Fatal(err)
	}
	if err := deposit("dep-1", owner, "99.00"); coffer.ErrorCode(err) != coffer.ECONFLICT {
		t.Fatalf("deposit dep-1 again with another amount: %v, want conflict", err)
	}
	_, err := c.Pay(ctx, client.PaymentRequest{ID: "pay-1", Owner: owner, Merchant: "shop", Asset: "USD", Amount: "1000.00", OrderID: "o-1"})
	if coffer.ErrorCode(err) != coffer.EINSUFFICIENTFUNDS {
		t.Fatalf("payment beyond the balance: %v, want insufficient_funds", err)
	}
	from, to := coffer.AccountID(coffer.KindWallet, owner, "USD"), coffer.AccountID(coffer.KindWallet, "carol", "USD")
	if _, err := c.CreateTransfers(ctx, client.BatchRequest{Mode: client.BatchIndependent, Transfers: []client.TransferRequest{
		{ID: "tr-1", DebitAccountID: from, CreditAccountID: to, Amount: "1.00"},
		{ID: "tr-2", DebitAccountID: from, CreditAccountID: to, Amount: "2.00"},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Account(ctx, from); err != nil {
		t.Fatal(err)
	}
	if status, _ := getMetrics(t, "http://"+s.addr+"/v1/no/such/"+owner, ""); status != http.StatusNotFound {
		t.Fatalf("a path that is no route: %d", status)
	}
	if rep, err := c.Verify(ctx); err != nil || !rep.OK {
		t.Fatalf("verify: %+v, %v", rep, err)
	}

	// A webhook endpoint, then an event for it: the relay delivers it.
	received := make(chan struct{}, 16)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case received <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(receiver.Close)
	hook, err := c.CreateWebhook(ctx, client.CreateWebhookRequest{URL: receiver.URL + "/hooks/" + owner, Events: []string{coffer.EventTransferCreated}})
	if err != nil {
		t.Fatal(err)
	}
	if err := deposit("dep-5", owner, "1.00"); err != nil {
		t.Fatal(err)
	}
	sink := coffer.WebhookSink(hook.ID)
	var after scrape
	var raw []byte
	deadline := time.Now().Add(30 * time.Second)
	for {
		after, raw = readMetrics(t, metricsURL, "")
		if after.value("coffer_webhook_attempts_total", map[string]string{"result": coffer.AttemptDelivered}) >= 1 &&
			after.value("coffer_relay_delivered_events_total", map[string]string{"sink": sink}) >= 1 &&
			after.value("coffer_relay_events_behind", map[string]string{"sink": sink}) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the webhook delivery was not counted:\n%s", raw)
		}
		select {
		case <-received:
		case <-time.After(100 * time.Millisecond):
		}
	}

	delta := func(name string, labels map[string]string) float64 {
		return after.value(name, labels) - before.value(name, labels)
	}
	type L = map[string]string
	for _, c := range []struct {
		name   string
		labels L
		want   float64
	}{
		{"coffer_ledger_commands_total", L{"kind": "deposit", "outcome": "applied"}, 5},
		{"coffer_ledger_commands_total", L{"kind": "deposit", "outcome": "replayed"}, 1},
		{"coffer_ledger_commands_total", L{"kind": "deposit", "outcome": "conflict"}, 1},
		{"coffer_ledger_commands_total", L{"kind": "payment", "outcome": "rejected", "code": "insufficient_funds"}, 1},
		{"coffer_ledger_commands_total", L{"kind": "transfer.create", "outcome": "applied"}, 2},
		{"coffer_ledger_commands_total", L{"outcome": "failed"}, 0},
		{"coffer_http_requests_total", L{"route": "POST /v1/deposits"}, 7},
		{"coffer_http_requests_total", L{"route": "POST /v1/deposits", "code": "201"}, 6}, // a replay answers as the first
		{"coffer_http_requests_total", L{"route": "POST /v1/deposits", "code": "409"}, 1},
		{"coffer_http_requests_total", L{"route": "POST /v1/payments", "code": "402"}, 1},
		{"coffer_http_requests_total", L{"route": "POST /v1/transfers/batch"}, 1},
		{"coffer_http_requests_total", L{"route": "GET /v1/accounts/{id}", "code": "200"}, 1},
		{"coffer_http_requests_total", L{"route": "unmatched", "code": "404"}, 1},
		{"coffer_http_requests_total", L{"route": "GET /v1/verify", "code": "200"}, 1},
		{"coffer_http_request_duration_seconds", L{"route": "POST /v1/deposits"}, 7},
		{"coffer_verify_runs_total", nil, 1},
		{"coffer_verify_violations_total", nil, 0},
		{"coffer_ledger_batches_failed_total", nil, 0},
	} {
		if got := delta(c.name, c.labels); got != c.want {
			t.Errorf("%s%v moved by %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// Every command was in exactly one batch.
	commands := delta("coffer_ledger_commands_total", nil)
	if got := after.histogramSum("coffer_ledger_batch_commands") - before.histogramSum("coffer_ledger_batch_commands"); got != commands {
		t.Errorf("the batches held %v commands; %v commands were counted", got, commands)
	}
	if n := delta("coffer_ledger_batch_commands", nil); n < 1 || n > commands {
		t.Errorf("%v batches for %v commands", n, commands)
	}
	if n := delta("coffer_ledger_batch_duration_seconds", nil); n != delta("coffer_ledger_batch_commands", nil) {
		t.Errorf("%v batch times for %v batches", n, delta("coffer_ledger_batch_commands", nil))
	}
	for _, name := range []string{"coffer_ledger_queue_commands", "coffer_db_connections", "coffer_db_connections_max",
		"coffer_relay_oldest_undelivered_age_seconds", "coffer_relay_delivery_failures_total", "coffer_expiry_runs_total",
		"go_goroutines", "process_resident_memory_bytes"} {
		if _, ok := after[name]; !ok {
			t.Errorf("%s is missing", name)
		}
	}
	if after.value("coffer_db_connections", L{"state": "idle"})+after.value("coffer_db_connections", L{"state": "in_use"}) < 1 {
		t.Errorf("no database connection counted")
	}

	// No label names an account, an owner, a transfer or a URL.
	for name, f := range after {
		if !strings.HasPrefix(name, "coffer_") {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if !boundedLabels[l.GetName()] {
					t.Errorf("%s has the label %s", name, l.GetName())
				}
				if v := l.GetValue(); strings.Contains(v, owner) || strings.Contains(v, "carol") ||
					strings.Contains(v, "dep-") || strings.Contains(v, "tr-") || strings.Contains(v, "://") ||
					strings.Contains(v, "127.0.0.1") {
					t.Errorf("%s has %s=%q", name, l.GetName(), v)
				}
			}
		}
	}
	if bytes.Contains(raw, []byte(testAdminKey)) {
		t.Errorf("/metrics shows the admin key")
	}

	t.Run("promtool", func(t *testing.T) {
		promtool, err := exec.LookPath("promtool")
		if err != nil {
			t.Skip("promtool is not installed (Debian's prometheus package; .ci/run installs it)")
		}
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = bytes.NewReader(raw)
		if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	})
	return after
}

// TestMetricsExpiry: a hold that times out is voided by the expiry duty, and counted with the
// duty's passes and the time of its last one.
func TestMetricsExpiry(t *testing.T) {
	t.Parallel()
	cfg := metricsConfig(t)
	cfg.ExpiryInterval = 50 * time.Millisecond
	s, _ := startDevServer(t, cfg)
	ctx := t.Context()
	c := client.New("http://"+s.addr, testAdminKey)
	if _, err := c.CreateAsset(ctx, client.CreateAssetRequest{Code: "USD", Scale: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deposit(ctx, client.DepositRequest{ID: "dep", Owner: "alice", Asset: "USD", Amount: "5.00"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Hold(ctx, client.HoldRequest{ID: "hold", Owner: "alice", Asset: "USD", Amount: "2.00", TimeoutSeconds: 1}); err != nil {
		t.Fatal(err)
	}
	url := "http://" + s.addr + "/metrics"
	deadline := time.Now().Add(30 * time.Second)
	for {
		m, raw := readMetrics(t, url, "")
		// Both counters move in the expiry's pass; the test waits until both show it, and fails
		// at the deadline if the command's count never does.
		applied := m.value("coffer_ledger_commands_total", map[string]string{"kind": "transfer.expire", "outcome": "applied"})
		if m.value("coffer_expiry_transfers_expired_total", nil) == 1 && applied == 1 {
			if m.value("coffer_expiry_runs_total", map[string]string{"result": "ok"}) < 1 || m.value("coffer_expiry_runs_total", map[string]string{"result": "error"}) != 0 {
				t.Errorf("expiry passes:\n%s", raw)
			}
			if last := m.value("coffer_expiry_last_run_timestamp_seconds", nil); last < float64(time.Now().Add(-time.Minute).Unix()) {
				t.Errorf("the last expiry pass at %v", last)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hold's expiry was not counted (expiries applied %v, want 1):\n%s", applied, raw)
		}
		// Poll: the hold times out a second after it was placed, and the duty passes every 50 ms.
		time.Sleep(100 * time.Millisecond)
	}
}

// TestMetricsKeyRequired: with --metrics-key-required /metrics answers 401 without a key or
// with an unknown one, as the API does, and serves any live key, a reader's included.
func TestMetricsKeyRequired(t *testing.T) {
	t.Parallel()
	s, _ := startMetricsServer(t, true, true, "")
	url := "http://" + s.addr + "/metrics"
	for _, key := range []string{"", "ck_not-a-key"} {
		status, body := getMetrics(t, url, key)
		var e client.ErrorResponse
		if status != http.StatusUnauthorized || json.Unmarshal(body, &e) != nil || e.Error.Code != coffer.EUNAUTHORIZED {
			t.Errorf("key %q: %d %s, want 401 unauthorized", key, status, body)
		}
		if bytes.Contains(body, []byte("coffer_")) {
			t.Errorf("key %q: metrics shown", key)
		}
	}
	reader, err := client.New("http://"+s.addr, testAdminKey).CreateKey(t.Context(), client.CreateKeyRequest{Name: "scraper", Role: "reader"})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := readMetrics(t, url, reader.Secret)
	if _, ok := m["coffer_http_requests_total"]; !ok {
		t.Errorf("a reader's key got no coffer_http_requests_total")
	}
	// The refusals are counted like any request's.
	if got := m.value("coffer_http_requests_total", map[string]string{"route": "GET /metrics", "code": "401"}); got != 2 {
		t.Errorf("401s at /metrics counted %v, want 2", got)
	}
}

// TestMetricsOwnListener: with --metrics-addr the metrics are served there, not on the API's
// listener; with --metrics=false they are served nowhere.
func TestMetricsOwnListener(t *testing.T) {
	t.Parallel()
	t.Run("metrics-addr", func(t *testing.T) {
		t.Parallel()
		s, logs := startMetricsServer(t, true, false, "127.0.0.1:0")
		var addr string
		for line := range strings.SplitSeq(logs.String(), "\n") {
			var l struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "metrics serving" {
				addr = l.Addr
			}
		}
		if addr == "" {
			t.Fatalf("no metrics listener logged:\n%s", logs)
		}
		if status, body := getMetrics(t, "http://"+s.addr+"/metrics", ""); status != http.StatusNotFound {
			t.Errorf("/metrics on the API's listener: %d %s", status, body)
		}
		m, _ := readMetrics(t, "http://"+addr+"/metrics", "")
		if got := m.value("coffer_http_requests_total", map[string]string{"route": "unmatched", "code": "404"}); got != 1 {
			t.Errorf("the API's 404 counted %v times, want 1", got)
		}
	})
	t.Run("off", func(t *testing.T) {
		t.Parallel()
		s, _ := startMetricsServer(t, false, false, "")
		if status, body := getMetrics(t, "http://"+s.addr+"/metrics", ""); status != http.StatusNotFound {
			t.Errorf("/metrics with --metrics=false: %d %s", status, body)
		}
	})
}

// TestMetricsChain funds a deposit on the dev chain and follows it in /metrics (beside the hot
// wallet's funding at start): counted pending and then confirmed, no longer pending, and the watcher's head, cursor, lag and passes shown
// for the chain.
func TestMetricsChain(t *testing.T) {
	t.Parallel()
	seedFile, secretFile, _ := devSeed(t)
	cfg := devConfig(t, seedFile, secretFile)
	cfg.Metrics = true
	cfg.ChainReconcileInterval = 100 * time.Millisecond
	s, _ := startDevServer(t, cfg)
	var addr client.DepositAddress
	s.json(&addr, "address", "alice", "--asset", "USDT")
	var funding client.DevFunding
	s.json(&funding, "dev", "fund", "--to", addr.Address, "--asset", "USDT", "--amount", "25")

	type L = map[string]string
	dev := L{"chain": "dev"}
	url := "http://" + s.addr + "/metrics"
	deadline := time.Now().Add(time.Minute)
	for {
		m, raw := readMetrics(t, url, "")
		// Three deposits: alice's, and the dev chain's funding of the hot wallet with ETH and
		// USDT at start, which the hot wallet's owner is credited with.
		if m.value("coffer_chain_deposits_total", L{"chain": "dev", "status": "confirmed"}) == 3 &&
			m.value("coffer_chain_reconciliation_block", dev) > m.value("coffer_chain_cursor_block", dev)-float64(devConfirmations) {
			// A reconciliation pinned at or past the deposit's block ran after it was confirmed.
			if m.value("coffer_chain_reconciliation_runs_total", dev) < 1 || m.value("coffer_chain_reconciliation_last_run_timestamp_seconds", dev) <= 0 {
				t.Errorf("no reconciliation counted:\n%s", raw)
			}
			if got := m.value("coffer_chain_deposits_total", L{"chain": "dev", "status": "pending"}); got != 3 {
				t.Errorf("pending deposits counted %v, want 3", got)
			}
			if got := m.value("coffer_chain_deposits_pending", dev); got != 0 {
				t.Errorf("%v deposits pending after the one was confirmed", got)
			}
			head, cursor := m.value("coffer_chain_head_block", dev), m.value("coffer_chain_cursor_block", dev)
			if cursor < 1 || head < cursor || m.value("coffer_chain_lag_blocks", dev) != head-cursor {
				t.Errorf("head %v, cursor %v, lag %v", head, cursor, m.value("coffer_chain_lag_blocks", dev))
			}
			if m.value("coffer_chain_passes_total", L{"chain": "dev", "result": "ok"}) < 1 || m.value("coffer_chain_last_pass_timestamp_seconds", dev) <= 0 {
				t.Errorf("no pass counted:\n%s", raw)
			}
			if got := m.value("coffer_ledger_commands_total", L{"kind": "deposit.chain.confirm", "outcome": "applied"}); got != 3 {
				t.Errorf("confirmations applied %v, want 3", got)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the deposit was not counted confirmed:\n%s", raw)
		}
		// The dev chain mines a block a second; the watcher polls as often.
		time.Sleep(200 * time.Millisecond)
	}
}

// BenchmarkMetricsHooks is what the metrics add to one request of the uniform workload as the
// server runs it: the request counted and timed, its one command counted, and (at worst, a
// batch per request) a batch observed.
func BenchmarkMetricsHooks(b *testing.B) {
	m := newMetrics()
	cmd := ledger.CreateTransfers{}
	for b.Loop() {
		m.Request("POST /v1/transfers", http.StatusCreated, 3*time.Millisecond)
		m.Command(cmd, "transfer.create", ledger.OutcomeApplied, "")
		m.Batch(1, 2*time.Millisecond, 0, false)
	}
}

// TestMetricsWebhookFailure: an endpoint that answers 500 is counted as a failed attempt and a
// failed delivery of its sink, which stays behind by the event with its age shown.
func TestMetricsWebhookFailure(t *testing.T) {
	t.Parallel()
	s, _ := startMetricsServer(t, true, false, "")
	ctx := t.Context()
	c := client.New("http://"+s.addr, testAdminKey)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(receiver.Close)
	if _, err := c.CreateAsset(ctx, client.CreateAssetRequest{Code: "USD", Scale: 2}); err != nil {
		t.Fatal(err)
	}
	hook, err := c.CreateWebhook(ctx, client.CreateWebhookRequest{URL: receiver.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deposit(ctx, client.DepositRequest{ID: "dep", Owner: "alice", Asset: "USD", Amount: "5.00"}); err != nil {
		t.Fatal(err)
	}
	sink := map[string]string{"sink": coffer.WebhookSink(hook.ID)}
	url := "http://" + s.addr + "/metrics"
	deadline := time.Now().Add(30 * time.Second)
	for {
		m, raw := readMetrics(t, url, "")
		if m.value("coffer_webhook_attempts_total", map[string]string{"result": coffer.AttemptFailed}) >= 1 &&
			m.value("coffer_relay_delivery_failures_total", sink) >= 1 {
			if m.value("coffer_relay_events_behind", sink) < 1 || m.value("coffer_relay_oldest_undelivered_age_seconds", sink) <= 0 ||
				m.value("coffer_relay_delivered_events_total", sink) != 0 ||
				m.value("coffer_webhook_attempts_total", map[string]string{"result": coffer.AttemptDelivered}) != 0 {
				t.Errorf("the failing sink:\n%s", raw)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the failed attempt was not counted:\n%s", raw)
		}
		// Poll: the relay's first attempt follows the deposit's commit at once.
		time.Sleep(50 * time.Millisecond)
	}
}
