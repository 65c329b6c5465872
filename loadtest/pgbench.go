package loadtest

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Baseline is pgbench's built-in TPC-B-like script run on the same PostgreSQL with the same
// clients and duration: five statements per transaction, three of them updates of balances, so it
// is roughly what one transfer costs a hand-written ledger on that server.
type Baseline struct {
	Database string  `json:"database"`
	Scale    int     `json:"scale"`
	Clients  int     `json:"clients"`
	Jobs     int     `json:"jobs"`
	Seconds  int     `json:"seconds"`
	TPS      float64 `json:"tps"`
	// Rate is pgbench's -R, transactions per second, when the run had a rate; then Latency holds
	// its transactions' latencies, read from its log, each without its schedule lag (the time it
	// waited for its turn, which Coffer's latencies leave out too).
	Rate    float64  `json:"rate,omitempty"`
	Latency *Latency `json:"latency_ms,omitempty"`
	// Ratio is Coffer's transfers per second over pgbench's transactions per second, and P99Ratio
	// Coffer's p99 latency over pgbench's when both ran at a rate.
	Ratio    float64 `json:"ratio"`
	P99Ratio float64 `json:"p99_ratio,omitempty"`
	// Skipped says why pgbench did not run; the other fields are then empty.
	Skipped string `json:"skipped,omitempty"`
}

// BaselineConfig is a pgbench run.
type BaselineConfig struct {
	// URL is the PostgreSQL server, postgres://user[:password]@host:port/...; its host must be
	// this machine. The database in it is not used: the baseline makes its own.
	URL      string
	Clients  int
	Duration time.Duration
	// Rate, when above 0, runs pgbench at that many transactions per second (-R) and reads its
	// latencies from its log, for a run of Coffer at the same rate.
	Rate float64
	// Scale is pgbench's scale factor; 0 is BaselineScale.
	Scale int
}

const (
	// BaselineScale is pgbench's scale factor: 1,000,000 rows of pgbench_accounts, about 150 MB,
	// and 10 branches, which every transaction updates, so 64 clients contend as on a hot account.
	BaselineScale = 10
	// baselineJobs is pgbench's worker threads (-j): the machine's two cores.
	baselineJobs = 2
	// baselineSetupTimeout bounds createdb, pgbench -i and dropdb, each.
	baselineSetupTimeout = 10 * time.Minute
	// baselineRunSlack is how long pgbench may run past its -T before it is killed.
	baselineRunSlack = 2 * time.Minute
)

// RunBaseline creates a scratch database coffer_bench_<random>, loads it with pgbench -i -s
// Scale, runs pgbench -c Clients -j 2 -T Duration -M prepared on it (with -R Rate and a log of
// every transaction when there is a rate), and drops it. It uses the PostgreSQL client programs
// on PATH; without them it returns a Baseline that says it was skipped.
func RunBaseline(ctx context.Context, cfg BaselineConfig) (*Baseline, error) {
	for _, prog := range []string{"pgbench", "createdb", "dropdb"} {
		if _, err := exec.LookPath(prog); err != nil {
			return &Baseline{Skipped: prog + " is not on PATH"}, nil
		}
	}
	conn, env, err := pgConnection(cfg.URL)
	if err != nil {
		return nil, err
	}
	b := &Baseline{Database: "coffer_bench_" + randomLetters(8, 'a'), Scale: cmp.Or(cfg.Scale, BaselineScale),
		Clients: cfg.Clients, Jobs: min(baselineJobs, cfg.Clients), Seconds: max(int(cfg.Duration.Round(time.Second)/time.Second), 1),
		Rate: cfg.Rate}
	if _, err := pgRun(ctx, baselineSetupTimeout, env, "createdb", append(conn, b.Database)...); err != nil {
		return nil, err
	}
	defer func() {
		// The database is dropped even when ctx has ended: it is 150 MB of nobody's data.
		pgRun(context.WithoutCancel(ctx), baselineSetupTimeout, env, "dropdb", append(conn, "--if-exists", b.Database)...)
	}()
	if _, err := pgRun(ctx, baselineSetupTimeout, env, "pgbench", append(conn, "-i", "-q", "-s", strconv.Itoa(b.Scale), b.Database)...); err != nil {
		return nil, err
	}
	args := append(slices.Clip(conn), "-c", strconv.Itoa(b.Clients), "-j", strconv.Itoa(b.Jobs), "-T", strconv.Itoa(b.Seconds), "-M", "prepared")
	var logs string
	if b.Rate > 0 {
		if logs, err = os.MkdirTemp("", "coffer-pgbench-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(logs)
		args = append(args, "-R", strconv.FormatFloat(b.Rate, 'f', -1, 64), "-l", "--log-prefix", filepath.Join(logs, "pgbench"))
	}
	out, err := pgRun(ctx, time.Duration(b.Seconds)*time.Second+baselineRunSlack, env, "pgbench", append(args, b.Database)...)
	if err != nil {
		return nil, err
	}
	if b.TPS, err = ParseTPS(out); err != nil {
		return nil, err
	}
	if logs != "" {
		var hist Histogram
		if err := readPgbenchLogs(logs, &hist); err != nil {
			return nil, err
		}
		l := latencyOf(&hist)
		b.Latency = &l
	}
	return b, nil
}

// readPgbenchLogs records in hist the latency of every transaction in the pgbench logs of dir
// (one file per thread), less its schedule lag.
func readPgbenchLogs(dir string, hist *Histogram) error {
	files, err := filepath.Glob(filepath.Join(dir, "pgbench.*"))
	if err != nil {
		return err
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		err = ParsePgbenchLog(f, hist)
		f.Close()
		if err != nil {
			return fmt.Errorf("pgbench log %s: %w", filepath.Base(name), err)
		}
	}
	if hist.Count() == 0 {
		return fmt.Errorf("pgbench logged no transaction in %s", dir)
	}
	return nil
}

// ParsePgbenchLog records in hist the latency of every transaction of a pgbench log written with
// a rate (-R): lines of "client transaction time script epoch microseconds lag", time and lag in
// microseconds, time counted from the transaction's scheduled start. A transaction that failed
// or was skipped has a word for its time and is left out.
func ParsePgbenchLog(r io.Reader, hist *Histogram) error {
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) < 7 {
			return fmt.Errorf("line %d: %q has %d fields, want 7 or more (was pgbench run with -R?)", line, sc.Text(), len(f))
		}
		total, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			continue // "failed" or "skipped"
		}
		lag, err := strconv.ParseInt(f[6], 10, 64)
		if err != nil {
			return fmt.Errorf("line %d: schedule lag %q: %v", line, f[6], err)
		}
		hist.Record(time.Duration(total-lag) * time.Microsecond)
	}
	return sc.Err()
}

var tpsRE = regexp.MustCompile(`tps = ([0-9]+(?:\.[0-9]+)?) \(without initial connection time\)`)

// ParseTPS reads "tps = X (without initial connection time)" from pgbench's output.
func ParseTPS(out string) (float64, error) {
	m := tpsRE.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("pgbench printed no \"tps = X (without initial connection time)\": %s", tail(out))
	}
	return strconv.ParseFloat(m[1], 64)
}

// pgConnection turns a postgres:// URL into the -h, -p and -U flags of the client programs and
// the environment for its password and sslmode. The host must be this machine.
func pgConnection(raw string) (flags, env []string, err error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, nil, fmt.Errorf("%q is not a postgres:// URL", raw)
	}
	if u.Hostname() != "" {
		if err := CheckLoopback(u.Host); err != nil {
			return nil, nil, fmt.Errorf("pg-url: %w", err)
		}
		flags = append(flags, "-h", u.Hostname())
	}
	if p := u.Port(); p != "" {
		flags = append(flags, "-p", p)
	}
	if name := u.User.Username(); name != "" {
		flags = append(flags, "-U", name)
	}
	env = os.Environ()
	if pw, ok := u.User.Password(); ok {
		env = append(env, "PGPASSWORD="+pw)
	}
	if mode := u.Query().Get("sslmode"); mode != "" {
		env = append(env, "PGSSLMODE="+mode)
	}
	return flags, env, nil
}

// pgRun runs a PostgreSQL client program for at most timeout and returns its output.
func pgRun(ctx context.Context, timeout time.Duration, env []string, prog string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) || ctx.Err() != nil {
			return "", fmt.Errorf("%s %s: %v: %s", prog, strings.Join(args, " "), err, tail(string(out)))
		}
		return "", fmt.Errorf("%s: %w", prog, err)
	}
	return string(out), nil
}

// tail returns the end of a program's output for an error message.
func tail(out string) string {
	const max = 500
	out = strings.TrimSpace(out)
	if len(out) > max {
		out = "..." + out[len(out)-max:]
	}
	return out
}
