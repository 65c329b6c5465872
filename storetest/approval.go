package storetest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

// events returns every event of s, in seq order.
func events(t *testing.T, s coffer.Store) []coffer.Event {
	t.Helper()
	es, err := s.Events(t.Context(), 0, coffer.PageSizeMax)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	return es
}

// testKeyEvents: a key change writes its events with it, and a refused one none.
func testKeyEvents(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	ev := func(typ string) coffer.Event {
		return coffer.Event{Type: typ, Subject: "key-1", Data: json.RawMessage(`{"id":"key-1"}`), CreatedAt: t0}
	}
	k := coffer.Key{ID: "key-1", Name: "ops", Role: coffer.RoleAdmin, Hash: strings.Repeat("a1", 32), CreatedAt: t0}
	if err := s.CreateKey(ctx, k, ev(coffer.EventKeyCreated)); err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	if err := s.CreateKey(ctx, k, ev(coffer.EventKeyCreated)); err == nil {
		t.Fatalf("CreateKey with a taken id succeeded")
	}
	if err := s.RevokeKey(ctx, k.ID, at(1), ev(coffer.EventKeyRevoked)); err != nil {
		t.Fatalf("RevokeKey: %v", err)
	}
	wantCode(t, "RevokeKey(revoked)", s.RevokeKey(ctx, k.ID, at(2), ev(coffer.EventKeyRevoked)), coffer.ENOTFOUND)
	es := events(t, s)
	if len(es) != 2 || es[0].Type != coffer.EventKeyCreated || es[1].Type != coffer.EventKeyRevoked ||
		es[0].Seq != 1 || es[1].Seq != 2 || es[1].Hash != coffer.ChainEvent(es[0].Hash, &es[1]) {
		t.Fatalf("events %+v", es)
	}
}

// testApprovals: requested once under an id, decided once, each step with its event; listed
// the waiting first, each part newest first, and paged.
func testApprovals(t *testing.T, s coffer.Store) {
	as, ok := s.(coffer.ApprovalStore)
	if !ok {
		t.Fatalf("%T keeps no approvals", s)
	}
	ctx := t.Context()
	ev := func(typ, id string) coffer.Event {
		return coffer.Event{Type: typ, Subject: id, Data: json.RawMessage(`{"id":"` + id + `"}`), CreatedAt: t0}
	}
	request := func(id string, at time.Time) coffer.Approval {
		return coffer.Approval{ID: id, Kind: coffer.ApprovalKindAdjustment, Request: json.RawMessage(`{"id":"` + id + `","amount":"1.00"}`),
			Fingerprint: "fp-" + id, Status: coffer.ApprovalWaiting, RequestedBy: "key-1", RequestedAt: at}
	}
	for i, id := range []string{"a1", "a2", "a3", "a4"} {
		a := request(id, at(i))
		got, created, err := as.RequestApproval(ctx, a, ev(coffer.EventApprovalRequested, id))
		if err != nil || !created {
			t.Fatalf("RequestApproval(%s): %v %v", id, created, err)
		}
		same(t, "RequestApproval("+id+")", got, a)
	}
	again := request("a1", at(9))
	again.Fingerprint = "other"
	got, created, err := as.RequestApproval(ctx, again, ev(coffer.EventApprovalRequested, "a1"))
	if err != nil || created || got.Fingerprint != "fp-a1" || !got.RequestedAt.Equal(at(0)) {
		t.Fatalf("RequestApproval(taken id): %+v %v %v", got, created, err)
	}

	decided := request("a2", at(1))
	decided.Status, decided.DecidedBy, decided.DecidedAt = coffer.ApprovalApproved, "key-2", ptr(at(5))
	got, ok, err = as.DecideApproval(ctx, decided, ev(coffer.EventApprovalApproved, "a2"))
	if err != nil || !ok {
		t.Fatalf("DecideApproval: %v %v", ok, err)
	}
	same(t, "DecideApproval", got, decided)
	other := decided
	other.Status, other.DecidedBy, other.DecidedAt, other.Reason = coffer.ApprovalRejected, "key-3", ptr(at(6)), "no"
	got, ok, err = as.DecideApproval(ctx, other, ev(coffer.EventApprovalRejected, "a2"))
	if err != nil || ok {
		t.Fatalf("DecideApproval(decided): %v %v", ok, err)
	}
	same(t, "DecideApproval(decided)", got, decided)
	_, _, err = as.DecideApproval(ctx, request("nope", t0), ev(coffer.EventApprovalApproved, "nope"))
	wantCode(t, "DecideApproval(unknown)", err, coffer.ENOTFOUND)
	_, err = as.Approval(ctx, "nope")
	wantCode(t, "Approval(unknown)", err, coffer.ENOTFOUND)
	if got, err := as.Approval(ctx, "a2"); err != nil {
		t.Fatalf("Approval: %v", err)
	} else {
		same(t, "Approval", got, decided)
	}

	// One event per change: four requests and one decision.
	var types []string
	for _, e := range events(t, s) {
		types = append(types, e.Type+" "+e.Subject)
	}
	same(t, "events", types, []string{"approval.requested a1", "approval.requested a2", "approval.requested a3",
		"approval.requested a4", "approval.approved a2"})

	var ids []string
	f := coffer.ApprovalFilter{Limit: 2}
	for {
		page, err := as.Approvals(ctx, f)
		if err != nil {
			t.Fatalf("Approvals: %v", err)
		}
		for _, a := range page {
			ids = append(ids, a.ID)
		}
		if len(page) < 2 {
			break
		}
		last := page[len(page)-1]
		f.After = &coffer.ApprovalCursor{Waiting: last.Status == coffer.ApprovalWaiting, RequestedAt: last.RequestedAt, ID: last.ID}
	}
	same(t, "Approvals", ids, []string{"a4", "a3", "a1", "a2"})
	page, err := as.Approvals(ctx, coffer.ApprovalFilter{Status: coffer.ApprovalApproved})
	if err != nil || len(page) != 1 || page[0].ID != "a2" {
		t.Fatalf("Approvals(approved): %+v %v", page, err)
	}
}
