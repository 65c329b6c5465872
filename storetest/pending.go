package storetest

import (
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

func testPendingTransfers(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	ps, ok := s.(coffer.PendingStore)
	if !ok {
		t.Fatalf("%T does not implement coffer.PendingStore", s)
	}
	ids := setup(t, s, "alice", "bob")
	pending := func(id string, typ coffer.TransferType, expires *time.Time) *coffer.Transfer {
		tr := transfer(id, ids[0], ids[1], 10, 0)
		tr.Type, tr.State, tr.Pending, tr.ExpiresAt = typ, coffer.StatePending, true, expires
		return tr
	}
	voided := pending("p5", coffer.TypeHold, ptr(at(1)))
	voided.State, voided.ResolvedAt = coffer.StateVoided, ptr(at(1))
	save(t, s, &coffer.Changes{NewTransfers: []*coffer.Transfer{
		pending("p1", coffer.TypeHold, ptr(at(30))),
		pending("p2", coffer.TypeWithdrawal, ptr(at(10))),
		pending("p3", coffer.TypeHold, ptr(at(10))), // the same moment as p2: by id
		pending("p4", coffer.TypeHold, nil),         // never expires: not listed
		voided,
		pending("p6", coffer.TypeHold, ptr(at(20))),
		transfer("p7", ids[0], ids[1], 10, 0), // plain, posted
	}})

	list := func(f coffer.PendingFilter) []coffer.Transfer {
		t.Helper()
		got, err := ps.PendingTransfers(ctx, f)
		if err != nil {
			t.Fatalf("PendingTransfers(%+v): %v", f, err)
		}
		return got
	}
	wantIDs(t, "all", transferIDs(list(coffer.PendingFilter{})), []string{"p2", "p3", "p6", "p1"})
	wantIDs(t, "holds", transferIDs(list(coffer.PendingFilter{Type: coffer.TypeHold})), []string{"p3", "p6", "p1"})
	wantIDs(t, "withdrawals", transferIDs(list(coffer.PendingFilter{Type: coffer.TypeWithdrawal})), []string{"p2"})

	// Paged two at a time, each page continuing after the last one's expiry and id.
	var paged []string
	f := coffer.PendingFilter{Limit: 2}
	for {
		got := list(f)
		paged = append(paged, transferIDs(got)...)
		if len(got) < f.Limit {
			break
		}
		last := got[len(got)-1]
		f.AfterExpiresAt, f.AfterID = *last.ExpiresAt, last.ID
	}
	wantIDs(t, "pages", paged, []string{"p2", "p3", "p6", "p1"})
	if got := list(coffer.PendingFilter{Limit: 1}); len(got) != 1 || got[0].ExpiresAt == nil || !got[0].ExpiresAt.Equal(at(10)) {
		t.Errorf("first pending %+v, want p2 expiring at %v", got, at(10))
	}
}
