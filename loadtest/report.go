package loadtest

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cofferhq/coffer"
)

// Report is what a run measured and what its checks found. Its JSON is the form `coffer bench
// --json` prints.
type Report struct {
	Workload Workload `json:"workload"`
	Asset    string   `json:"asset"`
	// CounterAsset is the asset the mixed workload's exchanges buy.
	CounterAsset string  `json:"counter_asset,omitempty"`
	Clients      int     `json:"clients"`
	Accounts     int     `json:"accounts"`
	BatchSize    int     `json:"batch_size,omitempty"`
	RateLimit    float64 `json:"rate_limit,omitempty"`
	RequestsMax  int64   `json:"requests_max"`
	Setup        Setup   `json:"setup"`
	// Seconds is how long the run took, from its first request to its last answer.
	Seconds            float64 `json:"seconds"`
	Requests           int64   `json:"requests"`
	Transfers          int64   `json:"transfers"`
	RequestsPerSecond  float64 `json:"requests_per_second"`
	TransfersPerSecond float64 `json:"transfers_per_second"`
	Latency            Latency `json:"latency_ms"`
	// Operations counts the requests by what they asked for.
	Operations map[string]int64 `json:"operations"`
	// Rejected counts the requests the money rules refused, by code: expected now and then.
	// Failed counts every other error, by code.
	Rejected map[string]int64 `json:"rejected"`
	Failed   map[string]int64 `json:"failed"`
	// ItemsRejected and ItemsFailed are the same for the items of batches that were answered.
	ItemsRejected map[string]int64 `json:"items_rejected,omitempty"`
	ItemsFailed   map[string]int64 `json:"items_failed,omitempty"`
	ServerMemory  Memory           `json:"server_memory"`
	Checks        []Check          `json:"checks"`
	Baseline      *Baseline        `json:"baseline,omitempty"`
	// Deliveries are the followers' receipts of the run's events.
	Deliveries []Delivery `json:"deliveries,omitempty"`
}

// Setup is what setup did before the run.
type Setup struct {
	// Deposits is how many wallets it funded, each with Funded, one transfer each.
	Deposits int    `json:"deposits"`
	Funded   string `json:"funded"`
	// PoolFunded is what one adjustment put into the exchange pool of the asset the mixed
	// workload buys; empty for the others.
	PoolFunded string  `json:"pool_funded,omitempty"`
	Seconds    float64 `json:"seconds"`
}

// Latency is the time a request took, in milliseconds.
type Latency struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// OK reports whether every check passed.
func (r *Report) OK() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return true
}

// rateKept is the share of a fixed rate below which the report says that pgbench could not keep
// up with it.
const rateKept = 0.95

// SetBaseline adds pgbench's figures and compares Coffer's with them: transfers per second over
// pgbench's transactions per second, and, where both ran at a fixed rate, p99 latency over
// pgbench's.
func (r *Report) SetBaseline(b *Baseline) {
	if b.TPS > 0 {
		b.Ratio = r.TransfersPerSecond / b.TPS
	}
	if b.Latency != nil && b.Latency.P99 > 0 {
		b.P99Ratio = r.Latency.P99 / b.Latency.P99
	}
	r.Baseline = b
}

// rejectedByRules reports whether an error code is the money rules refusing a request, which a
// load test meets now and then (a wallet drained by chance). Every other code is a failure; a
// conflict too, since the run's ids are unique and its holds and withdrawals are ended once.
func rejectedByRules(code string) bool {
	switch code {
	case coffer.EINSUFFICIENTFUNDS, coffer.ELOCKED, coffer.EEXPIRED, coffer.ELIMIT:
		return true
	}
	return false
}

// report turns the run's tally into a Report, without the memory and checks.
func (b *bench) report(t tally, hist *Histogram, elapsed time.Duration) *Report {
	r := &Report{Workload: b.cfg.Workload, Asset: b.asset, CounterAsset: b.counter, Clients: b.cfg.Clients,
		Accounts: b.cfg.Accounts, RateLimit: b.cfg.Rate, RequestsMax: b.cfg.RequestsMax,
		Setup:   Setup{Deposits: len(b.wallets), Funded: formatMinor(FundAmount)},
		Seconds: elapsed.Seconds(), Requests: t.requests, Transfers: t.transfers,
		Operations: t.operations, Rejected: map[string]int64{}, Failed: map[string]int64{}}
	if b.counter != "" {
		r.Setup.PoolFunded = formatMinor(PoolFund)
	}
	if b.cfg.Workload == Batch {
		r.BatchSize = b.cfg.BatchSize
		r.ItemsRejected, r.ItemsFailed = map[string]int64{}, map[string]int64{}
		split(t.itemErrors, r.ItemsRejected, r.ItemsFailed)
	}
	split(t.errors, r.Rejected, r.Failed)
	if s := elapsed.Seconds(); s > 0 {
		r.RequestsPerSecond = float64(t.requests) / s
		r.TransfersPerSecond = float64(t.transfers) / s
	}
	r.Latency = latencyOf(hist)
	return r
}

// latencyOf returns the percentiles of hist.
func latencyOf(hist *Histogram) Latency {
	return Latency{P50: ms(hist.Quantile(0.50)), P90: ms(hist.Quantile(0.90)),
		P99: ms(hist.Quantile(0.99)), Max: ms(hist.Max())}
}

func split(byCode, rejected, failed map[string]int64) {
	for code, n := range byCode {
		if rejectedByRules(code) {
			rejected[code] += n
		} else {
			failed[code] += n
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// WriteTable writes the report for people.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, format string, args ...any) { fmt.Fprintf(tw, "%s\t%s\n", k, fmt.Sprintf(format, args...)) }
	assets := r.Asset
	if r.CounterAsset != "" {
		assets += ", exchanges into " + r.CounterAsset
	}
	row("workload", "%s (asset %s)", r.Workload, assets)
	row("clients", "%d", r.Clients)
	row("accounts", "%d", r.Accounts)
	if r.BatchSize > 0 {
		row("batch size", "%d", r.BatchSize)
	}
	if r.RateLimit > 0 {
		row("rate limit", "%g requests/s", r.RateLimit)
	}
	pool := ""
	if r.Setup.PoolFunded != "" {
		pool = ", an exchange pool funded with " + r.Setup.PoolFunded
	}
	row("setup", "%d deposits of %s%s in %.1fs (not timed)", r.Setup.Deposits, r.Setup.Funded, pool, r.Setup.Seconds)
	row("duration", "%.2fs (requests-max %d)", r.Seconds, r.RequestsMax)
	row("requests", "%d  (%.1f/s)", r.Requests, r.RequestsPerSecond)
	row("transfers", "%d  (%.1f/s)", r.Transfers, r.TransfersPerSecond)
	row("latency ms", "p50 %.2f  p90 %.2f  p99 %.2f  max %.2f", r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.Max)
	row("operations", "%s", counts(r.Operations))
	row("rejected by rules", "%s", counts(r.Rejected))
	row("failed", "%s", counts(r.Failed))
	if r.ItemsRejected != nil {
		row("items rejected", "%s", counts(r.ItemsRejected))
		row("items failed", "%s", counts(r.ItemsFailed))
	}
	if m := r.ServerMemory; m.Known() {
		row("server peak memory", "%.1f MiB (pid %d, %s)", float64(m.PeakBytes)/(1<<20), m.PID, m.Source)
	} else {
		row("server peak memory", "%s", m.Source)
	}
	for _, d := range r.Deliveries {
		row("delivery: "+d.Follower, "%d events, %d missing, %d repeats, %d out of order; commit to arrival ms p50 %.2f  p90 %.2f  p99 %.2f  max %.2f%s",
			d.Events, d.Missing, d.Duplicates, d.OutOfOrder, d.Delay.P50, d.Delay.P90, d.Delay.P99, d.Delay.Max, errSuffix(d.Error))
	}
	if b := r.Baseline; b != nil {
		if b.Skipped != "" {
			row("pgbench baseline", "skipped: %s", b.Skipped)
		} else {
			rate := ""
			if b.Rate > 0 {
				rate = fmt.Sprintf(" -R %g", b.Rate)
			}
			row("pgbench baseline", "%.1f tps (pgbench -s %d -c %d -j %d -T %d%s -M prepared, tpcb-like)", b.TPS, b.Scale, b.Clients, b.Jobs, b.Seconds, rate)
			if l := b.Latency; l != nil {
				row("pgbench latency ms", "p50 %.2f  p90 %.2f  p99 %.2f  max %.2f (from its log, schedule lag left out)", l.P50, l.P90, l.P99, l.Max)
				if b.TPS < rateKept*b.Rate {
					row("", "pgbench kept %.0f%% of the rate: past its own peak, its latencies measure overload", 100*b.TPS/b.Rate)
				}
			}
			row("coffer / pgbench", "%.2f (transfers/s over tps)", b.Ratio)
			if b.P99Ratio > 0 {
				row("", "%.2f (p99 over p99)", b.P99Ratio)
			}
		}
	}
	for i, c := range r.Checks {
		k := ""
		if i == 0 {
			k = "checks"
		}
		status := "ok"
		if !c.OK {
			status = "FAILED"
		}
		row(k, "%-6s %s: %s", status, c.Name, c.Detail)
	}
	return tw.Flush()
}

// counts writes counts by name, largest first: "transfer 1200, payment 30", or "none".
func counts(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b))
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func errSuffix(err string) string {
	if err == "" {
		return ""
	}
	return "; error: " + err
}
