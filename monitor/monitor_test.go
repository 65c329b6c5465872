package monitor_test

import (
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/monitor"
)

type store interface {
	coffer.Store
	monitor.Store
	coffer.LeaseStore
}

// clock is the test's clock: no_movement is moved by it, never by sleeping.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestEdges on each store: every condition kind triggers and clears exactly once per edge, on
// an account and on every account of an asset; passes repeated and a new watcher (a restart,
// and a new holder of the duty) add no event; no_movement by the sweep with an injected clock;
// a changed monitor is evaluated afresh and a deleted one yields nothing more.
func TestEdges(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			s := kind.Open(t).(store)
			clk := &clock{now: time.Date(2026, 12, 6, 4, 0, 0, 0, time.UTC)}
			l := ledger.New(s, ledger.Config{Now: clk.Now, Logger: slog.New(slog.DiscardHandler)})
			t.Cleanup(func() { l.Close() })
			ctx := t.Context()
			usd := coffer.AmountFromInt64
			do := func(cs ...ledger.Command) {
				t.Helper()
				for _, c := range cs {
					if _, err := l.Do(ctx, c); err != nil {
						t.Fatalf("%T: %v", c, err)
					}
				}
			}
			do(ledger.CreateAsset{Code: "USD", Scale: 2},
				ledger.Deposit{ID: "d1", Owner: "alice", Asset: "USD", Amount: usd(10_000)})
			for _, m := range []coffer.Monitor{
				{ID: "m-balance-below", AccountID: "wallet:alice:USD", Asset: "USD", Condition: coffer.MonitorBalanceBelow, Threshold: usd(5_000)},
				{ID: "m-balance-above", AccountID: "wallet:alice:USD", Asset: "USD", Condition: coffer.MonitorBalanceAbove, Threshold: usd(20_000)},
				{ID: "m-available-below", AccountID: "wallet:alice:USD", Asset: "USD", Condition: coffer.MonitorAvailableBelow, Threshold: usd(8_000)},
				{ID: "m-available-above", Asset: "USD", Condition: coffer.MonitorAvailableAbove, Threshold: usd(15_000)},
				{ID: "m-held-above", AccountID: "wallet:alice:USD", Asset: "USD", Condition: coffer.MonitorHeldAbove, Threshold: usd(0)},
				{ID: "m-idle", AccountID: "wallet:alice:USD", Asset: "USD", Condition: coffer.MonitorNoMovement, Period: time.Hour},
			} {
				m.CreatedAt, m.UpdatedAt, m.CreatedBy = clk.Now(), clk.Now(), "key-1"
				if err := s.CreateMonitor(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.CreateMonitor(ctx, coffer.Monitor{ID: "m-idle", Asset: "USD", Condition: coffer.MonitorHeldAbove,
				CreatedAt: clk.Now(), UpdatedAt: clk.Now()}); coffer.ErrorCode(err) != coffer.ECONFLICT {
				t.Fatalf("a taken id: %v", err)
			}

			holder := "a"
			// pass runs a watcher as a holder of the duty would: a new watcher each time, as
			// after a restart, its cursor in the store; twice, to show the second adds nothing.
			pass := func() {
				t.Helper()
				lease, ok, err := s.ClaimLease(ctx, monitor.DutyName, holder, time.Minute, nil)
				if err != nil || !ok {
					t.Fatalf("claim: %v %v", ok, err)
				}
				fence := coffer.Fence{Lease: monitor.DutyName, Token: lease.Token}
				w := monitor.New(monitor.Config{Store: s, Now: clk.Now})
				for range 2 {
					if _, _, err := w.Pass(ctx, fence); err != nil {
						t.Fatal(err)
					}
					if _, err := w.Sweep(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			// edges returns the monitor events after seq, as "type monitor account".
			seen := uint64(0)
			edges := func() []string {
				t.Helper()
				es, err := s.Events(ctx, seen, coffer.PageSizeMax)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, e := range es {
					seen = e.Seq
					if e.Type != coffer.EventMonitorTriggered && e.Type != coffer.EventMonitorCleared {
						continue
					}
					var n coffer.MonitorNotice
					if err := json.Unmarshal(e.Data, &n); err != nil {
						t.Fatal(err)
					}
					if n.MonitorID != e.Subject || n.Triggered != (e.Type == coffer.EventMonitorTriggered) {
						t.Errorf("event %s: %s", e.Type, e.Data)
					}
					out = append(out, e.Type[len("monitor."):]+" "+e.Subject+" "+n.AccountID)
				}
				return out
			}
			want := func(what string, w ...string) {
				t.Helper()
				pass()
				got := edges()
				if len(got) != len(w) {
					t.Fatalf("%s: edges %q, want %q", what, got, w)
				}
				for i := range w {
					if got[i] != w[i] {
						t.Fatalf("%s: edges %q, want %q", what, got, w)
					}
				}
			}
			const alice = "wallet:alice:USD"
			want("start: nothing holds")

			do(ledger.Hold{ID: "h1", Owner: "alice", Asset: "USD", Amount: usd(3_000), Merchant: "shop"})
			want("a hold", "triggered m-available-below "+alice, "triggered m-held-above "+alice)
			do(ledger.VoidTransfer{TransferID: "h1"})
			want("released", "cleared m-available-below "+alice, "cleared m-held-above "+alice)

			do(ledger.Deposit{ID: "d2", Owner: "alice", Asset: "USD", Amount: usd(6_000)}, // 160.00
				ledger.Deposit{ID: "d3", Owner: "bob", Asset: "USD", Amount: usd(15_001)})
			want("over the asset's threshold", "triggered m-available-above "+alice, "triggered m-available-above wallet:bob:USD")
			do(ledger.Deposit{ID: "d4", Owner: "alice", Asset: "USD", Amount: usd(5_000)}) // 210.00
			want("over 200", "triggered m-balance-above "+alice)
			do(ledger.Withdraw{ID: "w1", Owner: "alice", Asset: "USD", Amount: usd(16_100)}) // 49.00 available, 210 balance
			want("a withdrawal held", "cleared m-available-above "+alice, "triggered m-available-below "+alice, "triggered m-held-above "+alice)
			do(ledger.PostTransfer{TransferID: "w1"}) // 49.00
			want("paid out", "cleared m-balance-above "+alice, "triggered m-balance-below "+alice, "cleared m-held-above "+alice)
			// Exactly at the threshold is not below it: the threshold is exact.
			do(ledger.Deposit{ID: "d5", Owner: "alice", Asset: "USD", Amount: usd(100)}) // 50.00
			want("at the threshold", "cleared m-balance-below "+alice)

			// No movement: the sweep finds it by the clock, a movement clears it.
			clk.Advance(59 * time.Minute)
			want("not yet idle")
			clk.Advance(time.Minute)
			want("idle an hour", "triggered m-idle "+alice)
			holder = "b" // another process takes the duty over once the lease lapses
			clk.Advance(time.Minute)
			if err := s.ReleaseLease(ctx, monitor.DutyName, "a", 1); err != nil {
				t.Fatal(err)
			}
			want("a new holder: no repeat")
			do(ledger.Deposit{ID: "d6", Owner: "alice", Asset: "USD", Amount: usd(1)})
			want("moved", "cleared m-idle "+alice)

			// Changed: evaluated afresh. Deleted: nothing more.
			m, err := s.Monitor(ctx, "m-balance-below")
			if err != nil {
				t.Fatal(err)
			}
			m.Threshold, m.UpdatedAt = usd(6_000), clk.Now()
			if err := s.UpdateMonitor(ctx, m); err != nil {
				t.Fatal(err)
			}
			do(ledger.Deposit{ID: "d7", Owner: "alice", Asset: "USD", Amount: usd(1)}) // 50.02 < 60.00
			want("changed", "triggered m-balance-below "+alice)
			if err := s.DeleteMonitor(ctx, "m-balance-below"); err != nil {
				t.Fatal(err)
			}
			if err := s.DeleteMonitor(ctx, "m-balance-below"); coffer.ErrorCode(err) != coffer.ENOTFOUND {
				t.Fatalf("deleted twice: %v", err)
			}
			do(ledger.Deposit{ID: "d8", Owner: "alice", Asset: "USD", Amount: usd(1_000)}) // 60.02: no longer below 60.00, but that monitor is gone
			want("deleted")
			if rep, err := ledger.Verify(ctx, s); err != nil || len(rep.Violations) > 0 {
				t.Fatalf("verify: %+v %v", rep, err)
			}
		})
	}
}
