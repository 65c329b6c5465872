package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"regexp"
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
	// Ratio is Coffer's transfers per second over pgbench's transactions per second.
	Ratio float64 `json:"ratio"`
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
// BaselineScale, runs pgbench -c Clients -j 2 -T Duration -M prepared on it, and drops it. It
// uses the PostgreSQL client programs on PATH; without them it returns a Baseline that says it
// was skipped.
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
	b := &Baseline{Database: "coffer_bench_" + randomLetters(8, 'a'), Scale: BaselineScale,
		Clients: cfg.Clients, Jobs: min(baselineJobs, cfg.Clients), Seconds: max(int(cfg.Duration.Round(time.Second)/time.Second), 1)}
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
	out, err := pgRun(ctx, time.Duration(b.Seconds)*time.Second+baselineRunSlack, env, "pgbench", append(conn,
		"-c", strconv.Itoa(b.Clients), "-j", strconv.Itoa(b.Jobs), "-T", strconv.Itoa(b.Seconds), "-M", "prepared", b.Database)...)
	if err != nil {
		return nil, err
	}
	if b.TPS, err = ParseTPS(out); err != nil {
		return nil, err
	}
	return b, nil
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
