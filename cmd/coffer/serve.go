package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/postgres"
	"github.com/cofferhq/coffer/sqlite"
)

func init() {
	register(command{name: "serve", summary: "start the server", run: serve})
	register(command{name: "migrate", summary: "apply the database migrations", run: migrate})
	register(command{name: "verify", summary: "check the whole ledger's integrity (exits 1 on any violation)", run: verify})
}

// Defaults of the server's settings, each also settable by flag and environment variable.
const (
	addrDefault            = "127.0.0.1:8080"
	databaseDefault        = "data/coffer.db"
	expiryIntervalDefault  = time.Second
	shutdownTimeoutDefault = 30 * time.Second
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
)

// Config is the server's configuration.
type Config struct {
	Addr            string
	Database        string
	AdminKey        string
	BatchSizeMax    int
	BatchWait       time.Duration
	Writers         int
	BatchRequests   int
	PoolConnsMax    int
	ExpiryInterval  time.Duration
	ShutdownTimeout time.Duration
	Migrate         bool
	// DebugAddr, if set, serves Go's profiler (/debug/pprof) there; keep it on loopback.
	DebugAddr string
	// ExchangePairs and ExchangePoolFloor are the ledger's exchange policy (see ledger.Config).
	ExchangePairs     map[string]ledger.RateBand
	ExchangePoolFloor map[string]coffer.Amount
}

func isPostgres(database string) bool {
	return strings.HasPrefix(database, "postgres://") || strings.HasPrefix(database, "postgresql://")
}

// openStore opens the database: a postgres:// URL, or else a SQLite file (migrated on open).
// migratePG also applies PostgreSQL's migrations.
func openStore(ctx context.Context, database string, poolConns int, migratePG bool) (coffer.Store, error) {
	if isPostgres(database) {
		if migratePG {
			if err := postgres.Migrate(ctx, database); err != nil {
				return nil, err
			}
		}
		return postgres.Open(ctx, database, postgres.Options{MaxConns: int32(poolConns)})
	}
	if dir := filepath.Dir(database); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
	}
	return sqlite.Open(ctx, database)
}

func databaseFlag(fs interface {
	StringVar(*string, string, string, string)
}, p *string) {
	fs.StringVar(p, "database", env("COFFER_DATABASE", databaseDefault),
		"a SQLite file path or a postgres:// URL (env COFFER_DATABASE)")
}

func serve(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("serve", stdout)
	var cfg Config
	fs.StringVar(&cfg.Addr, "addr", env("COFFER_LISTEN", addrDefault), "address to listen on (env COFFER_LISTEN)")
	databaseFlag(fs, &cfg.Database)
	fs.IntVar(&cfg.BatchSizeMax, "batch-size", envInt("COFFER_BATCH_SIZE", 0), "most commands written in one database transaction; 0 means the ledger's default, 1000 (env COFFER_BATCH_SIZE)")
	fs.DurationVar(&cfg.BatchWait, "batch-wait", envDuration("COFFER_BATCH_WAIT", 0), "how long a writer holding fewer than --batch-size commands waits for more before it writes them; 0 writes at once (env COFFER_BATCH_WAIT)")
	fs.IntVar(&cfg.Writers, "writers", envInt("COFFER_WRITERS", 0), "batches in flight at once; 0 means 1 on SQLite, 2 on PostgreSQL (env COFFER_WRITERS)")
	fs.IntVar(&cfg.BatchRequests, "batch-requests", envInt("COFFER_BATCH_REQUESTS", 0), "batch requests read and applied at once, the rest waiting their turn; 0 means 4 (env COFFER_BATCH_REQUESTS)")
	fs.IntVar(&cfg.PoolConnsMax, "pool-size", envInt("COFFER_POOL_SIZE", 0), "PostgreSQL connections; 0 means the store's default (env COFFER_POOL_SIZE)")
	fs.DurationVar(&cfg.ExpiryInterval, "expiry-interval", envDuration("COFFER_EXPIRY_INTERVAL", expiryIntervalDefault), "how often due holds and withdrawals are expired (env COFFER_EXPIRY_INTERVAL)")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", envDuration("COFFER_SHUTDOWN_TIMEOUT", shutdownTimeoutDefault), "how long in-flight requests may finish after SIGTERM (env COFFER_SHUTDOWN_TIMEOUT)")
	fs.StringVar(&cfg.DebugAddr, "debug-addr", env("COFFER_DEBUG_ADDR", ""), "serve Go's profiler at /debug/pprof on this address, e.g. 127.0.0.1:6060; off when empty (env COFFER_DEBUG_ADDR)")
	logLevel := fs.String("log-level", env("COFFER_LOG_LEVEL", "info"), "debug (adds a line per request), info, warn or error (env COFFER_LOG_LEVEL)")
	fs.BoolVar(&cfg.Migrate, "migrate", env("COFFER_MIGRATE", "") == "true", "on PostgreSQL, apply migrations at start (SQLite always does) (env COFFER_MIGRATE=true)")
	var pairs exchangePairs
	var floors poolFloors
	if err := errors.Join(fromEnv(&pairs, "COFFER_EXCHANGE_PAIRS", &pairs.flagged),
		fromEnv(&floors, "COFFER_EXCHANGE_POOL_FLOORS", &floors.flagged)); err != nil {
		return err
	}
	fs.Var(&pairs, "exchange-pair", "an exchange pair and its band of rates, `FROM/TO=MIN:MAX` units of TO per FROM, such as USD/EUR=0.90:0.95; repeat for more; */* bounds every other pair; without one no exchange is allowed (env COFFER_EXCHANGE_PAIRS, comma-separated)")
	fs.Var(&floors, "exchange-pool-floor", "how low an asset's exchange pool may go, `ASSET=MINOR_UNITS`, such as EUR=-100000; repeat for more; default 0: a pool pays out only what it holds (env COFFER_EXCHANGE_POOL_FLOORS, comma-separated)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg.ExchangePairs, cfg.ExchangePoolFloor = pairs.m, floors.m
	cfg.AdminKey = os.Getenv("COFFER_ADMIN_KEY")
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageErr("--log-level %q must be debug, info, warn or error", *logLevel)
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimitDefault)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercentDefault)
	}
	return runServer(ctx, cfg, logger, nil)
}

// runServer serves until ctx ends, then shuts down gracefully: the listener closes, in-flight
// requests finish (up to ShutdownTimeout), the ledger writes what it has queued, the database
// closes. ready, if not nil, receives the listening address.
func runServer(ctx context.Context, cfg Config, logger *slog.Logger, ready chan<- string) error {
	if cfg.ExpiryInterval <= 0 {
		cfg.ExpiryInterval = expiryIntervalDefault
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = shutdownTimeoutDefault
	}
	lcfg := ledger.Config{BatchSizeMax: cfg.BatchSizeMax, BatchWait: cfg.BatchWait, Logger: logger,
		ExchangePairs: cfg.ExchangePairs, ExchangePoolFloor: cfg.ExchangePoolFloor}
	if err := lcfg.Validate(); err != nil {
		return usageErr("%v", err)
	}
	store, err := openStore(ctx, cfg.Database, cfg.PoolConnsMax, cfg.Migrate)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer store.Close()
	writers := cfg.Writers
	if writers <= 0 {
		writers = writersSQLite
		if isPostgres(cfg.Database) {
			writers = writersPostgres
		}
	}
	lcfg.Writers = writers
	l := ledger.New(store, lcfg)
	defer l.Close()
	if cfg.AdminKey == "" {
		logger.Warn("COFFER_ADMIN_KEY is not set: no bootstrap admin key; only keys already in the database work")
	}
	handler := httpapi.New(httpapi.Config{Ledger: l, Store: store, AdminKey: cfg.AdminKey, Logger: logger,
		BatchRequestsMax: cfg.BatchRequests})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	if cfg.DebugAddr != "" {
		go serveDebug(cfg.DebugAddr, logger)
	}
	dutyCtx, stopDuties := context.WithCancel(context.Background())
	defer stopDuties()
	go l.RunExpiry(dutyCtx, cfg.ExpiryInterval)

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
	logger.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Error("shutdown", "err", err)
	}
	stopDuties()
	l.Close()
	logger.Info("stopped")
	return nil
}

// redact hides a URL's password in logs.
func redact(database string) string {
	if i := strings.Index(database, "@"); i >= 0 && isPostgres(database) {
		if j := strings.Index(database, "://"); j >= 0 && strings.Contains(database[j+3:i], ":") {
			user, _, _ := strings.Cut(database[j+3:i], ":")
			return database[:j+3] + user + ":***" + database[i:]
		}
	}
	return database
}

func migrate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("migrate", stdout)
	var database string
	databaseFlag(fs, &database)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	store, err := openStore(ctx, database, 0, true)
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Fprintln(stdout, "migrations applied to", redact(database))
	return nil
}

func verify(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("verify", stdout)
	var database string
	databaseFlag(fs, &database)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	store, err := openStore(ctx, database, 0, false)
	if err != nil {
		return err
	}
	defer store.Close()
	rep, err := ledger.Verify(ctx, store)
	if err != nil {
		return err
	}
	if err := printReport(stdout, rep, *asJSON); err != nil {
		return err
	}
	if !rep.OK() {
		return fmt.Errorf("%d violations", len(rep.Violations))
	}
	return nil
}

func printReport(w io.Writer, rep *ledger.Report, asJSON bool) error {
	if asJSON {
		return printJSON(w, rep)
	}
	fmt.Fprintf(w, "checked %d accounts, %d transfers, %d entries\n", rep.Accounts, rep.Transfers, rep.Entries)
	for _, v := range rep.Violations {
		fmt.Fprintf(w, "VIOLATION %s account=%s transfer=%s: %s\n", v.Kind, v.AccountID, v.TransferID, v.Message)
	}
	if rep.OK() {
		fmt.Fprintln(w, "ok: no violations")
	}
	return nil
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
	if err := srv.ListenAndServe(); err != nil {
		logger.Error("profiler", "err", err)
	}
}
