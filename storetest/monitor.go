package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

// testMonitors: monitors kept by id, found by account and by asset; an edge recorded once with
// its event, none for a state unchanged or a monitor gone; a change forgets the states.
func testMonitors(t *testing.T, s coffer.Store) {
	ms, ok := s.(coffer.MonitorStore)
	if !ok {
		t.Fatalf("%T keeps no monitors", s)
	}
	ctx := t.Context()
	big, _ := coffer.ParseAmount("170141183460469231731687303715884105727", 0) // 2^127-1: exact
	mons := []coffer.Monitor{
		{ID: "m1", AccountID: "wallet:alice:USD", Asset: "USD", Condition: coffer.MonitorBalanceBelow, Threshold: coffer.AmountFromInt64(500),
			Description: "low ü", CreatedBy: "key-1", CreatedAt: t0, UpdatedAt: t0},
		{ID: "m2", Asset: "USD", Condition: coffer.MonitorHeldAbove, Threshold: big, CreatedBy: "key-1", CreatedAt: at(1), UpdatedAt: at(1)},
		{ID: "m3", Asset: "EUR", Condition: coffer.MonitorNoMovement, Period: 36 * time.Hour, CreatedBy: "key-1", CreatedAt: at(2), UpdatedAt: at(2)},
	}
	for _, m := range mons {
		if err := ms.CreateMonitor(ctx, m); err != nil {
			t.Fatalf("CreateMonitor(%s): %v", m.ID, err)
		}
	}
	wantCode(t, "CreateMonitor(taken)", ms.CreateMonitor(ctx, mons[0]), coffer.ECONFLICT)
	got, err := ms.Monitor(ctx, "m2")
	if err != nil {
		t.Fatalf("Monitor: %v", err)
	}
	same(t, "Monitor", got, mons[1])
	_, err = ms.Monitor(ctx, "nope")
	wantCode(t, "Monitor(unknown)", err, coffer.ENOTFOUND)
	page, err := ms.Monitors(ctx, coffer.MonitorFilter{AfterID: "m1", Limit: 1})
	if err != nil || len(page) != 1 || page[0].ID != "m2" {
		t.Fatalf("Monitors(after m1): %+v %v", page, err)
	}
	page, err = ms.Monitors(ctx, coffer.MonitorFilter{Asset: "EUR"})
	if err != nil || len(page) != 1 || page[0].ID != "m3" {
		t.Fatalf("Monitors(EUR): %+v %v", page, err)
	}
	of, err := ms.MonitorsOf(ctx, []string{"wallet:alice:USD", "wallet:bob:EUR"}, []string{"USD"})
	if err != nil || len(of) != 2 || of[0].ID != "m1" || of[1].ID != "m2" {
		t.Fatalf("MonitorsOf: %+v %v", of, err)
	}

	ev := func(typ string) coffer.Event {
		return coffer.Event{Type: typ, Subject: "m1", Data: json.RawMessage(`{"monitor_id":"m1"}`), CreatedAt: t0}
	}
	set := func(on bool, when int) bool {
		t.Helper()
		typ := coffer.EventMonitorCleared
		if on {
			typ = coffer.EventMonitorTriggered
		}
		changed, err := ms.SetMonitorState(ctx, coffer.MonitorState{MonitorID: "m1", AccountID: "wallet:alice:USD", Triggered: on, ChangedAt: at(when)}, ev(typ))
		if err != nil {
			t.Fatalf("SetMonitorState: %v", err)
		}
		return changed
	}
	if set(false, 3) || !set(true, 4) || set(true, 5) || !set(false, 6) || !set(true, 7) {
		t.Fatal("SetMonitorState recorded an edge that was none, or missed one")
	}
	var types []string
	for _, e := range events(t, s) {
		types = append(types, e.Type)
	}
	same(t, "edge events", types, []string{coffer.EventMonitorTriggered, coffer.EventMonitorCleared, coffer.EventMonitorTriggered})
	sts, err := ms.MonitorStates(ctx, "m1")
	if err != nil || len(sts) != 1 || !sts[0].Triggered || !sts[0].ChangedAt.Equal(at(7)) {
		t.Fatalf("MonitorStates: %+v %v", sts, err)
	}

	changed := mons[0]
	changed.Threshold, changed.UpdatedAt = coffer.AmountFromInt64(900), at(8)
	if err := ms.UpdateMonitor(ctx, changed); err != nil {
		t.Fatalf("UpdateMonitor: %v", err)
	}
	if sts, err := ms.MonitorStates(ctx, "m1"); err != nil || len(sts) != 0 {
		t.Fatalf("states after a change: %+v %v", sts, err)
	}
	if !set(true, 9) {
		t.Fatal("a changed monitor's first edge was not recorded")
	}
	if err := ms.DeleteMonitor(ctx, "m1"); err != nil {
		t.Fatalf("DeleteMonitor: %v", err)
	}
	wantCode(t, "DeleteMonitor(again)", ms.DeleteMonitor(ctx, "m1"), coffer.ENOTFOUND)
	wantCode(t, "UpdateMonitor(gone)", ms.UpdateMonitor(ctx, changed), coffer.ENOTFOUND)
	if set(false, 10) {
		t.Fatal("an edge of a deleted monitor was recorded")
	}
	if n := len(events(t, s)); n != 4 {
		t.Fatalf("%d events, want 4", n)
	}
}
