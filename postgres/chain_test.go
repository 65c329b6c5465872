package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/postgres"
)

// checkChain reads every event of s and fails unless each is chained to the one before.
func checkChain(t *testing.T, s coffer.Store, want int) {
	t.Helper()
	var es []coffer.Event
	for after := uint64(0); ; {
		page, err := s.Events(t.Context(), after, coffer.PageSizeMax)
		if err != nil {
			t.Fatalf("events: %v", err)
		}
		if len(page) == 0 {
			break
		}
		es = append(es, page...)
		after = page[len(page)-1].Seq
	}
	if len(es) != want {
		t.Fatalf("%d events, want %d", len(es), want)
	}
	prev := coffer.EventHashZero
	for i, e := range es {
		if e.Seq != uint64(i+1) || e.Hash != coffer.ChainEvent(prev, &e) {
			t.Fatalf("event %d (at %d): hash %s does not follow %s", e.Seq, i+1, e.Hash, prev)
		}
		prev = e.Hash
	}
}

// TestChainHeadGuess writes through two stores on one schema, as two processes do. A store
// chains its events to the head it last committed, in the statement that numbers them; when
// another store wrote in between, or before it knows a head, it numbers them under the lock
// in a round trip of its own. Either way the chain follows commit order.
func TestChainHeadGuess(t *testing.T) {
	t.Parallel()
	u := postgres.TestURL(t)
	var stores [2]*postgres.Store
	for i := range stores {
		s, err := postgres.Open(context.Background(), u, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	n := 0
	write := func(s *postgres.Store, events int) {
		t.Helper()
		c := &coffer.Changes{}
		for range events {
			n++
			c.Events = append(c.Events, event(fmt.Sprint("t", n)))
		}
		save(t, s, c)
	}
	a, b := stores[0], stores[1]
	for _, step := range []struct {
		s          *postgres.Store
		events     int
		missA, mis int64 // a's misses and b's after the step
	}{
		{a, 2, 1, 0}, // a knows no head yet
		{a, 1, 1, 0},
		{a, 3, 1, 0},
		{b, 1, 1, 1}, // b knows no head yet
		{b, 2, 1, 1},
		{a, 1, 2, 1}, // b wrote since a's last
		{a, 2, 2, 1},
		{a, 0, 2, 1}, // no events, no head
	} {
		write(step.s, step.events)
		if got := [2]int64{postgres.HeadMissed(a), postgres.HeadMissed(b)}; got != [2]int64{step.missA, step.mis} {
			t.Fatalf("after %d events: misses of a and b %v, want %v", n, got, [2]int64{step.missA, step.mis})
		}
	}
	checkChain(t, a, n)

	// Both at once, a with two writers, many times: the guesses fail often, the chain never.
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, s := range []*postgres.Store{a, a, b} {
		wg.Go(func() {
			for range 30 {
				c := &coffer.Changes{Events: []coffer.Event{event("x"), event("y")}}
				if err := s.Write(t.Context(), func(tx coffer.WriteTx) error { return tx.Save(t.Context(), c) }); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				n += 2
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	checkChain(t, b, n)
}
