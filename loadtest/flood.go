package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
)

// Defaults and limits of a FloodConfig.
const (
	// FloodersDefault is how many hostile batch requests are in flight at once: the flood that
	// took the server to 1.1 GB before batches were decoded as they arrive.
	FloodersDefault = 16
	// FloodersMax keeps the flood within what one machine's load generator can send.
	FloodersMax = 256
	// FloodBodyBytesDefault is the hostile body's size: the server's default batch body limit,
	// filled with empty transfers, about 1.4 million of them.
	FloodBodyBytesDefault = httpapi.BatchBodyBytesMaxDefault
	// FloodRequestsMaxDefault caps the normal client's deposits in each phase.
	FloodRequestsMaxDefault = 1_000_000
	// floodAnswerTimeout bounds one hostile request, so that a server that never answers ends
	// the run instead of hanging it.
	floodAnswerTimeout = time.Minute
)

// FloodConfig is one flood run: a normal client's deposits alone, then the same client's
// deposits while Flooders connections send hostile batches.
type FloodConfig struct {
	// Addr and Key are as in Config; the key needs the operator role or higher (setup creates
	// an asset, so admin).
	Addr, Key string
	// Duration is how long each of the two phases sends deposits. Default DurationDefault.
	Duration time.Duration
	// RequestsMax caps the deposits of each phase. Default FloodRequestsMaxDefault.
	RequestsMax int64
	// Flooders is how many hostile batch requests are in flight at once. Default
	// FloodersDefault.
	Flooders int
	// BodyBytes is the size of each hostile body: an independent batch of empty transfers.
	// Default FloodBodyBytesDefault.
	BodyBytes int
	// ServerPID is the server's process, whose memory the report gives; 0 looks for the
	// process listening on Addr's port.
	ServerPID int
	// Progress, if not nil, receives a line as each phase starts.
	Progress io.Writer
}

func (cfg FloodConfig) withDefaults() (FloodConfig, error) {
	if cfg.Duration == 0 {
		cfg.Duration = DurationDefault
	}
	if cfg.RequestsMax == 0 {
		cfg.RequestsMax = FloodRequestsMaxDefault
	}
	if cfg.Flooders == 0 {
		cfg.Flooders = FloodersDefault
	}
	if cfg.BodyBytes == 0 {
		cfg.BodyBytes = FloodBodyBytesDefault
	}
	if err := CheckLoopback(cfg.Addr); err != nil {
		return cfg, err
	}
	minBody := len(floodPrefix) + len(floodSuffix)
	switch {
	case cfg.Duration < 0 || cfg.Duration > DurationMax:
		return cfg, fmt.Errorf("duration must be more than 0 and at most %s, got %s", DurationMax, cfg.Duration)
	case cfg.RequestsMax < 1:
		return cfg, fmt.Errorf("requests-max must be at least 1, got %d", cfg.RequestsMax)
	case cfg.Flooders < 1 || cfg.Flooders > FloodersMax:
		return cfg, fmt.Errorf("flooders must be from 1 to %d, got %d", FloodersMax, cfg.Flooders)
	case cfg.BodyBytes < minBody:
		return cfg, fmt.Errorf("the flood's body must be at least %d bytes, got %d", minBody, cfg.BodyBytes)
	case cfg.ServerPID < 0:
		return cfg, fmt.Errorf("server pid must not be negative, got %d", cfg.ServerPID)
	}
	return cfg, nil
}

// The hostile body: an independent batch of empty transfers, as many as BodyBytes holds.
const (
	floodPrefix = `{"mode":"independent","transfers":[`
	floodSuffix = `{}]}`
)

func floodBody(size int) []byte {
	n := (size - len(floodPrefix) - len(floodSuffix)) / len("{},")
	b := make([]byte, 0, len(floodPrefix)+n*len("{},")+len(floodSuffix))
	b = append(b, floodPrefix...)
	b = append(b, bytes.Repeat([]byte("{},"), n)...)
	return append(b, floodSuffix...)
}

// RunFlood runs a flood: setup (an asset), the normal client alone, then the normal client
// during the flood, and reports the client's latency in both phases, their ratios, and the
// server's memory above idle at the flood's peak. An error means the run could not be made;
// a failed check is in the report.
func RunFlood(ctx context.Context, cfg FloodConfig) (*FloodReport, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	admin := client.New(BaseURL(cfg.Addr), cfg.Key)
	rep := &FloodReport{Asset: newAssetCode(), Flooders: cfg.Flooders}
	progress := func(format string, args ...any) {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "bench: flood: "+format+"\n", args...)
		}
	}
	if _, err := admin.CreateAsset(ctx, client.CreateAssetRequest{Code: rep.Asset, Scale: Scale}); err != nil {
		return nil, fmt.Errorf("setup: create asset %s: %w", rep.Asset, err)
	}
	normal := &depositor{asset: rep.Asset, key: cfg.Key, addr: cfg.Addr}

	progress("the normal client alone: deposits of %s for %s", rep.Asset, cfg.Duration)
	rep.Alone = normal.phase(ctx, cfg, nil)

	pid, source, memErr := serverPID(cfg.Addr, cfg.ServerPID)
	rep.Memory = FloodMemory{PID: pid, Source: source}
	var sampler *rssSampler
	if memErr == nil {
		// Idle: what the server holds before the flood, after the same traffic it will serve
		// during it.
		rep.Memory.IdleBytes, memErr = ResidentMemory(pid)
		sampler = startRSSSampler(pid)
	}
	if memErr != nil {
		rep.Memory.Source = "unknown: " + memErr.Error()
	}

	body := floodBody(cfg.BodyBytes)
	rep.BodyBytes = len(body)
	progress("the normal client during the flood: %d connections sending batches of %d bytes", cfg.Flooders, len(body))
	f := &flood{addr: cfg.Addr, key: cfg.Key, body: body, answers: map[string]int64{}}
	rep.Flooded = normal.phase(ctx, cfg, f)
	rep.FloodAnswers = f.stop()
	if sampler != nil {
		rep.Memory.PeakBytes = sampler.stop()
		rep.Memory.AboveIdleBytes = max(rep.Memory.PeakBytes-rep.Memory.IdleBytes, 0)
		rep.Memory.Source += fmt.Sprintf("; resident memory sampled every %s", rssSampleInterval)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if rep.Alone.Latency.P50 > 0 {
		rep.P50Ratio = rep.Flooded.Latency.P50 / rep.Alone.Latency.P50
	}
	if rep.Alone.Latency.P99 > 0 {
		rep.P99Ratio = rep.Flooded.Latency.P99 / rep.Alone.Latency.P99
	}
	rep.Checks = floodChecks(rep, cfg)
	return rep, nil
}

// depositor is the normal client: one connection, one deposit at a time.
type depositor struct {
	asset, key, addr string
	seq              int
}

// phase sends deposits until Duration has passed or RequestsMax were sent, and, if f is not
// nil, runs the flood meanwhile: the phase ends only once every flooder had an answer, so that
// the deposits are measured during a flood that was on.
func (d *depositor) phase(ctx context.Context, cfg FloodConfig, f *flood) Phase {
	conn := &connTransport{}
	defer conn.close()
	cl := client.New(BaseURL(d.addr), d.key)
	cl.HTTP = &http.Client{Transport: conn}
	if f != nil {
		f.start(ctx, cfg.Flooders)
	}
	var hist Histogram
	failed := map[string]int64{}
	var n int64
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	for n < cfg.RequestsMax && time.Now().Before(deadline) && ctx.Err() == nil {
		d.seq++
		req := client.DepositRequest{ID: fmt.Sprintf("%s-flood-%d", d.asset, d.seq),
			Owner: "flood-" + strconv.Itoa(d.seq%100), Asset: d.asset, Amount: "1.00", Source: "bench flood"}
		t := time.Now()
		_, err := cl.Deposit(ctx, req)
		hist.Record(time.Since(t))
		n++
		if err != nil {
			failed[coffer.ErrorCode(err)]++
		}
	}
	elapsed := time.Since(start)
	if f != nil {
		f.waitAnswered(ctx)
	}
	p := Phase{Seconds: elapsed.Seconds(), Requests: n, Latency: latencyOf(&hist), Failed: failed}
	if s := elapsed.Seconds(); s > 0 {
		p.RequestsPerSecond = float64(n) / s
	}
	return p
}

// flood is Flooders connections, each sending the hostile body again and again.
type flood struct {
	addr, key string
	body      []byte
	stopping  atomic.Bool
	wg        sync.WaitGroup
	mu        sync.Mutex
	answers   map[string]int64
	// answered is closed once every flooder had an answer (or gave up).
	answered chan struct{}
	pending  atomic.Int64
}

func (f *flood) start(ctx context.Context, flooders int) {
	f.answered = make(chan struct{})
	f.pending.Store(int64(flooders))
	for range flooders {
		f.wg.Go(func() {
			first := true
			for !f.stopping.Load() && ctx.Err() == nil {
				status := f.send(ctx)
				f.mu.Lock()
				f.answers[status]++
				f.mu.Unlock()
				if first {
					first = false
					if f.pending.Add(-1) == 0 {
						close(f.answered)
					}
				}
			}
			if first && f.pending.Add(-1) == 0 {
				close(f.answered)
			}
		})
	}
}

// waitAnswered waits until every flooder had one answer.
func (f *flood) waitAnswered(ctx context.Context) {
	select {
	case <-f.answered:
	case <-ctx.Done():
	}
}

// stop ends the flood after each flooder's current request and returns the answers by status.
func (f *flood) stop() map[string]int64 {
	f.stopping.Store(true)
	f.wg.Wait()
	return f.answers
}

// send sends the hostile batch once on a new connection and returns the status of the answer,
// or "none". The body is written while the answer is read: a server that refuses early answers
// before the body is through, and closes the connection.
func (f *flood) send(ctx context.Context) string {
	u, err := url.Parse(BaseURL(f.addr))
	if err != nil {
		return "none"
	}
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return "none"
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(floodAnswerTimeout))
	head := "POST /v1/transfers/batch HTTP/1.1\r\nHost: " + u.Host + "\r\nAuthorization: Bearer " + f.key +
		"\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(f.body)) + "\r\n\r\n"
	go func() {
		// Its error is the server closing the connection once it has answered.
		bufs := net.Buffers{[]byte(head), f.body}
		bufs.WriteTo(conn)
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return "none"
	}
	resp.Body.Close()
	return strconv.Itoa(resp.StatusCode)
}

// rssSampleInterval is how often the flood samples the server's resident memory. VmHWM, the
// kernel's own peak, counts the whole life of the process, and resetting it needs rights over
// the process that a load generator may not have.
const rssSampleInterval = 10 * time.Millisecond

// rssSampler keeps the largest resident memory of a process it saw.
type rssSampler struct {
	pid  int
	peak atomic.Int64
	done chan struct{}
	wg   sync.WaitGroup
}

func startRSSSampler(pid int) *rssSampler {
	s := &rssSampler{pid: pid, done: make(chan struct{})}
	s.wg.Go(func() {
		t := time.NewTicker(rssSampleInterval)
		defer t.Stop()
		for {
			if rss, err := ResidentMemory(pid); err == nil && rss > s.peak.Load() {
				s.peak.Store(rss)
			}
			select {
			case <-t.C:
			case <-s.done:
				return
			}
		}
	})
	return s
}

func (s *rssSampler) stop() int64 {
	close(s.done)
	s.wg.Wait()
	return s.peak.Load()
}
