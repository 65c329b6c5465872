package loadtest_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/loadtest"
)

// TestRunFlood runs a small flood against the real server: every hostile batch is refused with
// 400, the normal client is served in both phases, and the report gives the ratios and the
// memory.
func TestRunFlood(t *testing.T) {
	url := setup(t, nil)
	rep, err := loadtest.RunFlood(context.Background(), loadtest.FloodConfig{Addr: url, Key: adminKey,
		Duration: time.Minute, RequestsMax: 20, Flooders: 2, BodyBytes: 64 << 10, ServerPID: os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Checks {
		if !c.OK {
			t.Errorf("check %q failed: %s", c.Name, c.Detail)
		}
	}
	if rep.Alone.Requests != 20 || rep.Flooded.Requests != 20 {
		t.Errorf("deposits alone %d, flooded %d; want 20 each, the requests-max", rep.Alone.Requests, rep.Flooded.Requests)
	}
	if rep.FloodAnswers["400"] < 2 {
		t.Errorf("flood answers %v, want at least one 400 per flooder", rep.FloodAnswers)
	}
	if rep.P50Ratio <= 0 || rep.P99Ratio <= 0 {
		t.Errorf("ratios p50 %g, p99 %g", rep.P50Ratio, rep.P99Ratio)
	}
	if m := rep.Memory; m.PID != os.Getpid() || m.IdleBytes <= 0 || m.PeakBytes <= 0 {
		t.Errorf("memory %+v, want this process's, which serves", m)
	}
	var table strings.Builder
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"flood answers", "deposits alone", "deposits during the flood", "flooded / alone", "above idle", "ok "} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("the table has no %q:\n%s", want, table.String())
		}
	}
}

func TestFloodConfig(t *testing.T) {
	for _, cfg := range []loadtest.FloodConfig{
		{Addr: "http://10.0.0.1:8080"},
		{Addr: "127.0.0.1:1", Flooders: loadtest.FloodersMax + 1},
		{Addr: "127.0.0.1:1", BodyBytes: 3},
		{Addr: "127.0.0.1:1", RequestsMax: -1},
	} {
		if _, err := loadtest.RunFlood(context.Background(), cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}
