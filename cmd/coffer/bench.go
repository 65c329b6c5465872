package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/cofferhq/coffer/loadtest"
)

func init() {
	register(command{name: "bench", summary: "load-test a running server on this machine through the API (exits 1 if a check fails)", run: bench})
}

func bench(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("bench", stdout)
	cfg := loadtest.Config{Workload: loadtest.Uniform, Progress: os.Stderr}
	fs.StringVar(&cfg.Addr, "addr", env("COFFER_ADDR", "http://"+addrDefault), "the server, on this machine: a URL or host:port (env COFFER_ADDR)")
	// The key's default is read after parsing, so that -h never prints it.
	fs.StringVar(&cfg.Key, "key", "", "an admin API key: setup creates assets, the checks call /v1/verify (default: env COFFER_API_KEY)")
	fs.Var(&cfg.Workload, "workload", "the `workload` the clients send: "+loadtest.WorkloadNames())
	fs.IntVar(&cfg.Clients, "clients", loadtest.ClientsDefault, fmt.Sprintf("concurrent request loops, at most %d", loadtest.ClientsMax))
	fs.IntVar(&cfg.Accounts, "accounts", loadtest.AccountsDefault, fmt.Sprintf("wallets to fund and move money between, 2 to %d", loadtest.AccountsMax))
	fs.DurationVar(&cfg.Duration, "duration", loadtest.DurationDefault, fmt.Sprintf("how long to send requests, at most %s", loadtest.DurationMax))
	fs.IntVar(&cfg.BatchSize, "batch-size", loadtest.BatchSizeDefault, "transfers per request of the batch workload")
	fs.Float64Var(&cfg.Rate, "rate", 0, "cap on the requests per second of all clients together, to measure latency at a fixed load; 0 is unlimited")
	fs.Int64Var(&cfg.RequestsMax, "requests-max", loadtest.RequestsMaxDefault, "a hard cap on the run's requests")
	fs.IntVar(&cfg.ServerPID, "server-pid", 0, "the server's process id, to read its peak memory (default: the process listening on --addr's port)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	baseline := fs.Bool("baseline", false, fmt.Sprintf("after the run, run pgbench (-s %d, tpcb-like, same clients, duration and rate) on a scratch database of --pg-url for comparison; with --rate it also reports pgbench's latencies", loadtest.BaselineScale))
	pgURL := fs.String("pg-url", "", "the PostgreSQL server for --baseline, such as postgres://postgres@127.0.0.1:5432/postgres")
	flood := fs.Bool("flood", false, fmt.Sprintf("instead of a workload: one client's deposits alone for --duration, then for --duration again while --flooders connections send hostile %d-byte batches; reports the latency ratios and the server's memory above idle", loadtest.FloodBodyBytesDefault))
	flooders := fs.Int("flooders", loadtest.FloodersDefault, "hostile batch requests in flight at once, with --flood")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: coffer bench [flags]\n\nLoad-test a running Coffer on this machine through its API: set up a fresh asset and\nfunded wallets, send the workload, report throughput and latency, and check the balances.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("bench takes no arguments, got %q", pos)
	}
	if cfg.Key == "" {
		cfg.Key = os.Getenv("COFFER_API_KEY")
	}
	if err := loadtest.CheckLoopback(cfg.Addr); err != nil {
		return usageErr("--addr: %v", err)
	}
	if *baseline && *pgURL == "" {
		return usageErr("--baseline needs --pg-url, such as postgres://postgres@127.0.0.1:5432/postgres")
	}

	if *flood {
		rep, err := loadtest.RunFlood(ctx, loadtest.FloodConfig{Addr: cfg.Addr, Key: cfg.Key, Duration: cfg.Duration,
			RequestsMax: cfg.RequestsMax, Flooders: *flooders, ServerPID: cfg.ServerPID, Progress: os.Stderr})
		if err != nil {
			return err
		}
		if *asJSON {
			err = printJSON(stdout, rep)
		} else {
			err = rep.WriteTable(stdout)
		}
		if err == nil && !rep.OK() {
			err = errors.New("a check failed")
		}
		return err
	}
	rep, err := loadtest.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if *baseline {
		fmt.Fprintf(os.Stderr, "bench: baseline: pgbench -s %d on a scratch database of %s\n", loadtest.BaselineScale, *pgURL)
		b, err := loadtest.RunBaseline(ctx, loadtest.BaselineConfig{URL: *pgURL, Clients: rep.Clients, Duration: cfg.Duration, Rate: cfg.Rate})
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		rep.SetBaseline(b)
	}
	if *asJSON {
		err = printJSON(stdout, rep)
	} else {
		err = rep.WriteTable(stdout)
	}
	if err != nil {
		return err
	}
	if !rep.OK() {
		return errors.New("a check failed")
	}
	return nil
}
