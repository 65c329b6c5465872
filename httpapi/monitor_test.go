package httpapi_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// TestMonitors: create, list, get, change and delete through the client; bad definitions
// refused naming the field, and nothing stored; roles.
func TestMonitors(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("d1", "alice", "USD", "10.00")
	m, err := e.operator.CreateMonitor(ctx, client.MonitorRequest{ID: "low", AccountID: "wallet:alice:USD",
		Condition: "balance_below", Threshold: "5.00", Description: "alice runs low"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Asset != "USD" || m.Threshold != "5.00" || m.CreatedBy == "" {
		t.Fatalf("created %+v", m)
	}
	if _, err := e.operator.CreateMonitor(ctx, client.MonitorRequest{ID: "idle", Asset: "USD", Condition: "no_movement", PeriodSeconds: 3600}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		req   client.MonitorRequest
		code  string
		param string
	}{
		{client.MonitorRequest{ID: "low", Asset: "USD", Condition: "held_above", Threshold: "1"}, coffer.ECONFLICT, ""},
		{client.MonitorRequest{ID: "x", Asset: "USD", Condition: "sideways", Threshold: "1"}, coffer.EINVALID, "condition"},
		{client.MonitorRequest{ID: "x", Asset: "USD", Condition: "held_above", Threshold: "1.001"}, coffer.EINVALID, "threshold"},
		{client.MonitorRequest{ID: "x", Asset: "USD", Condition: "held_above"}, coffer.EINVALID, "threshold"},
		{client.MonitorRequest{ID: "x", Asset: "USD", Condition: "no_movement"}, coffer.EINVALID, "period_seconds"},
		{client.MonitorRequest{ID: "x", Asset: "USD", Condition: "no_movement", PeriodSeconds: 60, Threshold: "1"}, coffer.EINVALID, "threshold"},
		{client.MonitorRequest{ID: "x", Condition: "held_above", Threshold: "1"}, coffer.EINVALID, "account_id"},
		{client.MonitorRequest{ID: "x", AccountID: "wallet:nobody:USD", Condition: "held_above", Threshold: "1"}, coffer.ENOTFOUND, "account_id"},
		{client.MonitorRequest{ID: "x", Asset: "EUR", Condition: "held_above", Threshold: "1"}, coffer.ENOTFOUND, "asset"},
	} {
		_, err := e.operator.CreateMonitor(ctx, bad.req)
		var ce *coffer.Error
		if !errors.As(err, &ce) || ce.Code != bad.code || (bad.param != "" && ce.Param != bad.param) {
			t.Errorf("%+v: %v, want %s about %s", bad.req, err, bad.code, bad.param)
		}
	}
	_, err = e.reader.CreateMonitor(ctx, client.MonitorRequest{ID: "r", Asset: "USD", Condition: "held_above", Threshold: "1"})
	wantCode(t, err, coffer.EFORBIDDEN)

	p, err := e.reader.Monitors(ctx, client.MonitorsQuery{Limit: 1})
	if err != nil || len(p.Monitors) != 1 || p.Monitors[0].ID != "idle" || !p.HasMore {
		t.Fatalf("page 1: %+v %v", p, err)
	}
	p, err = e.reader.Monitors(ctx, client.MonitorsQuery{Limit: 1, Cursor: p.NextCursor})
	if err != nil || len(p.Monitors) != 1 || p.Monitors[0].ID != "low" || p.HasMore {
		t.Fatalf("page 2: %+v %v", p, err)
	}
	if p, err := e.reader.Monitors(ctx, client.MonitorsQuery{AccountID: "wallet:alice:USD"}); err != nil || len(p.Monitors) != 1 {
		t.Fatalf("by account: %+v %v", p, err)
	}

	threshold := "2.50"
	m, err = e.operator.UpdateMonitor(ctx, "low", client.UpdateMonitorRequest{Threshold: &threshold})
	if err != nil || m.Threshold != "2.50" || m.Condition != "balance_below" {
		t.Fatalf("updated: %+v %v", m, err)
	}
	cond := "no_movement"
	_, err = e.operator.UpdateMonitor(ctx, "low", client.UpdateMonitorRequest{Condition: &cond})
	wantCode(t, err, coffer.EINVALID) // no_movement needs a period
	_, err = e.operator.UpdateMonitor(ctx, "low", client.UpdateMonitorRequest{})
	wantCode(t, err, coffer.EINVALID)
	if got, err := e.reader.Monitor(ctx, "low"); err != nil || got.Threshold != "2.50" {
		t.Fatalf("get: %+v %v", got, err)
	}
	if _, err := e.operator.DeleteMonitor(ctx, "low"); err != nil {
		t.Fatal(err)
	}
	_, err = e.reader.Monitor(ctx, "low")
	wantCode(t, err, coffer.ENOTFOUND)
	_, err = e.operator.DeleteMonitor(ctx, "low")
	wantCode(t, err, coffer.ENOTFOUND)
}
