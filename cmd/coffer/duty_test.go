package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/loadtest"
	"github.com/cofferhq/coffer/monitor"
	"github.com/cofferhq/coffer/postgres"
)

// dutyTakeoverMax is the stated bound on a takeover: duty.TTLDefault + duty.ClaimEveryDefault
// is 8 s, and the new holder's first claim may come up to one ClaimEvery after expiry.
const dutyTakeoverMax = 10 * time.Second

// TestDutiesTakeOver runs two server processes on one PostgreSQL database: each duty runs on
// exactly one of them, GET /v1/duties says which, and when that process is killed (SIGKILL,
// nothing released) the other takes every duty over within the bound, with the next fencing
// token. Both relay to NATS, and every event, made through either server before or after the
// kill, reaches it in order.
func TestDutiesTakeOver(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	url := postgres.TestURL(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Both relay to NATS; a consumer checks that every event arrives across the takeover.
	sink := sinkURLs(t, fmt.Sprintf("fleet%d", time.Now().UnixNano()))[1]
	follower, err := loadtest.ParseFollower(sink, "", "")
	if err != nil {
		t.Fatal(err)
	}
	recv := &received{first: map[uint64]bool{}, byKey: map[string][]uint64{}, changed: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		var once sync.Once
		follower.Follow(ctx, 0, func() { once.Do(func() { close(ready) }) }, recv.got)
	}()
	<-ready
	servers := []*serverProcess{startServer(t, url, crashAdminKey, "--sink", sink), startServer(t, url, crashAdminKey, "--sink", sink)}
	c := client.New(servers[0].URL(), crashAdminKey)
	if _, err := c.CreateAsset(ctx, client.CreateAssetRequest{Code: "USD", Scale: 2}); err != nil {
		t.Fatal(err)
	}
	deposit := func(c *client.Client, from, to int) {
		for i := from; i < to; i++ {
			if _, err := c.Deposit(ctx, client.DepositRequest{ID: fmt.Sprint("d-", i), Owner: fmt.Sprint("u", i%5), Asset: "USD", Amount: "1.00"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	deposit(c, 0, 200)
	holders := map[string]*serverProcess{}
	for _, name := range []string{dutyExpiry, dutyRelay, monitor.DutyName} {
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
	if len(list.Duties) != 3 {
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
	sc := client.New(survivor.URL(), crashAdminKey)
	deposit(sc, 200, 400)
	list, err = sc.Duties(ctx)
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
	// Every event, from both servers, before and after the kill, reached the sink in order.
	last := uint64(0)
	for after := uint64(0); ; {
		p, err := sc.Events(ctx, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Events) > 0 {
			after = p.Events[len(p.Events)-1].Seq
		}
		if !p.HasMore {
			last = after
			break
		}
	}
	recv.waitFor(t, "nats", int(last), time.Minute)
	recv.mu.Lock()
	defer recv.mu.Unlock()
	for j, seq := range recv.order {
		if seq != uint64(j+1) {
			t.Fatalf("the %dth event to arrive is %d", j+1, seq)
		}
	}
}

// holdsPid says whether a duty's holder name (host/pid/random) names the process pid.
func holdsPid(holder string, pid int) bool {
	parts := strings.Split(holder, "/")
	return len(parts) == 3 && parts[1] == strconv.Itoa(pid)
}
