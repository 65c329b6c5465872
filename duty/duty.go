// Package duty runs Coffer's background duties (hold expiry, the event relay) on one process at
// a time among all the processes that share a database. Each duty has a lease in the database
// (coffer.LeaseStore); the process that holds it runs the duty and renews it, and when that
// process dies another claims the lease once it has expired and takes over.
package duty

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/cofferhq/coffer"
)

// Defaults of a Runner's timing. A dead holder's duties are taken over within TTL + ClaimEvery:
// 8 s with these.
const (
	// TTLDefault is how long a lease lasts unless renewed: long enough that a holder busy with a
	// slow database does not lose it, short enough that a dead holder's duties stop for seconds.
	TTLDefault = 6 * time.Second
	// ClaimEveryDefault is how often a process renews the leases it holds and tries to claim the
	// others: a third of the TTL, so two renewals can fail before a lease expires.
	ClaimEveryDefault = 2 * time.Second
)

// Duty is one background task. Run works until ctx ends, which happens when the process stops
// or loses the lease; it returns nil then. A Run that returns earlier (an error, or nil) is
// started again at the next claim. fence identifies this holding of the lease: writes that must
// not come from a stale holder carry it. report records the duty's progress, any JSON value,
// which GET /v1/duties shows.
type Duty struct {
	Name string
	Run  func(ctx context.Context, fence coffer.Fence, report func(progress any)) error
}

// Config configures a Runner. The zero value of a field means its default.
type Config struct {
	Store coffer.LeaseStore
	// Holder names this process in the leases. Default: host name, pid and a random suffix.
	Holder string
	// TTL is a lease's life without renewal. Default TTLDefault.
	TTL time.Duration
	// ClaimEvery is how often leases are renewed or claimed. Default ClaimEveryDefault.
	ClaimEvery time.Duration
	Logger     *slog.Logger
	// Changed, if set, is called whenever this process starts or stops holding a duty: a hook
	// for tests to wait on.
	Changed func(duty string, held bool)
}

// Runner runs duties under their leases.
type Runner struct {
	cfg    Config
	duties []Duty
}

// New returns a Runner of the duties.
func New(cfg Config, duties ...Duty) *Runner {
	if cfg.Holder == "" {
		cfg.Holder = DefaultHolder()
	}
	if cfg.TTL <= 0 {
		cfg.TTL = TTLDefault
	}
	if cfg.ClaimEvery <= 0 {
		cfg.ClaimEvery = ClaimEveryDefault
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Runner{cfg: cfg, duties: duties}
}

// Holder returns the name this process holds leases under.
func (r *Runner) Holder() string { return r.cfg.Holder }

// DefaultHolder names this process: host, pid and a random suffix, so that a restarted process
// with the same pid is another holder.
func DefaultHolder() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// Run runs every duty under its lease until ctx ends, then stops the duties this process runs,
// waits for them and releases their leases, so that another process may take them at once.
func (r *Runner) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, d := range r.duties {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.keep(ctx, d)
		}()
	}
	wg.Wait()
}

// holding is one tenure of a lease by this process.
type holding struct {
	fence    coffer.Fence
	cancel   context.CancelFunc
	done     chan struct{}
	deadline time.Time // by our clock, when the lease may have expired unless renewed

	mu       sync.Mutex
	progress []byte
}

func (h *holding) report(progress any) {
	b, err := json.Marshal(progress)
	if err != nil {
		return
	}
	h.mu.Lock()
	h.progress = b
	h.mu.Unlock()
}

func (h *holding) lastProgress() []byte {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.progress
}

// keep claims, renews and runs one duty until ctx ends.
func (r *Runner) keep(ctx context.Context, d Duty) {
	log := r.cfg.Logger.With("duty", d.Name)
	var h *holding
	stop := func(why string) {
		if h == nil {
			return
		}
		h.cancel()
		<-h.done
		log.Info("duty stopped", "reason", why, "token", h.fence.Token)
		if r.cfg.Changed != nil {
			r.cfg.Changed(d.Name, false)
		}
		h = nil
	}
	t := time.NewTicker(r.cfg.ClaimEvery)
	defer t.Stop()
	for {
		// A renewal sent now makes the lease last TTL from when the database reads it, which is
		// after now: the local deadline is on the safe side.
		sent := time.Now()
		l, ok, err := r.cfg.Store.ClaimLease(ctx, d.Name, r.cfg.Holder, r.cfg.TTL, h.lastProgress())
		switch {
		case ctx.Err() != nil:
		case err != nil:
			log.Warn("claim lease", "err", err)
			if h != nil && time.Now().After(h.deadline) {
				stop("lease not renewed in time")
			}
		case !ok:
			stop("lease held by " + l.Holder)
		case h != nil && h.fence.Token != l.Token:
			// Lost and won back in between: a new tenure.
			stop("lease changed hands")
			fallthrough
		default:
			if h == nil {
				h = r.start(ctx, d, coffer.Fence{Lease: d.Name, Token: l.Token}, log)
			}
			h.deadline = sent.Add(r.cfg.TTL)
		}
		select {
		case <-h.expiry():
			// Not renewed in time: another process may claim the lease from now on.
			stop("lease not renewed in time")
		case <-ctx.Done():
			if h != nil {
				fence := h.fence
				stop("shutting down")
				// The release may outlive ctx: give it a moment of its own.
				rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				if err := r.cfg.Store.ReleaseLease(rctx, d.Name, r.cfg.Holder, fence.Token); err != nil {
					log.Warn("release lease", "err", err)
				}
				cancel()
			}
			return
		case <-t.C:
		case <-h.exited():
			// The duty returned on its own: run it again at the next claim, if the lease is
			// still ours then, not at once, so a duty that keeps failing does not spin.
			stop("returned")
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}
}

// expiry returns a channel that fires when the holding's local deadline passes; nil (never) for
// none.
func (h *holding) expiry() <-chan time.Time {
	if h == nil {
		return nil
	}
	return time.After(time.Until(h.deadline))
}

// exited returns a channel closed when the holding's duty has returned; nil (never) for none.
func (h *holding) exited() <-chan struct{} {
	if h == nil {
		return nil
	}
	return h.done
}

func (r *Runner) start(ctx context.Context, d Duty, fence coffer.Fence, log *slog.Logger) *holding {
	dctx, cancel := context.WithCancel(ctx)
	h := &holding{fence: fence, cancel: cancel, done: make(chan struct{})}
	log.Info("duty started", "token", fence.Token, "holder", r.cfg.Holder)
	if r.cfg.Changed != nil {
		r.cfg.Changed(d.Name, true)
	}
	go func() {
		defer close(h.done)
		defer func() {
			if p := recover(); p != nil {
				log.Error("duty panicked", "panic", fmt.Sprint(p))
			}
		}()
		if err := d.Run(dctx, fence, h.report); err != nil && dctx.Err() == nil {
			log.Error("duty failed", "err", err)
		}
	}()
	return h
}
