package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/activity"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/duty"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/inbox"
	"github.com/cofferhq/coffer/internal/broadcast"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/monitor"
	"github.com/cofferhq/coffer/outbox"
	"github.com/cofferhq/coffer/reconcile/match"
	"github.com/cofferhq/coffer/webhook"
)

func init() {
	register(func(a *app) *cobra.Command {
		cmd := &cobra.Command{
			Use:   "serve",
			Short: "start the server",
			Long: `Start the server: the HTTP API under /v1, /healthz and /readyz.

On SIGTERM or SIGINT it stops taking work: /readyz answers 503 at once, no new connection is
accepted, a request arriving on a kept-alive connection is refused with 503 unavailable (nothing
done; send it again with the same id), requests already running finish within
--shutdown-timeout, everything acknowledged is on disk, and the process exits 0.

The server refuses to start when no API key would work: no key stored in the database and no
COFFER_ADMIN_KEY. The admin key comes from the environment or the config file only, never a
flag, which other users of the machine could read.`,
			Args: noArgs,
		}
		cfg := a.settled(cmd, serveSettings...)
		cmd.RunE = func(cmd *cobra.Command, _ []string) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
				return usageErr("--log-level: %q must be debug, info, warn or error", cfg.LogLevel)
			}
			logger := slog.New(slog.NewJSONHandler(a.stderr, &slog.HandlerOptions{Level: level}))
			if _, set := a.getenv("GOMEMLIMIT"); !set {
				debug.SetMemoryLimit(memoryLimitDefault)
			}
			if _, set := a.getenv("GOGC"); !set {
				debug.SetGCPercent(gcPercentDefault)
			}
			return runServer(cmd.Context(), *cfg, logger, nil)
		}
		return cmd
	})
}

const (
	// memoryLimitDefault is the Go heap's soft limit unless GOMEMLIMIT says otherwise: under a
	// burst of large batch requests the collector then works harder instead of letting the heap
	// grow. SQLite's page caches (up to 128 MiB) live outside it; the two stay under 300 MB.
	memoryLimitDefault = 128 << 20
	// gcPercentDefault is GOGC unless the environment sets it. The live heap of a busy server is
	// a few megabytes, so at Go's default of 100 it collected many times a second, a tenth of the
	// CPU; with 400 it collects a quarter as often, within the limit above. Uniform, 64 clients,
	// alternating 20 s runs: 3,791 and 3,547 requests/s at 100, 4,228 and 4,174 at 400, peak
	// memory 101 -> 113 MiB.
	gcPercentDefault = 400
	// The write path's defaults per store: SQLite has one writer, so one batch in flight; on
	// PostgreSQL several batches overlap their commit waits.
	writersSQLite   = 1
	writersPostgres = 2
	// drainIdleMax is how long a stopping server waits for its kept-alive connections to bring
	// their next request (answered 503 with Connection: close) before it closes those still
	// idle. A client in the middle of a stream of requests sends its next one within
	// milliseconds; one that has sent nothing for this long is idle, and closing its connection
	// can race only with a request it begins at that very moment.
	drainIdleMax = 2 * time.Second
)

// runServer serves until ctx ends, then shuts down gracefully (see serve's help): it drains,
// lets the requests in flight finish (up to ShutdownTimeout), the ledger writes what it has
// queued, the database closes. ready, if not nil, receives the listening address.
func runServer(ctx context.Context, cfg Config, logger *slog.Logger, ready chan<- string) error {
	if cfg.ExpiryInterval <= 0 {
		cfg.ExpiryInterval = expiryIntervalDefault
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = shutdownTimeoutDefault
	}
	lcfg := ledger.Config{BatchSizeMax: cfg.BatchSizeMax, BatchWait: cfg.BatchWait, Logger: logger,
		ExchangePairs: cfg.ExchangePairs, ExchangePoolFloor: cfg.ExchangePoolFloor}
	// The metrics are counted by the packages' hooks, left nil when they are off, so that
	// switching them off leaves no trace on the hot paths.
	var m *metrics
	if cfg.Metrics {
		m = newMetrics()
		lcfg.Observer = m
	}
	// The dashboard's overview shows the last hour's requests and commands applied.
	rec := activity.New(nil)
	lcfg.Observer = activityObserver{next: lcfg.Observer, rec: rec}
	if err := lcfg.Validate(); err != nil {
		return usageErr("%v", err)
	}
	cors := httpapi.CORS{Origins: cfg.CORSOrigins, Credentials: cfg.CORSCredentials, MaxAge: cfg.CORSMaxAge}
	if err := cors.Validate(); err != nil {
		return usageErr("--cors-origin: %v", err)
	}
	tracer, stopTracing, err := startTracing(ctx, cfg.OTLPEndpoint)
	if err != nil {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := stopTracing(ctx); err != nil {
			logger.Warn("flush traces", "err", err)
		}
	}()
	lcfg.Tracer = tracer
	store, err := openStore(ctx, cfg.Database, cfg.PoolConnsMax, cfg.Migrate)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer store.Close()
	if err := checkKeys(ctx, store, cfg.AdminKey, logger); err != nil {
		return err
	}
	writers := cfg.Writers
	if writers <= 0 {
		writers = writersSQLite
		if isPostgres(cfg.Database) {
			writers = writersPostgres
		}
	}
	lcfg.Writers = writers
	relayStore, ok := store.(relayStore)
	if !ok {
		return fmt.Errorf("the %T store keeps no leases or sink cursors", store)
	}
	sinks := make([]outbox.Sink, 0, len(cfg.Sinks))
	defer func() {
		for _, s := range sinks {
			s.Close()
		}
	}()
	for _, raw := range cfg.Sinks {
		s, err := outbox.ParseSink(raw, outbox.SinkOptions{Logger: logger})
		if err != nil {
			return usageErr("--sink: %v", err)
		}
		sinks = append(sinks, s)
	}
	var relay *outbox.Relay
	var hooks *webhook.Service
	if ws, ok := store.(coffer.WebhookStore); ok {
		wcfg := webhook.Config{Store: ws, Events: relayStore, Timeout: cfg.WebhookTimeout, Schedule: cfg.WebhookSchedule,
			Logger: logger, Changed: func() { relay.Reload() }, Tracer: tracer}
		if m != nil {
			wcfg.Attempted = m.webhookAttempted
		}
		hooks = webhook.New(wcfg)
	}
	rcfg := outbox.Config{Store: relayStore, Sinks: sinks, Logger: logger, Tracer: tracer}
	if hooks != nil {
		rcfg.Dynamic = hooks.Sinks
	}
	relay = outbox.New(rcfg)
	committed := new(broadcast.Signal)
	lcfg.Committed = func() {
		relay.Notify()
		committed.Notify()
	}
	l := ledger.New(store, lcfg)
	defer l.Close()
	chains, err := startChains(ctx, cfg, store, l, logger, tracer)
	if err != nil {
		return err
	}
	defer chains.close()
	pq, err := startPaymentQueue(cfg, store, chains, committed, logger)
	if err != nil {
		return err
	}
	if pq != nil && m != nil {
		pq.consumer.Handled = m.paymentQueueHandled
	}
	acfg := httpapi.Config{Ledger: l, Store: store, AdminKey: cfg.AdminKey,
		Logger: logger, BatchRequestsMax: cfg.BatchRequests, Committed: committed, Sinks: sinkStatus(relay), Webhooks: hooks, Tracer: tracer, Activity: rec,
		ApprovalsRequired: cfg.Approvals}
	if ms, ok := store.(match.Store); ok {
		// Imports under way stop before the ledger and the store close; one sent again
		// restarts (match.StaleAfter).
		statements := match.New(match.Config{Store: ms, Ledger: l, Logger: logger, ApprovalsRequired: cfg.Approvals})
		defer statements.Close()
		acfg.Statements = statements
	}
	if chains != nil {
		acfg.DepositAddresses = chains.addresses
		acfg.Chains = chains.view
		acfg.ChainReconcilers = chains.reconcilers
		acfg.Payouts = chains.payouts
		if chains.dev != nil {
			acfg.DevFund = chains.devFund
		}
	}
	if m != nil {
		names := make([]string, len(cfg.Chains))
		for i, c := range cfg.Chains {
			names[i] = c.Name
		}
		m.reg.MustRegister(newStateCollector(l, store, relay, names))
		acfg.Observer = m
		if cfg.MetricsAddr == "" {
			acfg.Metrics = m.handler(logger)
			acfg.MetricsRole = metricsRole(cfg)
		}
	}
	api := httpapi.New(acfg)
	if err := mountCompat(cfg, compatDeps{ledger: l, store: store, api: api, keyHeader: cfg.CompatKeyHeader, logger: logger, chains: chains}); err != nil {
		return usageErr("%v", err)
	}
	drain := httpapi.NewDrain(api)
	// Commands from queues run on every process: a queue shares its messages among its
	// consumers and a Kafka group its partitions, and a command's id makes a redelivery harmless.
	var consumers []inbox.Consumer
	for _, u := range cfg.CommandSources {
		opts := inbox.Options{Secret: cfg.CommandSecret, Role: coffer.Role(cfg.CommandRole), Logger: logger}
		if m != nil {
			opts.Handled = m.inboxHandled(sourceKind(u))
		}
		c, err := inbox.Open(u, opts, api)
		if err != nil {
			return usageErr("--command-source: %v", err)
		}
		consumers = append(consumers, c)
	}
	// CORS goes in front of the drain, so that a page's script can read the drain's 503 (retry)
	// rather than see a failed request it cannot tell from a network error.
	handler := httpapi.NewCORS(cors, drain)
	if cfg.UI {
		handler = withUI(handler)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ln = &onceCloser{Listener: ln}
	var conns connCount
	srv := &http.Server{
		Handler:           handler,
		ConnState:         conns.track,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	if cfg.DebugAddr != "" {
		go serveDebug(cfg.DebugAddr, logger)
	}
	if m != nil && cfg.MetricsAddr != "" {
		stop, err := serveMetrics(cfg.MetricsAddr, api.Guard(metricsRole(cfg), m.handler(logger)), logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	// The background duties run on one process of those sharing the database at a time.
	all := []duty.Duty{
		{Name: dutyExpiry, Run: func(ctx context.Context, _ coffer.Fence, report func(any)) error {
			l.RunExpiry(ctx, cfg.ExpiryInterval, report)
			return nil
		}},
		{Name: dutyRelay, Run: relay.Run}}
	if chains != nil {
		all = append(all, chains.duties...)
	}
	if pq != nil {
		all = append(all, pq.duty)
	}
	if ms, ok := store.(monitor.Store); ok {
		all = append(all, duty.Duty{Name: monitor.DutyName, Run: monitor.New(monitor.Config{Store: ms, Logger: logger}).Run})
	}
	if m != nil {
		all = m.observed(all)
	}
	duties := duty.New(duty.Config{Store: relayStore, Logger: logger}, all...)
	dutyCtx, stopDuties := context.WithCancel(context.Background())
	dutiesDone := make(chan struct{})
	go func() {
		defer close(dutiesDone)
		duties.Run(dutyCtx)
	}()
	defer func() {
		stopDuties()
		<-dutiesDone
	}()

	commandCtx, stopCommands := context.WithCancel(context.Background())
	var commandsDone sync.WaitGroup
	for _, c := range consumers {
		commandsDone.Go(func() {
			if err := c.Run(commandCtx); err != nil {
				logger.Error("command consumer", "err", err)
			}
		})
	}
	if pq != nil {
		commandsDone.Go(func() { pq.consumer.Run(commandCtx) })
	}
	defer func() {
		stopCommands()
		commandsDone.Wait()
	}()

	logger.Info("coffer serving", "addr", ln.Addr().String(), "database", redact(cfg.Database), "writers", writers)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	// Stop taking work: no connection is accepted, readiness fails and new requests are refused
	// at once, and each kept-alive connection ends after its next answer. The listener closes
	// first, so that a client told "Connection: close" finds it closed when it dials again
	// (refused, nothing sent) rather than lands in its queue just before it closes (reset).
	// Closing idle connections now (as Shutdown or SetKeepAlivesEnabled(false) would) races
	// with requests their clients are sending: those would meet a reset too.
	ln.Close()
	drain.Start()
	api.StopWaiting()
	// The consumers stop taking messages; one in hand finishes and is acknowledged, and the
	// broker hands what is left to another process.
	stopCommands()
	commandsDone.Wait()
	logger.Info("draining", "connections", conns.open())
	idle, stopIdle := context.WithTimeout(shutCtx, drainIdleMax)
	select {
	case <-conns.none():
	case <-idle.Done():
	}
	stopIdle()
	logger.Info("drained", "connections", conns.open())
	srv.SetKeepAlivesEnabled(false)
	if err := srv.Shutdown(shutCtx); err != nil {
		logger.Error("shutdown", "err", err)
	}
	// The duties stop and release their leases, so that another process takes them at once;
	// the relay's last cursor moves are written before the database closes.
	stopDuties()
	<-dutiesDone
	l.Close()
	logger.Info("stopped")
	return nil
}

// The duties' lease names.
const (
	dutyExpiry = "expiry"
	dutyRelay  = "relay"
)

// relayStore is what the duties need of a store beyond coffer.Store; both stores have it.
type relayStore interface {
	coffer.Store
	coffer.LeaseStore
	coffer.CursorStore
}

// sinkStatus renders the relay's view of its sinks for GET /v1/sinks.
func sinkStatus(relay *outbox.Relay) func(ctx context.Context) ([]client.Sink, error) {
	return func(ctx context.Context) ([]client.Sink, error) {
		st, err := relay.Status(ctx)
		if err != nil {
			return nil, err
		}
		now := time.Now()
		out := make([]client.Sink, len(st))
		for i, s := range st {
			out[i] = client.Sink{Name: s.Name, Cursor: s.Cursor, LastSeq: s.LastSeq, Behind: s.Behind,
				LastError: s.LastError, Stopped: s.Stopped,
				OldestUndeliveredAt: timeOrNil(s.OldestUndelivered), UpdatedAt: timeOrNil(s.UpdatedAt),
				LastErrorAt: timeOrNil(s.LastErrorAt), NextAttemptAt: timeOrNil(s.NextAttempt)}
			if !s.OldestUndelivered.IsZero() {
				out[i].LagSeconds = now.Sub(s.OldestUndelivered).Seconds()
			}
		}
		return out, nil
	}
}

func timeOrNil(t time.Time) *client.Time {
	if t.IsZero() {
		return nil
	}
	return &client.Time{Time: t.UTC()}
}

// checkKeys refuses to start a server that no API key would work on: none stored (or all
// revoked) and no bootstrap admin key. Such a server would answer every request unauthorized,
// and nothing would say why until someone tried.
func checkKeys(ctx context.Context, store coffer.Store, adminKey string, logger *slog.Logger) error {
	if adminKey != "" {
		return nil
	}
	keys, err := store.Keys(ctx)
	if err != nil {
		return fmt.Errorf("read keys: %w", err)
	}
	admins, live := 0, 0
	for _, k := range keys {
		if k.RevokedAt == nil {
			live++
			if k.Role == coffer.RoleAdmin {
				admins++
			}
		}
	}
	switch {
	case live == 0:
		return usageErr(`no API key would work: the database holds none and COFFER_ADMIN_KEY is not set.
Start the server with a bootstrap admin key of your choosing (or server.admin_key in the config file):
    COFFER_ADMIN_KEY=$(openssl rand -hex 32) coffer serve
then create the keys your systems use with it:
    coffer key-create --name ops --role operator --key <the admin key>`)
	case admins == 0:
		logger.Info("no admin key: the stored keys can move money but not manage keys or assets; set COFFER_ADMIN_KEY for that")
	}
	return nil
}

// connCount counts the server's open connections, through http.Server.ConnState.
type connCount struct {
	mu   sync.Mutex
	n    int
	zero []chan struct{} // closed when n falls to 0
}

func (c *connCount) track(_ net.Conn, s http.ConnState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch s {
	case http.StateNew:
		c.n++
	case http.StateClosed, http.StateHijacked:
		c.n--
		if c.n == 0 {
			for _, ch := range c.zero {
				close(ch)
			}
			c.zero = nil
		}
	}
}

// open returns how many connections are open.
func (c *connCount) open() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// none returns a channel that is closed once no connection is open.
func (c *connCount) none() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan struct{})
	if c.n == 0 {
		close(ch)
	} else {
		c.zero = append(c.zero, ch)
	}
	return ch
}

// onceCloser is a listener that may be closed more than once: the drain closes it, and then
// Shutdown does again.
type onceCloser struct {
	net.Listener
	once sync.Once
	err  error
}

func (l *onceCloser) Close() error {
	l.once.Do(func() { l.err = l.Listener.Close() })
	return l.err
}

// metricsRole is the role a key needs for /metrics: none unless --metrics-key-required, and
// then any live key's.
func metricsRole(cfg Config) coffer.Role {
	if cfg.MetricsKeyRequired {
		return coffer.RoleReader
	}
	return ""
}

// sourceKind is the kind of a command source's URL, as the metrics label it: amqp or kafka.
func sourceKind(url string) string {
	if strings.HasPrefix(url, "kafka://") {
		return "kafka"
	}
	return "amqp"
}

// serveMetrics serves h at /metrics on a listener of its own at addr, until stop is called.
// Any other path is not found.
func serveMetrics(addr string, h http.Handler, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 60 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics listener", "err", err)
		}
	}()
	logger.Info("metrics serving", "addr", ln.Addr().String())
	return func() {
		srv.Close()
		<-done
	}, nil
}

// serveDebug serves Go's profiler. It runs until the process exits.
func serveDebug(addr string, logger *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	logger.Info("profiler serving", "addr", addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Error("profiler", "err", err)
	}
}
