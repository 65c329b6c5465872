package duty_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/duty"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/postgres"
	"github.com/cofferhq/coffer/sqlite"
)

// twoStores opens two stores on one database, as two processes would.
func twoStores(t *testing.T, kind string) (a, b coffer.LeaseStore) {
	t.Helper()
	ctx := context.Background()
	switch kind {
	case "sqlite":
		path := filepath.Join(t.TempDir(), "coffer.db")
		s1, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s1.Close() })
		s2, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s2.Close() })
		return s1, s2
	default:
		u := postgres.TestURL(t)
		s1, err := postgres.Open(ctx, u, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s1.Close() })
		s2, err := postgres.Open(ctx, u, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s2.Close() })
		return s1, s2
	}
}

// freezable is a lease store whose process can be frozen: its claims fail, as when a process
// is stopped (SIGSTOP) or cut off from the database, and it cannot release what it holds.
type freezable struct {
	coffer.LeaseStore
	mu     sync.Mutex
	frozen bool
}

func (f *freezable) freeze() {
	f.mu.Lock()
	f.frozen = true
	f.mu.Unlock()
}

func (f *freezable) ClaimLease(ctx context.Context, name, holder string, ttl time.Duration, progress []byte) (coffer.Lease, bool, error) {
	f.mu.Lock()
	frozen := f.frozen
	f.mu.Unlock()
	if frozen {
		return coffer.Lease{}, false, errors.New("frozen")
	}
	return f.LeaseStore.ClaimLease(ctx, name, holder, ttl, progress)
}

// events collects the runners' Changed calls.
type events struct {
	ch chan change
}

type change struct {
	holder string
	held   bool
}

func (e *events) hook(holder string) func(string, bool) {
	return func(_ string, held bool) { e.ch <- change{holder, held} }
}

func (e *events) next(t *testing.T, bound time.Duration) change {
	t.Helper()
	select {
	case c := <-e.ch:
		return c
	case <-time.After(bound):
		t.Fatalf("no change of holder within %s", bound)
		return change{}
	}
}

// TestTakeover runs one duty on two runners sharing a database: one holds it, the other waits;
// when the holder freezes, it stops the duty once its lease may have expired, and the other
// takes over within TTL + ClaimEvery with the next fencing token. Then a clean stop hands the
// lease back at once.
func TestTakeover(t *testing.T) {
	kinds := []string{"sqlite"}
	if len(testdb.Kinds()) > 1 {
		kinds = append(kinds, "postgres")
	}
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			sa, sb := twoStores(t, kind)
			fa := &freezable{LeaseStore: sa}
			const ttl, every = 600 * time.Millisecond, 100 * time.Millisecond
			ev := &events{ch: make(chan change, 16)}
			tokens := make(chan uint64, 4)
			work := duty.Duty{Name: "expiry", Run: func(ctx context.Context, f coffer.Fence, report func(any)) error {
				tokens <- f.Token
				report(map[string]int{"runs": 1})
				<-ctx.Done()
				return nil
			}}
			logger := slog.New(slog.NewTextHandler(t.Output(), nil))
			a := duty.New(duty.Config{Store: fa, Holder: "a", TTL: ttl, ClaimEvery: every, Changed: ev.hook("a"), Logger: logger}, work)
			ctxA, stopA := context.WithCancel(context.Background())
			doneA := make(chan struct{})
			go func() { defer close(doneA); a.Run(ctxA) }()
			if c := ev.next(t, 10*time.Second); c != (change{"a", true}) {
				t.Fatalf("first change %+v, want a holding", c)
			}
			b := duty.New(duty.Config{Store: sb, Holder: "b", TTL: ttl, ClaimEvery: every, Changed: ev.hook("b"), Logger: logger}, work)
			ctxB, stopB := context.WithCancel(context.Background())
			doneB := make(chan struct{})
			go func() { defer close(doneB); b.Run(ctxB) }()
			t.Cleanup(func() { stopA(); stopB(); <-doneA; <-doneB })

			// b's claims fail while a renews; nothing changes until a freezes.
			ls, err := sb.Leases(t.Context())
			if err != nil || len(ls) != 1 || ls[0].Holder != "a" || ls[0].Token != 1 {
				t.Fatalf("leases while a holds: %+v %v", ls, err)
			}
			frozeAt := time.Now()
			fa.freeze()
			if c := ev.next(t, 10*time.Second); c != (change{"a", false}) {
				t.Fatalf("after freezing a: %+v, want a to stop first", c)
			}
			if c := ev.next(t, 10*time.Second); c != (change{"b", true}) {
				t.Fatalf("after a stopped: %+v, want b holding", c)
			}
			if took := time.Since(frozeAt); took > ttl+every+time.Second {
				t.Errorf("takeover took %s; the bound is TTL+ClaimEvery = %s", took, ttl+every)
			}
			if first, second := <-tokens, <-tokens; first != 1 || second != 2 {
				t.Errorf("fence tokens %d then %d, want 1 then 2", first, second)
			}
			ls, err = sa.Leases(t.Context())
			if err != nil || ls[0].Holder != "b" || ls[0].Token != 2 {
				t.Fatalf("leases after takeover: %+v %v", ls, err)
			}
			// A clean stop releases the lease at once: it is free (no holder) before the TTL.
			stopB()
			<-doneB
			if c := ev.next(t, 10*time.Second); c != (change{"b", false}) {
				t.Fatalf("after stopping b: %+v", c)
			}
			ls, err = sa.Leases(t.Context())
			if err != nil || ls[0].Holder != "" {
				t.Fatalf("after a clean stop: %+v %v", ls, err)
			}
		})
	}
}
