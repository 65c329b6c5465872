package send_test

import (
	"context"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/send"
	"github.com/cofferhq/coffer/duty"
)

// TestRunAsDuty runs the sender as a duty under the store's lease: a payout queued while it
// runs is sent at once (Queue wakes it), confirmed once the blocks come, and each pass reports its
// progress.
func TestRunAsDuty(t *testing.T) {
	r := setup(t, options{})
	r.cfg.Chain.Poll = 10 * time.Millisecond
	steps := make(chan send.Step, 16)
	r.cfg.Step = func(s send.Step, in coffer.SendIntent) {
		if s == send.StepMarked || s == send.StepFinished {
			steps <- s
		}
	}
	r.restart(t)
	if err := r.store.ReleaseLease(t.Context(), r.fence.Lease, "test", r.fence.Token); err != nil {
		t.Fatal(err)
	}
	claimed := make(chan bool, 4)
	reports := make(chan send.Progress, 1)
	runner := duty.New(duty.Config{Store: r.store, ClaimEvery: 20 * time.Millisecond, TTL: 5 * time.Second,
		Changed: func(_ string, held bool) { claimed <- held }},
		duty.Duty{Name: send.DutyName("dev", r.sim.HotAddr()), Run: func(ctx context.Context, f coffer.Fence, report func(any)) error {
			return r.s.Run(ctx, f, func(p any) {
				report(p)
				select {
				case reports <- p.(send.Progress):
				default:
				}
			})
		}})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		runner.Run(ctx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	wait := func(what string, ch <-chan send.Step, want send.Step) {
		t.Helper()
		select {
		case got := <-ch:
			if got != want {
				t.Fatalf("step %s; want %s", got, want)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("no %s in 30 s", what)
		}
	}
	select {
	case <-claimed:
	case <-time.After(30 * time.Second):
		t.Fatal("the duty was not claimed")
	}
	to := newAddress()
	r.queue(t, "pay", to, "ETH", big.NewInt(5))
	wait("broadcast", steps, send.StepMarked)
	r.mine(t, 2)
	wait("end", steps, send.StepFinished)
	r.wantOnce(t, "pay", coffer.SendConfirmed)
	if got := r.balance(t, to); got.Int64() != 5 {
		t.Fatalf("the recipient holds %s", got)
	}
	// Each pass reports its progress to the duty; one after the end shows nothing in flight.
	for {
		select {
		case p := <-reports:
			if p.From == strings.ToLower(r.sim.HotAddr().Hex()) && p.InFlight == 0 && p.Head >= 2 && p.LastError == "" {
				return
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no progress without the payout in flight in 30 s")
		}
	}
}
