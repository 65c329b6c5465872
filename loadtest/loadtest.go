// Package loadtest drives a running Coffer through its HTTP API, with the Go client the command
// line uses, and reports throughput, latency per request, errors by code, the server's peak
// memory, and whether the ledger still adds up afterwards. `coffer bench` is its command.
//
// A run has three phases. Setup, which is not timed, creates a fresh asset (so that runs never
// collide) and funds Config.Accounts wallets, owned by bench-0, bench-1, ..., with FundAmount each:
// deposits that the clients send concurrently and that also create the wallets. The run then sends
// requests from Config.Clients goroutines, each its own loop, until Config.Duration has passed or
// Config.RequestsMax requests have been sent; a request in flight at the deadline is waited for,
// never cancelled, so that every outcome is known. The checks last read every account of the
// asset back and call GET /v1/verify.
//
// The workloads:
//
//   - uniform: POST /v1/transfers from a random wallet to another, 0.01 to 1.00: one transfer per
//     request.
//   - hot: POST /v1/payments from a random wallet to one merchant, 0.10 to 1.00, with a fee of 2%
//     (at least 0.01) to the asset's fee account: two linked transfers per request, and every
//     request locks the same merchant account.
//   - batch: POST /v1/transfers/batch in independent mode with Config.BatchSize uniform transfers
//     per request: the items that succeed count as transfers, the others are counted by code.
//   - mixed: a wallet service's traffic. Each step picks an operation: a deposit 20% of the time
//     (1.00 to 10.00); a payment 35% (0.10 to 5.00, the 2% fee, to one of MixedMerchants
//     merchants); a hold 15% (0.10 to 5.00 towards a merchant), then in a second request a capture
//     of part of it two times in three, else a release; a withdrawal 10% (0.10 to 5.00), then a
//     completion four times in five (one in ten of them for less than was held), else a failure;
//     an exchange 10% (0.10 to 5.00 of the asset for a second fresh asset at MixedRate, so the
//     server must allow that pair: `coffer serve --exchange-pair '*/*=0.9:0.92'`; setup funds
//     the second asset's exchange pool with PoolFund by an adjustment); a refund
//     10% (part of an earlier payment of the same client, never more than the merchant kept
//     after the fee; a payment instead while the client has none to refund). Since a hold or a
//     withdrawal and its ending are two requests, requests divide a little differently than steps.
//
// A request is one HTTP call, and its latency runs from sending it to reading the answer.
// Transfers are the transfer records the run created: a deposit, a hold, a withdrawal, a refund and
// a plain transfer make one, a payment with a fee and an exchange make two, and posting or voiding
// a pending transfer (capture, release, complete, fail) resolves one and makes none. Nothing is
// retried during the run: each error is counted under its coffer.ErrorCode, unavailable for a
// failure to reach the server.
package loadtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
)

// Workload is what the clients send.
type Workload string

// The workloads; the package comment describes each.
const (
	Uniform Workload = "uniform"
	Hot     Workload = "hot"
	Mixed   Workload = "mixed"
	Batch   Workload = "batch"
)

// Workloads lists the workloads, in the order the command's help names them.
var Workloads = []Workload{Uniform, Hot, Mixed, Batch}

// Defaults and limits of a Config. Each limit keeps one run from outgrowing the machine it
// measures or running for longer than anyone meant.
const (
	ClientsDefault = 64
	// ClientsMax caps the request loops: past a few hundred the client, not the server, is what
	// a two-core machine measures.
	ClientsMax = 1024
	// AccountsDefault spreads uniform traffic thin enough that two requests rarely meet on a wallet.
	AccountsDefault = 10_000
	// AccountsMax caps the wallets setup funds, one deposit each.
	AccountsMax     = 1_000_000
	DurationDefault = 30 * time.Second
	// DurationMax caps the run: a load test is minutes, not a soak.
	DurationMax = time.Hour
	// BatchSizeDefault is the ledger's own batch size, so one request fills one database
	// transaction.
	BatchSizeDefault = 1000
	// RateMin is the lowest rate cap: one request a minute and a half, well inside DurationMax.
	RateMin = 0.01
	// RequestsMaxDefault is a hard cap on requests whatever the duration.
	RequestsMaxDefault = 10_000_000
	// SetupTimeout bounds setup: creating the assets and funding the wallets.
	SetupTimeout = 10 * time.Minute
	// CheckTimeout bounds each call of the checks. GET /v1/verify replays the whole ledger,
	// every run before this one included, so it gets far longer than client.TimeoutDefault.
	CheckTimeout = 10 * time.Minute
)

// Money of a run, in minor units of a scale-2 asset.
const (
	// Scale is the scale of the assets a run creates.
	Scale = 2
	// FundAmount is what setup deposits into each wallet: 1,000.00, against requests of at most
	// 10.00, so insufficient funds stay rare.
	FundAmount = 100_000
	// MixedMerchants is how many merchants the mixed workload pays.
	MixedMerchants = 8
	// MixedRate is the rate of the mixed workload's exchanges: units of the second asset per unit
	// of the first.
	MixedRate = "0.9137"
	// MixedBand is a band of rates around MixedRate, "MIN:MAX", that a server the mixed
	// workload runs against allows for every pair (--exchange-pair '*/*=0.9:0.92'): the run's
	// assets are fresh, so no pair of them can be configured ahead.
	MixedBand = "0.9:0.92"
	// PoolFund is what setup puts into the exchange pool of the asset the mixed workload buys,
	// which pays out only what it holds: far more than a run's exchanges take (at most 4.57 each).
	PoolFund = 100_000_000_000
	// feePercent is the fee of a payment, with feeMin as its floor so that there always is one.
	feePercent = 2
	feeMin     = 1
)

// Config is one run.
type Config struct {
	// Addr is the server's base URL ("http://127.0.0.1:8080") or host:port. Its host must be a
	// loopback address or localhost: a load test is aimed at one's own machine.
	Addr string
	// Key is an admin API key: setup creates assets and the checks call /v1/verify.
	Key string
	// Workload is what the clients send. Default Uniform.
	Workload Workload
	// Clients is how many request loops run at once. Default ClientsDefault.
	Clients int
	// Accounts is how many wallets setup funds and the run moves money between (at least 2).
	// Default AccountsDefault.
	Accounts int
	// Duration is how long the run sends requests. Default DurationDefault.
	Duration time.Duration
	// BatchSize is the transfers per request of the batch workload. Default BatchSizeDefault.
	BatchSize int
	// Rate caps the requests per second of all clients together, to measure latency at a fixed
	// load; 0 is unlimited.
	Rate float64
	// RequestsMax is a hard cap on the run's requests. Default RequestsMaxDefault.
	RequestsMax int64
	// ServerPID is the server's process, whose peak memory the report gives; 0 looks for the
	// process listening on Addr's port.
	ServerPID int
	// Progress, if not nil, receives a line as each phase starts.
	Progress io.Writer
	// Followers receive the run's events as consumers would (from a broker the relay publishes
	// to, or the event stream), and the report gives each one's delays from commit to arrival.
	Followers []Follower
}

// withDefaults returns cfg with its zero fields set to the defaults, or an error that says which
// field is wrong.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Workload == "" {
		cfg.Workload = Uniform
	}
	if cfg.Clients == 0 {
		cfg.Clients = ClientsDefault
	}
	if cfg.Accounts == 0 {
		cfg.Accounts = AccountsDefault
	}
	if cfg.Duration == 0 {
		cfg.Duration = DurationDefault
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = BatchSizeDefault
	}
	if cfg.RequestsMax == 0 {
		cfg.RequestsMax = RequestsMaxDefault
	}
	if err := CheckLoopback(cfg.Addr); err != nil {
		return cfg, err
	}
	switch {
	case !validWorkload(cfg.Workload):
		return cfg, fmt.Errorf("workload %q must be one of %s", cfg.Workload, WorkloadNames())
	case cfg.Clients < 1 || cfg.Clients > ClientsMax:
		return cfg, fmt.Errorf("clients must be from 1 to %d, got %d", ClientsMax, cfg.Clients)
	case cfg.Accounts < 2 || cfg.Accounts > AccountsMax:
		return cfg, fmt.Errorf("accounts must be from 2 to %d, got %d", AccountsMax, cfg.Accounts)
	case cfg.Duration < 0 || cfg.Duration > DurationMax:
		return cfg, fmt.Errorf("duration must be more than 0 and at most %s, got %s", DurationMax, cfg.Duration)
	case cfg.BatchSize < 1 || cfg.BatchSize > httpapi.BatchItemsMax:
		return cfg, fmt.Errorf("batch size must be from 1 to %d, got %d", httpapi.BatchItemsMax, cfg.BatchSize)
	case cfg.Rate != 0 && !(cfg.Rate >= RateMin):
		return cfg, fmt.Errorf("rate must be 0 (unlimited) or at least %g requests/s, got %g", RateMin, cfg.Rate)
	case cfg.RequestsMax < 1:
		return cfg, fmt.Errorf("requests-max must be at least 1, got %d", cfg.RequestsMax)
	case cfg.ServerPID < 0:
		return cfg, fmt.Errorf("server pid must not be negative, got %d", cfg.ServerPID)
	}
	return cfg, nil
}

func validWorkload(w Workload) bool { return slices.Contains(Workloads, w) }

// String returns the workload's name.
func (w Workload) String() string { return string(w) }

// Set sets w from its name, so that a flag.FlagSet can read it.
func (w *Workload) Set(name string) error {
	if !validWorkload(Workload(name)) {
		return fmt.Errorf("must be one of %s", WorkloadNames())
	}
	*w = Workload(name)
	return nil
}

// WorkloadNames returns the workloads' names, separated by commas.
func WorkloadNames() string {
	names := make([]string, len(Workloads))
	for i, w := range Workloads {
		names[i] = string(w)
	}
	return strings.Join(names, ", ")
}

// BaseURL turns an address into a base URL: host:port means plain HTTP.
func BaseURL(addr string) string {
	if strings.Contains(addr, "://") {
		return strings.TrimRight(addr, "/")
	}
	return "http://" + addr
}

// CheckLoopback returns an error unless addr (a URL or host:port) names this machine: localhost,
// 127.0.0.0/8 or ::1. A load test sent elsewhere would be an attack on someone's server.
func CheckLoopback(addr string) error {
	if addr == "" {
		return fmt.Errorf("no server address; give --addr or COFFER_ADDR, such as http://127.0.0.1:8080")
	}
	u, err := url.Parse(BaseURL(addr))
	if err != nil {
		return fmt.Errorf("address %q is not a URL or host:port: %v", addr, err)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("address %q is not this machine: a load test may only be sent to localhost, 127.0.0.0/8 or ::1", addr)
}

// Run sets up, runs and checks one load test and returns its report. An error means the run
// could not be made or finished (setup failed, ctx ended); a failed check is in the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	b := newBench(cfg)
	setupStart := time.Now()
	b.progress("setup: asset %s, funding %d wallets with %s each from %d clients", b.asset, cfg.Accounts, formatMinor(FundAmount), cfg.Clients)
	setupCtx, cancel := context.WithTimeout(ctx, SetupTimeout)
	err = b.setup(setupCtx)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	setupTime := time.Since(setupStart)

	var (
		follows []*follow
		from    uint64
	)
	followCtx, stopFollowing := context.WithCancel(ctx)
	defer stopFollowing()
	if len(cfg.Followers) > 0 {
		if from, err = lastSeq(ctx, b.client, 0); err != nil {
			return nil, fmt.Errorf("read the newest event: %w", err)
		}
		if follows, err = b.startFollowers(followCtx, from); err != nil {
			return nil, err
		}
	}

	b.progress("run: %s, %d clients, up to %s or %d requests", cfg.Workload, cfg.Clients, cfg.Duration, cfg.RequestsMax)
	t, hist, elapsed := b.run(ctx)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	rep := b.report(t, hist, elapsed)
	if len(follows) > 0 {
		last, err := lastSeq(ctx, b.client, from)
		if err != nil {
			return nil, fmt.Errorf("read the newest event: %w", err)
		}
		b.progress("delivery: waiting for %d followers to receive events %d to %d", len(follows), from+1, last)
		rep.Deliveries = deliveries(follows, last)
		stopFollowing()
	}
	rep.Setup.Seconds = setupTime.Seconds()
	rep.ServerMemory = serverMemory(cfg)

	b.progress("checks: reading the accounts of %s back and verifying the ledger", strings.Join(b.assets(), " and "))
	rep.Checks = b.check(ctx, t)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("checks: %w", err)
	}
	return rep, nil
}

// bench is one run's shared, read-only state.
type bench struct {
	cfg    Config
	client *client.Client
	// asset is the run's asset; counter, in the mixed workload, the one exchanges buy.
	asset, counter string
	// owners and wallets are the funded wallets' owners and account ids, by index.
	owners, wallets []string
	// merchants are the merchants the workload pays.
	merchants []string
}

func newBench(cfg Config) *bench {
	cl := client.New(BaseURL(cfg.Addr), cfg.Key)
	// http.DefaultTransport keeps two idle connections per host: with more clients than that,
	// every request would open a new connection and the test would measure TCP handshakes and
	// exhaust ephemeral ports.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = cfg.Clients + 16
	tr.MaxIdleConnsPerHost = cfg.Clients + 16
	cl.HTTP = &http.Client{Timeout: client.TimeoutDefault, Transport: tr}

	b := &bench{cfg: cfg, client: cl, asset: newAssetCode()}
	if cfg.Workload == Mixed {
		b.counter = newAssetCode()
	}
	b.owners = make([]string, cfg.Accounts)
	b.wallets = make([]string, cfg.Accounts)
	for i := range cfg.Accounts {
		b.owners[i] = fmt.Sprintf("bench-%d", i)
		b.wallets[i] = "wallet:" + b.owners[i] + ":" + b.asset
	}
	switch cfg.Workload {
	case Hot:
		b.merchants = []string{"bench-merchant"}
	case Mixed:
		for i := range MixedMerchants {
			b.merchants = append(b.merchants, fmt.Sprintf("bench-shop-%d", i))
		}
	}
	return b
}

// assets returns the assets the run created.
func (b *bench) assets() []string {
	if b.counter == "" {
		return []string{b.asset}
	}
	return []string{b.asset, b.counter}
}

func (b *bench) progress(format string, args ...any) {
	if b.cfg.Progress != nil {
		fmt.Fprintf(b.cfg.Progress, "bench: "+format+"\n", args...)
	}
}

// newAssetCode returns "B" and six random capital letters: 26^6 codes, so runs do not collide.
func newAssetCode() string {
	return "B" + randomLetters(6, 'A')
}

// randomLetters returns n random letters from the alphabet that starts at first.
func randomLetters(n int, first byte) string {
	buf := make([]byte, n)
	rand.Read(buf)
	for i := range buf {
		buf[i] = first + buf[i]%26
	}
	return string(buf)
}
