package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

func webhookStore(t *testing.T, s coffer.Store) interface {
	coffer.WebhookStore
	coffer.CursorStore
} {
	t.Helper()
	ws, ok := s.(interface {
		coffer.WebhookStore
		coffer.CursorStore
	})
	if !ok {
		t.Fatalf("%T implements neither coffer.WebhookStore nor coffer.CursorStore", s)
	}
	return ws
}

// webhook returns a new active endpoint at revision 1, created at t0.
func webhook(id string) coffer.Webhook {
	return coffer.Webhook{ID: id, URL: "https://example.com/" + id, Status: coffer.WebhookActive,
		Secret: "whsec_" + id, Revision: 1, CreatedAt: t0, UpdatedAt: t0}
}

// attempt returns a failed attempt at the event with seq, at the given second.
func attempt(eventID string, seq uint64, n, sec int) coffer.WebhookAttempt {
	return coffer.WebhookAttempt{EventID: eventID, Seq: seq, Attempt: n, At: at(sec), Latency: 1500 * time.Microsecond,
		Status: 503, Error: "answered 503", Response: "busy", Outcome: coffer.AttemptFailed}
}

// testWebhooks checks the endpoints' life: every field read back as written, a taken ID,
// changes that bump Revision and UpdatedAt or store nothing, clearing a replay, and deletion with
// the endpoint's attempts and cursor.
func testWebhooks(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	ws := webhookStore(t, s)

	full := coffer.Webhook{
		ID: "wh_b", URL: "https://example.com/hooks?x=1",
		Events:      []string{coffer.EventTransferCreated, coffer.EventTransferPosted},
		Description: "payments, ünïcode", Status: coffer.WebhookDead,
		Secret: "whsec_new", PreviousSecret: "whsec_old", PreviousSecretExpiresAt: ptr(at(60)),
		Revision: 3, ReplayAfter: ptr(uint64(7)), Failures: 12, NextAttemptAt: ptr(at(30)),
		DeadAt: ptr(at(40)), DeadReason: "12 attempts failed", CreatedAt: t0, UpdatedAt: at(1),
	}
	bare := webhook("wh_a")
	bare.Events = []string{} // an empty list reads back as nil
	for _, w := range []coffer.Webhook{full, bare} {
		if err := ws.CreateWebhook(ctx, w); err != nil {
			t.Fatalf("CreateWebhook %s: %v", w.ID, err)
		}
	}
	got, err := ws.Webhook(ctx, "wh_b")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "the endpoint with every field set", got, full)
	got, err = ws.Webhook(ctx, "wh_a")
	if err != nil {
		t.Fatal(err)
	}
	bare.Events = nil
	same(t, "the endpoint with no field but the required", got, bare)
	if got.Events != nil || got.PreviousSecretExpiresAt != nil || got.ReplayAfter != nil || got.NextAttemptAt != nil || got.DeadAt != nil {
		t.Errorf("a bare endpoint reads back with lists or pointers set: %+v", got)
	}

	taken := webhook("wh_b")
	wantCode(t, "CreateWebhook with a taken id", ws.CreateWebhook(ctx, taken), coffer.ECONFLICT)
	_, err = ws.Webhook(ctx, "wh_nope")
	wantCode(t, "Webhook of a missing id", err, coffer.ENOTFOUND)
	if err != nil && !strings.Contains(err.Error(), "wh_nope") {
		t.Errorf("ENOTFOUND does not name the id: %v", err)
	}

	all, err := ws.Webhooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("Webhooks: %+v", all)
	}
	same(t, "Webhooks, by id", all, []coffer.Webhook{bare, full})

	// A change: Revision one up, UpdatedAt now, every mutable field stored, the ID and
	// CreatedAt kept.
	before := time.Now().Add(-time.Second)
	updated, err := ws.UpdateWebhook(ctx, "wh_b", func(w *coffer.Webhook) error {
		if w.Revision != 3 || w.Description != full.Description {
			t.Errorf("change sees %+v", w)
		}
		w.URL, w.Events, w.Description, w.Status = "https://example.org/", []string{coffer.EventAccountCreated}, "", coffer.WebhookActive
		w.Secret, w.PreviousSecret, w.PreviousSecretExpiresAt = "whsec_newer", "whsec_new", ptr(at(90))
		w.ReplayAfter, w.Failures, w.NextAttemptAt, w.DeadAt, w.DeadReason = nil, 0, nil, nil, ""
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := coffer.Webhook{ID: "wh_b", URL: "https://example.org/", Events: []string{coffer.EventAccountCreated},
		Status: coffer.WebhookActive, Secret: "whsec_newer", PreviousSecret: "whsec_new",
		PreviousSecretExpiresAt: ptr(at(90)), Revision: 4, CreatedAt: t0, UpdatedAt: updated.UpdatedAt}
	same(t, "UpdateWebhook's result", updated, want)
	if updated.UpdatedAt.Before(before) || updated.UpdatedAt.After(time.Now().Add(time.Second)) ||
		!updated.UpdatedAt.Equal(updated.UpdatedAt.Truncate(time.Microsecond)) {
		t.Errorf("UpdatedAt = %v; want now, in microseconds", updated.UpdatedAt)
	}
	got, err = ws.Webhook(ctx, "wh_b")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "the endpoint after UpdateWebhook", got, updated)

	// A change that fails stores nothing, and its error comes back as it is.
	_, err = ws.UpdateWebhook(ctx, "wh_b", func(w *coffer.Webhook) error {
		w.URL, w.Status = "https://evil.example/", coffer.WebhookDisabled
		return errTest
	})
	if !errors.Is(err, errTest) {
		t.Errorf("UpdateWebhook with a failing change: %v; want the change's error", err)
	}
	got, _ = ws.Webhook(ctx, "wh_b")
	same(t, "the endpoint after a failed change", got, updated)
	_, err = ws.UpdateWebhook(ctx, "wh_nope", func(*coffer.Webhook) error {
		t.Error("change called for a missing endpoint")
		return nil
	})
	wantCode(t, "UpdateWebhook of a missing id", err, coffer.ENOTFOUND)

	// ClearWebhookReplay clears only the replay it is given, and leaves Revision.
	replayed, err := ws.UpdateWebhook(ctx, "wh_b", func(w *coffer.Webhook) error {
		w.ReplayAfter = ptr(uint64(7))
		return nil
	})
	if err != nil || replayed.Revision != 5 || replayed.ReplayAfter == nil || *replayed.ReplayAfter != 7 {
		t.Fatalf("a replay: %+v %v", replayed, err)
	}
	if err := ws.ClearWebhookReplay(ctx, "wh_b", 8); err != nil {
		t.Fatal(err)
	}
	got, _ = ws.Webhook(ctx, "wh_b")
	same(t, "the endpoint after clearing another replay", got, replayed)
	if err := ws.ClearWebhookReplay(ctx, "wh_b", 7); err != nil {
		t.Fatal(err)
	}
	got, _ = ws.Webhook(ctx, "wh_b")
	replayed.ReplayAfter = nil
	same(t, "the endpoint after clearing its replay", got, replayed)
	if err := ws.ClearWebhookReplay(ctx, "wh_nope", 7); err != nil {
		t.Errorf("ClearWebhookReplay of a missing endpoint: %v", err)
	}

	// DeleteWebhook takes the attempts and the cursor, and leaves another endpoint's.
	for _, id := range []string{"wh_a", "wh_b"} {
		if err := ws.RecordWebhookAttempts(ctx, id, 1, []coffer.WebhookAttempt{attempt("evt_1", 1, 1, 0)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := ws.ResetCursor(ctx, coffer.WebhookSink("wh_b"), 5); err != nil {
		t.Fatal(err)
	}
	if err := ws.ResetCursor(ctx, coffer.WebhookSink("wh_a"), 3); err != nil {
		t.Fatal(err)
	}
	if err := ws.DeleteWebhook(ctx, "wh_b"); err != nil {
		t.Fatal(err)
	}
	_, err = ws.Webhook(ctx, "wh_b")
	wantCode(t, "Webhook after DeleteWebhook", err, coffer.ENOTFOUND)
	if as, err := ws.WebhookAttempts(ctx, coffer.WebhookAttemptFilter{Webhook: "wh_b"}); err != nil || len(as) != 0 {
		t.Errorf("a deleted endpoint's attempts: %+v %v", as, err)
	}
	if c, err := ws.Cursor(ctx, coffer.WebhookSink("wh_b")); err != nil || c.Seq != 0 {
		t.Errorf("a deleted endpoint's cursor: %+v %v", c, err)
	}
	if as, err := ws.WebhookAttempts(ctx, coffer.WebhookAttemptFilter{Webhook: "wh_a"}); err != nil || len(as) != 1 {
		t.Errorf("another endpoint's attempts after a deletion: %+v %v", as, err)
	}
	if c, err := ws.Cursor(ctx, coffer.WebhookSink("wh_a")); err != nil || c.Seq != 3 {
		t.Errorf("another endpoint's cursor after a deletion: %+v %v", c, err)
	}
	wantCode(t, "DeleteWebhook of a deleted endpoint", ws.DeleteWebhook(ctx, "wh_b"), coffer.ENOTFOUND)
	// Attempts at a deleted endpoint are not stored.
	late := []coffer.WebhookAttempt{attempt("evt_2", 2, 1, 1)}
	wantCode(t, "RecordWebhookAttempts of a deleted endpoint",
		ws.RecordWebhookAttempts(ctx, "wh_b", 4, late, &coffer.WebhookDeliveryState{Failures: 1}), coffer.ENOTFOUND)
	if as, err := ws.WebhookAttempts(ctx, coffer.WebhookAttemptFilter{Webhook: "wh_b"}); err != nil || len(as) != 0 {
		t.Errorf("attempts recorded at a deleted endpoint: %+v %v", as, err)
	}
	if all, err := ws.Webhooks(ctx); err != nil || len(all) != 1 || all[0].ID != "wh_a" {
		t.Errorf("Webhooks after a deletion: %+v %v", all, err)
	}
}

// testWebhookAttempts checks the attempts' record: IDs that grow, every field read back, the
// delivery state stored under the endpoint's revision and refused under a stale one, the
// dead-lettering, and the listing by event, newest first, in pages.
func testWebhookAttempts(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	ws := webhookStore(t, s)
	for _, id := range []string{"wh_a", "wh_c"} {
		if err := ws.CreateWebhook(ctx, webhook(id)); err != nil {
			t.Fatal(err)
		}
	}

	first := []coffer.WebhookAttempt{
		attempt("evt_1", 1, 1, 0),
		attempt("evt_1", 1, 2, 5),
		{EventID: "evt_2", Seq: 2, Attempt: 1, At: at(6), Latency: 0, Status: 0, Error: "dial tcp: connection refused",
			Response: "\xff\xfe\x00 not text", Outcome: coffer.AttemptFailed, Redelivery: true},
	}
	first[0].ID = 999 // ignored: the store gives IDs
	state := &coffer.WebhookDeliveryState{Failures: 2, NextAttemptAt: ptr(at(35))}
	if err := ws.RecordWebhookAttempts(ctx, "wh_a", 1, first, state); err != nil {
		t.Fatal(err)
	}
	for i, a := range first {
		if a.ID == 0 || a.Webhook != "wh_a" || i > 0 && a.ID <= first[i-1].ID {
			t.Fatalf("recorded attempts have IDs %d, %d, %d and webhook %q: want growing IDs", first[0].ID, first[1].ID, first[2].ID, a.Webhook)
		}
	}
	got, err := ws.WebhookAttempts(ctx, coffer.WebhookAttemptFilter{Webhook: "wh_a"})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "the attempts, newest first", got, []coffer.WebhookAttempt{first[2], first[1], first[0]})
	w, err := ws.Webhook(ctx, "wh_a")
	if err != nil {
		t.Fatal(err)
	}
	want := webhook("wh_a")
	want.Failures, want.NextAttemptAt = 2, ptr(at(35))
	same(t, "the endpoint after its delivery state was stored (Revision and UpdatedAt kept)", w, want)

	// Another endpoint's attempts stay out of wh_a's listing.
	other := []coffer.WebhookAttempt{attempt("evt_1", 1, 1, 7)}
	if err := ws.RecordWebhookAttempts(ctx, "wh_c", 1, other, nil); err != nil {
		t.Fatal(err)
	}
	if other[0].ID <= first[2].ID {
		t.Errorf("IDs do not grow across endpoints: %d after %d", other[0].ID, first[2].ID)
	}

	// An operator's change moves the revision: the relay's state under the old one is refused,
	// its attempts are kept.
	if _, err := ws.UpdateWebhook(ctx, "wh_a", func(w *coffer.Webhook) error {
		w.Description = "changed"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	stale := []coffer.WebhookAttempt{attempt("evt_2", 2, 2, 8)}
	err = ws.RecordWebhookAttempts(ctx, "wh_a", 1, stale, &coffer.WebhookDeliveryState{Failures: 9, NextAttemptAt: ptr(at(99))})
	wantCode(t, "RecordWebhookAttempts under a stale revision", err, coffer.ECONFLICT)
	if stale[0].ID <= other[0].ID {
		t.Errorf("the attempt under a stale revision has ID %d", stale[0].ID)
	}
	w, _ = ws.Webhook(ctx, "wh_a")
	if w.Failures != 2 || w.NextAttemptAt == nil || !w.NextAttemptAt.Equal(at(35)) || w.Revision != 2 {
		t.Errorf("the state under a stale revision was stored: %+v", w)
	}
	if err := ws.RecordWebhookAttempts(ctx, "wh_a", 1, nil, nil); err != nil {
		t.Errorf("RecordWebhookAttempts with no state under a stale revision: %v", err)
	}

	// Dead-lettering, under the current revision.
	last := []coffer.WebhookAttempt{attempt("evt_2", 2, 3, 9)}
	last[0].Outcome = coffer.AttemptDead
	err = ws.RecordWebhookAttempts(ctx, "wh_a", 2, last, &coffer.WebhookDeliveryState{Failures: 3, Dead: true,
		DeadAt: ptr(at(9)), DeadReason: "3 attempts at evt_2 failed"})
	if err != nil {
		t.Fatal(err)
	}
	w, _ = ws.Webhook(ctx, "wh_a")
	want.Description, want.Revision, want.UpdatedAt = "changed", 2, w.UpdatedAt
	want.Status, want.Failures, want.NextAttemptAt = coffer.WebhookDead, 3, nil
	want.DeadAt, want.DeadReason = ptr(at(9)), "3 attempts at evt_2 failed"
	same(t, "the dead-lettered endpoint", w, want)

	// wh_a now has, oldest first: first[0], first[1] (evt_1), first[2], stale[0], last[0] (evt_2).
	all := []coffer.WebhookAttempt{last[0], stale[0], first[2], first[1], first[0]}
	list := func(f coffer.WebhookAttemptFilter) []coffer.WebhookAttempt {
		t.Helper()
		f.Webhook = "wh_a"
		as, err := ws.WebhookAttempts(ctx, f)
		if err != nil {
			t.Fatalf("WebhookAttempts %+v: %v", f, err)
		}
		return as
	}
	same(t, "every attempt", list(coffer.WebhookAttemptFilter{}), all)
	same(t, "the attempts at evt_1", list(coffer.WebhookAttemptFilter{EventID: "evt_1"}), []coffer.WebhookAttempt{first[1], first[0]})
	same(t, "the attempts at evt_2", list(coffer.WebhookAttemptFilter{EventID: "evt_2"}), all[:3])
	if as := list(coffer.WebhookAttemptFilter{EventID: "evt_none"}); len(as) != 0 {
		t.Errorf("attempts at an event never sent: %+v", as)
	}
	same(t, "the first page of 2", list(coffer.WebhookAttemptFilter{Limit: 2}), all[:2])
	same(t, "the second page of 2", list(coffer.WebhookAttemptFilter{Limit: 2, Before: all[1].ID}), all[2:4])
	same(t, "the third page of 2", list(coffer.WebhookAttemptFilter{Limit: 2, Before: all[3].ID}), all[4:])
	if as := list(coffer.WebhookAttemptFilter{Before: all[4].ID}); len(as) != 0 {
		t.Errorf("attempts before the first: %+v", as)
	}
	same(t, "the attempts at evt_2 before the newest", list(coffer.WebhookAttemptFilter{EventID: "evt_2", Before: all[0].ID, Limit: 1}), all[1:2])
}
