package storetest

import (
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

func leaseStore(t *testing.T, s coffer.Store) interface {
	coffer.LeaseStore
	coffer.CursorStore
} {
	t.Helper()
	ls, ok := s.(interface {
		coffer.LeaseStore
		coffer.CursorStore
	})
	if !ok {
		t.Fatalf("%T implements neither coffer.LeaseStore nor coffer.CursorStore", s)
	}
	return ls
}

// testLeases checks the lease's life: claimed when free, refused to another while held,
// renewed by its holder with the same token, taken over with the next token once expired or
// released, and never released by a holder that no longer holds it.
func testLeases(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	ls := leaseStore(t, s)
	l, ok, err := ls.ClaimLease(ctx, "relay", "a", time.Hour, []byte(`{"n":1}`))
	if err != nil || !ok || l.Holder != "a" || l.Token != 1 || string(l.Progress) != `{"n":1}` {
		t.Fatalf("first claim: %+v %v %v", l, ok, err)
	}
	if !l.ExpiresAt.After(l.RenewedAt) || l.Since != l.RenewedAt {
		t.Fatalf("first claim's times: %+v", l)
	}
	got, ok, err := ls.ClaimLease(ctx, "relay", "b", time.Hour, nil)
	if err != nil || ok || got.Holder != "a" || got.Token != 1 {
		t.Fatalf("claim of a held lease: %+v %v %v", got, ok, err)
	}
	renewed, ok, err := ls.ClaimLease(ctx, "relay", "a", time.Hour, []byte(`{"n":2}`))
	if err != nil || !ok || renewed.Token != 1 || !renewed.Since.Equal(l.Since) || string(renewed.Progress) != `{"n":2}` {
		t.Fatalf("renewal: %+v %v %v", renewed, ok, err)
	}
	// Another duty's lease is independent.
	if _, ok, err := ls.ClaimLease(ctx, "expiry", "b", time.Hour, nil); err != nil || !ok {
		t.Fatalf("claim of another lease: %v %v", ok, err)
	}
	// A lease that expires (ttl 0: at once) passes to the next claimant with the next token.
	if _, ok, err := ls.ClaimLease(ctx, "relay", "a", 0, nil); err != nil || !ok {
		t.Fatalf("renewal with ttl 0: %v %v", ok, err)
	}
	taken, ok, err := ls.ClaimLease(ctx, "relay", "b", time.Hour, nil)
	if err != nil || !ok || taken.Holder != "b" || taken.Token != 2 {
		t.Fatalf("claim of an expired lease: %+v %v %v", taken, ok, err)
	}
	// The old holder's release does nothing; the new holder's frees it for anyone.
	if err := ls.ReleaseLease(ctx, "relay", "a", 1); err != nil {
		t.Fatal(err)
	}
	if got, ok, _ := ls.ClaimLease(ctx, "relay", "c", time.Hour, nil); ok || got.Holder != "b" {
		t.Fatalf("after a stale release the lease is still b's: %+v %v", got, ok)
	}
	if err := ls.ReleaseLease(ctx, "relay", "b", 2); err != nil {
		t.Fatal(err)
	}
	next, ok, err := ls.ClaimLease(ctx, "relay", "b", time.Hour, nil)
	if err != nil || !ok || next.Token != 3 {
		t.Fatalf("claim after release starts a new tenure: %+v %v %v", next, ok, err)
	}
	all, err := ls.Leases(ctx)
	if err != nil || len(all) != 2 || all[0].Name != "expiry" || all[1].Name != "relay" || all[1].Holder != "b" {
		t.Fatalf("Leases: %+v %v", all, err)
	}
}

// testCursors checks that a cursor starts at 0, moves forward only under the current fence,
// never back by AdvanceCursor, and anywhere by ResetCursor.
func testCursors(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	ls := leaseStore(t, s)
	if c, err := ls.Cursor(ctx, "amqp:x"); err != nil || c.Seq != 0 || c.Sink != "amqp:x" {
		t.Fatalf("new cursor: %+v %v", c, err)
	}
	wantCode(t, "AdvanceCursor without a lease", ls.AdvanceCursor(ctx, "amqp:x", 5, coffer.Fence{Lease: "relay", Token: 1}), coffer.ECONFLICT)
	l, _, err := ls.ClaimLease(ctx, "relay", "a", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := coffer.Fence{Lease: "relay", Token: l.Token}
	if err := ls.AdvanceCursor(ctx, "amqp:x", 5, f); err != nil {
		t.Fatal(err)
	}
	if err := ls.AdvanceCursor(ctx, "amqp:x", 3, f); err != nil {
		t.Fatal(err)
	}
	if c, _ := ls.Cursor(ctx, "amqp:x"); c.Seq != 5 || c.UpdatedAt.IsZero() {
		t.Fatalf("a cursor does not move back: %+v", c)
	}
	// Once the lease has changed hands the old fence moves nothing.
	if _, _, err := ls.ClaimLease(ctx, "relay", "a", 0, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := ls.ClaimLease(ctx, "relay", "b", time.Hour, nil); err != nil || !ok {
		t.Fatalf("takeover: %v %v", ok, err)
	}
	wantCode(t, "AdvanceCursor with a stale fence", ls.AdvanceCursor(ctx, "amqp:x", 9, f), coffer.ECONFLICT)
	if err := ls.AdvanceCursor(ctx, "nats:y", 7, coffer.Fence{Lease: "relay", Token: f.Token + 1}); err != nil {
		t.Fatal(err)
	}
	if err := ls.ResetCursor(ctx, "amqp:x", 2); err != nil {
		t.Fatal(err)
	}
	cs, err := ls.Cursors(ctx)
	if err != nil || len(cs) != 2 || cs[0].Sink != "amqp:x" || cs[0].Seq != 2 || cs[1].Sink != "nats:y" || cs[1].Seq != 7 {
		t.Fatalf("Cursors: %+v %v", cs, err)
	}
	if seq, err := ls.LastEventSeq(ctx); err != nil || seq != 0 {
		t.Fatalf("LastEventSeq of an empty store: %d %v", seq, err)
	}
	save(t, s, &coffer.Changes{Events: []coffer.Event{event("t-1", 1), event("t-2", 2)}})
	es, err := s.Events(ctx, 0, coffer.PageSizeMax)
	if err != nil || len(es) == 0 {
		t.Fatalf("events: %d %v", len(es), err)
	}
	if seq, err := ls.LastEventSeq(ctx); err != nil || seq != es[len(es)-1].Seq {
		t.Fatalf("LastEventSeq = %d, %v; want %d", seq, err, es[len(es)-1].Seq)
	}
}
