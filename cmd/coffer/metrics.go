package main

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/chainrecon"
	"github.com/cofferhq/coffer/chain/hotwallet"
	"github.com/cofferhq/coffer/chain/sweep"
	"github.com/cofferhq/coffer/chain/watch"
	"github.com/cofferhq/coffer/duty"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/outbox"
	"github.com/cofferhq/coffer/postgres"
	"github.com/cofferhq/coffer/sqlite"
)

// The metrics' buckets.
var (
	// latencyBuckets cover an answer from a millisecond (a cached read) to ten seconds (a
	// batch of ten thousand transfers, or a request stuck behind a stalled database).
	latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	// batchSizeBuckets go by powers of two up to the ledger's largest batch (1000 by default).
	batchSizeBuckets = prometheus.ExponentialBuckets(1, 2, 11)
)

// scrapeTimeout bounds the database reads a scrape makes (the relay's lag, the pending
// deposits): a scrape that waits longer than Prometheus's own timeout is wasted.
const scrapeTimeout = 5 * time.Second

// metrics is what serve counts and times for Prometheus, in a registry of its own (never the
// global one): the packages report through the hooks of their Configs (ledger.Observer,
// httpapi.Observer, webhook's Attempted, inbox's Handled) and the duties' progress reports,
// and what is state rather than events (the queue, the pool, the relay's lag, the pending
// deposits) is read at scrape time by stateCollector. Every label takes few values: a route's
// pattern, a command's kind, an error code, a sink's or a chain's configured name, never an
// account, owner, transfer or URL.
type metrics struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec

	commands      *prometheus.CounterVec
	batchSize     prometheus.Histogram
	batchDuration prometheus.Histogram
	batchRetries  prometheus.Counter
	batchFailures prometheus.Counter

	verifyRuns       prometheus.Counter
	verifyViolations prometheus.Counter
	verifyLast       prometheus.Gauge

	expiryRuns    *prometheus.CounterVec
	expiryExpired prometheus.Counter
	expiryLast    prometheus.Gauge

	webhookAttempts *prometheus.CounterVec
	inboxMessages   *prometheus.CounterVec
	paymentQueue    *prometheus.CounterVec

	chainHead     *prometheus.GaugeVec
	chainCursor   *prometheus.GaugeVec
	chainLag      *prometheus.GaugeVec
	chainLastPass *prometheus.GaugeVec
	chainPasses   *prometheus.CounterVec
	chainDeposits *prometheus.CounterVec
	// The chain reconciliations' last results, per chain.
	reconDifferences, reconMatched, reconBlock, reconLast *prometheus.GaugeVec
	reconRuns, reconFailures                              *prometheus.CounterVec
	// The hot wallet's balances read from the chain, and their low thresholds, by chain and
	// asset, in the asset's unit.
	hotBalance, hotLow *prometheus.GaugeVec

	// own are the collectors of Coffer's own metrics above, for the test that holds the docs,
	// the alerts and the dashboard to their names.
	own []prometheus.Collector

	// codes holds the status codes as label values, so that a request costs no strconv.
	codes [600]string
}

// newMetrics returns the metrics, registered with a new registry together with the Go runtime's
// and the process's collectors.
func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	for i := range m.codes {
		m.codes[i] = strconv.Itoa(i)
	}
	f := func(c prometheus.Collector) { m.reg.MustRegister(c) }
	f(collectors.NewGoCollector())
	f(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "coffer_http_requests_total",
		Help: "HTTP requests answered, by route pattern and status code."}, []string{"route", "code"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "coffer_http_request_duration_seconds",
		Help: "Time from a request's arrival to the end of its answer, by route pattern.", Buckets: latencyBuckets}, []string{"route"})

	m.commands = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "coffer_ledger_commands_total",
		Help: "Ledger commands written, by kind and outcome (applied, rejected, replayed, conflict, failed); code is a rejection's error code."},
		[]string{"kind", "outcome", "code"})
	m.batchSize = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "coffer_ledger_batch_commands",
		Help: "Commands per write batch (one database transaction).", Buckets: batchSizeBuckets})
	m.batchDuration = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "coffer_ledger_batch_duration_seconds",
		Help: "Time to write and commit one batch, retries included.", Buckets: latencyBuckets})
	m.batchRetries = prometheus.NewCounter(prometheus.CounterOpts{Name: "coffer_ledger_batch_retries_total",
		Help: "Batches run again after losing a race with another writer (a unique key, a deadlock, a serialization failure)."})
	m.batchFailures = prometheus.NewCounter(prometheus.CounterOpts{Name: "coffer_ledger_batches_failed_total",
		Help: "Batches that failed: nothing written, every command answered unavailable."})

	m.verifyRuns = prometheus.NewCounter(prometheus.CounterOpts{Name: "coffer_verify_runs_total",
		Help: "Integrity checks (GET /v1/verify) run to their end."})
	m.verifyViolations = prometheus.NewCounter(prometheus.CounterOpts{Name: "coffer_verify_violations_total",
		Help: "Violations the integrity checks reported, summed over runs."})
	m.verifyLast = prometheus.NewGauge(prometheus.GaugeOpts{Name: "coffer_verify_last_violations",
		Help: "Violations the last integrity check reported."})

	m.expiryRuns = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "coffer_expiry_runs_total",
		Help: "Passes of the expiry duty, by result (ok, error)."}, []string{"result"})
	m.expiryExpired = prometheus.NewCounter(prometheus.CounterOpts{Name: "coffer_expiry_transfers_expired_total",
		Help: "Pending transfers (holds, withdrawals) the expiry duty voided as expired."})
	m.expiryLast = prometheus.NewGauge(prometheus.GaugeOpts{Name: "coffer_expiry_last_run_timestamp_seconds",
		Help: "When this process's expiry duty last ended a pass, Unix time; 0 if it never ran here."})

	m.webhookAttempts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "coffer_webhook_attempts_total",
		Help: "Webhook delivery attempts, by result (delivered, failed, dead)."}, []string{"result"})
	m.inboxMessages = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "coffer_inbox_messages_total",
		Help: "Command messages consumed, by source kind (amqp, kafka) and outcome (applied, refused, dead_lettered, retried)."},
		[]string{"source", "outcome"})
	m.paymentQueue = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "coffer_payment_queue_requests_total",
		Help: "Requests taken from the payment queue's request queues, by kind (topup, withdraw, pay) and result (done, dead, retry)."},
		[]string{"kind", "result"})

	chain := []string{"chain"}
	m.chainHead = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "coffer_chain_head_block",
		Help: "The node's head block as the watcher's last pass saw it."}, chain)
	m.chainCursor = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "coffer_chain_cursor_block",
		Help: "The highest block the watcher has accepted."}, chain)
	m.chainLag = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "coffer_chain_lag_blocks",
		Help: "Blocks between the node's head and the watcher's cursor."}, chain)
	m.chainLastPass = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "coffer_chain_last_pass_timestamp_seconds",
		Help: "When the watcher last ended a pass, Unix time."}, chain)
	m.chainPasses = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "coffer_chain_passes_total",
		Help: "Passes of the chain watcher, by result (ok, error)."}, []string{"chain", "result"})
	m.chainDeposits = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "coffer_chain_deposits_total",
		Help: "Chain deposits written to the ledger, by the status they moved to (pending, confirmed, orphaned)."},
		[]string{"chain", "status"})

	m.reconRuns = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "coffer_chain_reconciliation_runs_total",
		Help: "Chain reconciliations this process's duty stored, by chain."}, chain)
	m.reconDifferences = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "coffer_chain_reconciliation_differences",
		Help: "Differences (balance, chain_only and ledger_only lines) the chain's last reconciliation found."}, chain)
	m.reconMatched = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "coffer_chain_reconciliation_matched",
		Help: "1 when the chain's last reconciliation matched, 0 when it found differences."}, chain)
	m.reconBlock = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "coffer_chain_reconciliation_block",
		Help: "The block the chain's last reconciliation was pinned at."}, chain)
	m.reconLast = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "coffer_chain_reconciliation_last_run_timestamp_seconds",
		Help: "When the chain's last reconciliation was stored, Unix time."}, chain)
	m.reconFailures = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "coffer_chain_reconciliation_failures_total",
		Help: "Scheduled chain reconciliations that failed to run (the node or the database unreachable)."}, chain)

	chainAsset := []string{"chain", "asset"}
	m.hotBalance = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "coffer_hot_wallet_balance",
		Help: "The hot wallet's balance of the asset on the chain, read from the chain's head, in the asset's unit."}, chainAsset)
	m.hotLow = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "coffer_hot_wallet_low_balance",
		Help: "The hot wallet's balance under which the asset is low (--hot-wallet-low-balance), in the asset's unit."}, chainAsset)

	m.own = []prometheus.Collector{m.httpRequests, m.httpDuration, m.commands, m.batchSize, m.batchDuration,
		m.batchRetries, m.batchFailures, m.verifyRuns, m.verifyViolations, m.verifyLast, m.expiryRuns, m.expiryExpired,
		m.expiryLast, m.webhookAttempts, m.inboxMessages, m.paymentQueue, m.chainHead, m.chainCursor, m.chainLag, m.chainLastPass,
		m.chainPasses, m.chainDeposits, m.reconRuns, m.reconDifferences, m.reconMatched, m.reconBlock, m.reconLast,
		m.reconFailures, m.hotBalance, m.hotLow}
	for _, c := range m.own {
		f(c)
	}
	return m
}

// handler serves the registry in Prometheus's text format. It leaves compression to httpapi's
// writer, and a failed read of state (the database down) to the metric it concerns: the rest
// are still served.
func (m *metrics) handler(logger *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		DisableCompression: true,
		ErrorHandling:      promhttp.ContinueOnError,
		ErrorLog:           slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	})
}

// Request is httpapi.Observer's.
func (m *metrics) Request(route string, status int, took time.Duration) {
	code := "other"
	if status >= 0 && status < len(m.codes) {
		code = m.codes[status]
	}
	m.httpRequests.WithLabelValues(route, code).Inc()
	m.httpDuration.WithLabelValues(route).Observe(took.Seconds())
}

// Verified is httpapi.Observer's.
func (m *metrics) Verified(violations int) {
	m.verifyRuns.Inc()
	m.verifyViolations.Add(float64(violations))
	m.verifyLast.Set(float64(violations))
}

// Command is ledger.Observer's. The chain deposits' commands also count as their deposits'
// moves, by chain.
func (m *metrics) Command(c ledger.Command, kind, outcome, code string) {
	m.commands.WithLabelValues(kind, outcome, code).Inc()
	if outcome != ledger.OutcomeApplied {
		return
	}
	switch c := c.(type) {
	case ledger.ChainDeposit:
		m.chainDeposits.WithLabelValues(c.Notice.Chain, string(coffer.DepositPending)).Inc()
	case ledger.ConfirmChainDeposit:
		m.chainDeposits.WithLabelValues(c.Notice.Chain, string(coffer.DepositConfirmed)).Inc()
	case ledger.OrphanChainDeposit:
		m.chainDeposits.WithLabelValues(c.Notice.Chain, string(coffer.DepositOrphaned)).Inc()
	}
}

// Batch is ledger.Observer's.
func (m *metrics) Batch(size int, took time.Duration, retries int, failed bool) {
	m.batchSize.Observe(float64(size))
	m.batchDuration.Observe(took.Seconds())
	if retries > 0 {
		m.batchRetries.Add(float64(retries))
	}
	if failed {
		m.batchFailures.Inc()
	}
}

// webhookAttempted is webhook.Config's Attempted.
func (m *metrics) webhookAttempted(outcome string) { m.webhookAttempts.WithLabelValues(outcome).Inc() }

// inboxHandled returns inbox.Options's Handled for a source of the kind (amqp, kafka).
func (m *metrics) inboxHandled(source string) func(outcome string) {
	return func(outcome string) { m.inboxMessages.WithLabelValues(source, outcome).Inc() }
}

// paymentQueueHandled is paymentqueue.Consumer's Handled.
func (m *metrics) paymentQueueHandled(kind, result string) {
	m.paymentQueue.WithLabelValues(kind, result).Inc()
}

// progress counts a duty's report: the expiry's passes and the chain watchers'.
func (m *metrics) progress(p any) {
	switch p := p.(type) {
	case ledger.ExpiryProgress:
		result := "ok"
		if p.LastError != "" {
			result = "error"
		}
		m.expiryRuns.WithLabelValues(result).Inc()
		m.expiryExpired.Add(float64(p.Expired))
		m.expiryLast.Set(unixSeconds(p.LastPassAt))
	case chainrecon.Progress:
		if p.LastErrorAt != nil && p.LastErrorAt.Equal(p.At) {
			m.reconFailures.WithLabelValues(p.Chain).Inc()
			return
		}
		matched := 0.0
		if p.Status == string(coffer.ReconMatched) {
			matched = 1
		}
		m.reconRuns.WithLabelValues(p.Chain).Inc()
		m.reconDifferences.WithLabelValues(p.Chain).Set(float64(p.Differences))
		m.reconMatched.WithLabelValues(p.Chain).Set(matched)
		m.reconBlock.WithLabelValues(p.Chain).Set(float64(p.BlockNumber))
		m.reconLast.WithLabelValues(p.Chain).Set(unixSeconds(p.At))
	case hotwallet.Progress:
		for _, b := range p.Balances {
			m.hotBalance.WithLabelValues(p.Chain, b.Asset).Set(unitFloat(b.Amount, b.Decimals))
			if b.Low != nil {
				m.hotLow.WithLabelValues(p.Chain, b.Asset).Set(unitFloat(b.Low, b.Decimals))
			}
		}
	case watch.Progress:
		result := "ok"
		if p.LastErrorAt != nil && p.LastErrorAt.Equal(p.At) {
			result = "error" // this pass failed: the error is stamped with its end
		}
		m.chainPasses.WithLabelValues(p.Chain, result).Inc()
		m.chainCursor.WithLabelValues(p.Chain).Set(float64(p.Block))
		m.chainLastPass.WithLabelValues(p.Chain).Set(unixSeconds(p.At))
		if p.Head > 0 {
			m.chainHead.WithLabelValues(p.Chain).Set(float64(p.Head))
			m.chainLag.WithLabelValues(p.Chain).Set(float64(p.Head - min(p.Head, p.Block)))
		}
	}
}

func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

// observed returns the duties with their progress reports counted as well as passed on.
func (m *metrics) observed(duties []duty.Duty) []duty.Duty {
	out := make([]duty.Duty, len(duties))
	for i, d := range duties {
		run := d.Run
		d.Run = func(ctx context.Context, fence coffer.Fence, report func(any)) error {
			var hot string // the chain whose hot wallet this run read
			err := run(ctx, fence, func(p any) {
				if h, ok := p.(hotwallet.Progress); ok {
					hot = h.Chain
				}
				m.progress(p)
				report(p)
			})
			if hot != "" {
				// This process no longer reads the balance (the lease passed, or it stops): its
				// last figures would go on standing beside the holder's, and a stale higher one
				// would hide a low balance from CofferHotWalletLow's max.
				m.hotBalance.DeletePartialMatch(prometheus.Labels{"chain": hot})
				m.hotLow.DeletePartialMatch(prometheus.Labels{"chain": hot})
			}
			return err
		}
		out[i] = d
	}
	return out
}

// stateCollector reads, at each scrape, what is state rather than a count of events: the write
// queue, the database's connections, how far each sink is behind, the pending deposits.
type stateCollector struct {
	ledger *ledger.Ledger
	store  coffer.Store
	relay  *outbox.Relay
	chains []string // the configured chains' names
	deps   coffer.ChainWatchStore
	sends  coffer.SendIntentLister

	queued, conns, connsMax, acquires, waits, waitSeconds *prometheus.Desc
	behind, oldest, delivered, failures                   *prometheus.Desc
	pending, waitingFunds, sweepsWaiting                  *prometheus.Desc
}

func newStateCollector(l *ledger.Ledger, store coffer.Store, relay *outbox.Relay, chains []string) *stateCollector {
	c := &stateCollector{ledger: l, store: store, relay: relay, chains: chains}
	c.deps, _ = store.(coffer.ChainWatchStore)
	c.sends, _ = store.(coffer.SendIntentLister)
	d := prometheus.NewDesc
	c.queued = d("coffer_ledger_queue_commands", "Commands queued for a writer, not yet in a batch.", nil, nil)
	c.conns = d("coffer_db_connections", "Database connections, by state (in_use, idle).", []string{"state"}, nil)
	c.connsMax = d("coffer_db_connections_max", "The most database connections the pool opens.", nil, nil)
	c.acquires = d("coffer_db_acquires_total", "Connections taken from the pool (PostgreSQL only).", nil, nil)
	c.waits = d("coffer_db_waits_total", "Times a query waited for a connection because none was free.", nil, nil)
	c.waitSeconds = d("coffer_db_wait_seconds_total", "Time queries spent waiting for a free connection.", nil, nil)
	sink := []string{"sink"}
	c.behind = d("coffer_relay_events_behind", "Events committed that the sink has not acknowledged.", sink, nil)
	c.oldest = d("coffer_relay_oldest_undelivered_age_seconds", "Age of the oldest event the sink has not acknowledged; 0 when none.", sink, nil)
	c.delivered = d("coffer_relay_delivered_events_total", "Events the sink acknowledged, in this process's relay runs.", sink, nil)
	c.failures = d("coffer_relay_delivery_failures_total", "Failed deliveries to the sink, in this process's relay runs.", sink, nil)
	c.pending = d("coffer_chain_deposits_pending", "Deposits seen on the chain and not yet confirmed or orphaned.", []string{"chain"}, nil)
	c.waitingFunds = d("coffer_payouts_waiting_funds", "Payouts waiting for the hot wallet's token or gas balance to cover them (counted up to 1000).", []string{"chain"}, nil)
	c.sweepsWaiting = d("coffer_sweeps_waiting_funds", "Sweeps and gas top-ups waiting for the gas wallet's balance, or their address's gas, to cover them (counted up to 1000).", []string{"chain"}, nil)
	return c
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.queued, c.conns, c.connsMax, c.acquires, c.waits, c.waitSeconds,
		c.behind, c.oldest, c.delivered, c.failures, c.pending, c.waitingFunds, c.sweepsWaiting} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge(c.queued, float64(c.ledger.Queued()))
	switch s := c.store.(type) {
	case *postgres.Store:
		st := s.PoolStat()
		gauge(c.conns, float64(st.AcquiredConns()), "in_use")
		gauge(c.conns, float64(st.IdleConns()), "idle")
		gauge(c.connsMax, float64(st.MaxConns()))
		counter(c.acquires, float64(st.AcquireCount()))
		counter(c.waits, float64(st.EmptyAcquireCount()))
		counter(c.waitSeconds, st.EmptyAcquireWaitTime().Seconds())
	case *sqlite.Store:
		read, write := s.ConnStats()
		gauge(c.conns, float64(read.InUse+write.InUse), "in_use")
		gauge(c.conns, float64(read.Idle+write.Idle), "idle")
		gauge(c.connsMax, float64(read.MaxOpenConnections+write.MaxOpenConnections))
		counter(c.waits, float64(read.WaitCount+write.WaitCount))
		counter(c.waitSeconds, (read.WaitDuration + write.WaitDuration).Seconds())
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	sinks, err := c.relay.Status(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.behind, err)
	}
	now := time.Now()
	for _, s := range sinks {
		gauge(c.behind, float64(s.Behind), s.Name)
		age := 0.0
		if !s.OldestUndelivered.IsZero() {
			age = max(0, now.Sub(s.OldestUndelivered).Seconds())
		}
		gauge(c.oldest, age, s.Name)
		counter(c.delivered, float64(s.Delivered), s.Name)
		counter(c.failures, float64(s.Failures), s.Name)
	}
	if c.deps == nil {
		return
	}
	for _, name := range c.chains {
		ds, err := c.deps.Deposits(ctx, coffer.DepositFilter{Chain: name, Status: coffer.DepositPending})
		if err != nil {
			ch <- prometheus.NewInvalidMetric(c.pending, err)
			continue
		}
		gauge(c.pending, float64(len(ds)), name)
		if c.sends == nil {
			continue
		}
		// The payouts wait on the hot wallet, the sweeps on the gas wallet or their address's
		// gas: two gauges, so that neither alert names the wrong wallet.
		for _, w := range []struct {
			desc *prometheus.Desc
			q    coffer.SendIntentQuery
		}{
			{c.waitingFunds, coffer.SendIntentQuery{IDPrefixNot: sweep.Prefix}},
			{c.sweepsWaiting, coffer.SendIntentQuery{IDPrefix: sweep.Prefix}},
		} {
			w.q.Chain, w.q.State, w.q.Limit = name, coffer.SendWaitingFunds, coffer.ListRowsMax
			ws, err := c.sends.ListSendIntents(ctx, w.q)
			if err != nil {
				ch <- prometheus.NewInvalidMetric(w.desc, err)
				continue
			}
			gauge(w.desc, float64(len(ws)), name)
		}
	}
}
