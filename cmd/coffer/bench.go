package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/loadtest"
)

func init() {
	register(func(a *app) *cobra.Command {
		cmd := &cobra.Command{
			Use:   "bench",
			Short: "load-test a running server on this machine through the API (exits 1 if a check fails)",
			Long: `Load-test a running Coffer on this machine through its API: set up a fresh asset and
funded wallets, send the workload, report throughput and latency, and check the balances.
--key must be an admin key: setup creates assets, the checks call /v1/verify.`,
			Args: noArgs,
		}
		cfg := a.settled(cmd, clientSettings...)
		fs := cmd.Flags()
		lc := loadtest.Config{Workload: loadtest.Uniform, Progress: a.stderr, Clients: loadtest.ClientsDefault,
			Accounts: loadtest.AccountsDefault, Duration: loadtest.DurationDefault, BatchSize: loadtest.BatchSizeDefault}
		fs.Var(workloadValue{&lc.Workload}, "workload", "the workload the clients send: "+loadtest.WorkloadNames())
		intFlag(fs, &lc.Clients, "clients", fmt.Sprintf("concurrent request loops, at most %d", loadtest.ClientsMax))
		intFlag(fs, &lc.Accounts, "accounts", fmt.Sprintf("wallets to fund and move money between, 2 to %d", loadtest.AccountsMax))
		fs.Var(durationValue{&lc.Duration, 0}, "duration", fmt.Sprintf("how long to send requests, at most %s", loadtest.DurationMax))
		intFlag(fs, &lc.BatchSize, "batch-size", "transfers per request of the batch workload")
		fs.Float64Var(&lc.Rate, "rate", 0, "cap on the requests per second of all clients together, to measure latency at a fixed load; 0 is unlimited")
		fs.Int64Var(&lc.RequestsMax, "requests-max", loadtest.RequestsMaxDefault, "a hard cap on the run's requests")
		intFlag(fs, &lc.ServerPID, "server-pid", "the server's process id, to read its peak memory (default: the process listening on --addr's port)")
		asJSON := fs.Bool("json", false, "print the report as JSON")
		baseline := fs.Bool("baseline", false, fmt.Sprintf("after the run, run pgbench (-s %d, tpcb-like, same clients, duration and rate) on a scratch database of --pg-url for comparison; with --rate it also reports pgbench's latencies", loadtest.BaselineScale))
		pgURL := fs.String("pg-url", "", "the PostgreSQL server for --baseline, such as postgres://postgres@127.0.0.1:5432/postgres")
		flood := fs.Bool("flood", false, fmt.Sprintf("instead of a workload: one client's deposits alone for --duration, then for --duration again while --flooders connections send hostile %d-byte batches; reports the latency ratios and the server's memory above idle", loadtest.FloodBodyBytesDefault))
		flooders := fs.Int("flooders", loadtest.FloodersDefault, "hostile batch requests in flight at once, with --flood")
		follow := fs.StringArray("follow", nil, "receive the run's events as a consumer and report the delay from commit to arrival: events (the long poll of GET /v1/events), or the URL of a --sink of the server (amqp://, nats://, kafka://) to receive what it publishes; may repeat")
		cmd.RunE = func(cmd *cobra.Command, _ []string) error {
			lc.Addr, lc.Key = cfg.Server, cfg.APIKey
			if err := loadtest.CheckLoopback(lc.Addr); err != nil {
				return usageErr("--addr: %v", err)
			}
			if lc.Key == "" {
				return usageErr("no API key: give --key, set COFFER_API_KEY, or set client.key in the --config file")
			}
			if *baseline && *pgURL == "" {
				return usageErr("--baseline needs --pg-url, such as postgres://postgres@127.0.0.1:5432/postgres")
			}
			for _, f := range *follow {
				fl, err := loadtest.ParseFollower(f, lc.Addr, lc.Key)
				if err != nil {
					return usageErr("--follow: %v", err)
				}
				lc.Followers = append(lc.Followers, fl)
			}
			ctx := cmd.Context()
			if *flood {
				return benchFlood(a, ctx, loadtest.FloodConfig{Addr: lc.Addr, Key: lc.Key, Duration: lc.Duration,
					RequestsMax: lc.RequestsMax, Flooders: *flooders, ServerPID: lc.ServerPID, Progress: a.stderr}, *asJSON)
			}
			rep, err := loadtest.Run(ctx, lc)
			if err != nil {
				return err
			}
			if *baseline {
				fmt.Fprintf(a.stderr, "bench: baseline: pgbench -s %d on a scratch database of %s\n", loadtest.BaselineScale, redact(*pgURL))
				b, err := loadtest.RunBaseline(ctx, loadtest.BaselineConfig{URL: *pgURL, Clients: rep.Clients, Duration: lc.Duration, Rate: lc.Rate})
				if err != nil {
					return fmt.Errorf("baseline: %w", err)
				}
				rep.SetBaseline(b)
			}
			if *asJSON {
				err = printJSON(a.stdout, rep)
			} else {
				err = rep.WriteTable(a.stdout)
			}
			if err != nil {
				return err
			}
			if !rep.OK() {
				return errors.New("a check failed")
			}
			return nil
		}
		return cmd
	})
}

// workloadValue is the pflag.Value of --workload.
type workloadValue struct{ *loadtest.Workload }

func (w workloadValue) Type() string { return "name" }

// benchFlood runs `coffer bench --flood` and prints its report.
func benchFlood(a *app, ctx context.Context, fc loadtest.FloodConfig, asJSON bool) error {
	rep, err := loadtest.RunFlood(ctx, fc)
	if err != nil {
		return err
	}
	if asJSON {
		err = printJSON(a.stdout, rep)
	} else {
		err = rep.WriteTable(a.stdout)
	}
	if err == nil && !rep.OK() {
		err = errors.New("a check failed")
	}
	return err
}
