package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/postgres"
)

// dutyTakeoverMax is the stated bound on a takeover: duty.TTLDefault + duty.ClaimEveryDefault
// is 8 s, and the new holder's first claim may come up to one ClaimEvery after expiry.
const dutyTakeoverMax = 10 * time.Second

// TestDutiesTakeOver runs two server processes on one PostgreSQL database: each duty runs on
// exactly one of them, GET /v1/duties says which, and when that process is killed (SIGKILL,
// nothing released) the other takes every duty over within the bound, with the next fencing
// token.
func TestDutiesTakeOver(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	url := postgres.TestURL(t)
	ctx := context.Background()
	servers := []*serverProcess{startServer(t, url, crashAdminKey), startServer(t, url, crashAdminKey)}
	c := client.New(servers[0].URL(), crashAdminKey)
	holders := map[string]*serverProcess{}
	for _, name := range []string{dutyExpiry, dutyRelay} {
		select {
		case <-servers[0].logged("duty started " + name):
			holders[name] = servers[0]
		case <-servers[1].logged("duty started " + name):
			holders[name] = servers[1]
		case <-time.After(dutyTakeoverMax):
			t.Fatalf("no server took duty %s", name)
		}
	}
	list, err := c.Duties(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Duties) != 2 {
		t.Fatalf("duties: %+v", list.Duties)
	}
	for _, d := range list.Duties {
		want := holders[d.Name]
		if !d.Held || d.Token != 1 || !holdsPid(d.Holder, want.cmd.Process.Pid) {
			t.Errorf("duty %+v; want held by pid %d with token 1", d, want.cmd.Process.Pid)
		}
	}
	// Kill the relay's holder; the survivor must end up with every duty.
	victim := holders[dutyRelay]
	survivor := servers[0]
	if victim == servers[0] {
		survivor = servers[1]
	}
	killed := time.Now()
	if err := victim.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-victim.done
	for name, h := range holders {
		if h != victim {
			continue
		}
		select {
		case <-survivor.logged("duty started " + name):
		case <-time.After(2 * dutyTakeoverMax):
			t.Fatalf("duty %s not taken over within %s", name, 2*dutyTakeoverMax)
		}
	}
	took := time.Since(killed)
	t.Logf("takeover after a SIGKILL took %s", took.Round(time.Millisecond))
	if took > dutyTakeoverMax {
		t.Errorf("takeover took %s, more than the stated bound of %s", took, dutyTakeoverMax)
	}
	list, err = client.New(survivor.URL(), crashAdminKey).Duties(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range list.Duties {
		wantToken := uint64(1)
		if holders[d.Name] == victim {
			wantToken = 2
		}
		if !d.Held || d.Token != wantToken || !holdsPid(d.Holder, survivor.cmd.Process.Pid) {
			t.Errorf("after the takeover: %+v; want held by pid %d with token %d", d, survivor.cmd.Process.Pid, wantToken)
		}
	}
}

// holdsPid says whether a duty's holder name (host/pid/random) names the process pid.
func holdsPid(holder string, pid int) bool {
	parts := strings.Split(holder, "/")
	return len(parts) == 3 && parts[1] == strconv.Itoa(pid)
}
