package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/gethdev"
	"github.com/cofferhq/coffer/postgres"
)

// TestChainWatchTakeOver runs two server processes on one PostgreSQL database watching one
// geth --dev chain: one of them runs the chain's watcher; it is killed (SIGKILL, nothing
// released) while deposits arrive, the other takes the watcher over, and every deposit, sent
// before, during and after the takeover, is credited once.
func TestChainWatchTakeOver(t *testing.T) {
	if testing.Short() {
		t.Skip("starts geth and server processes")
	}
	node := gethdev.Start(t)
	token := node.DeployToken(t)
	url := postgres.TestURL(t)
	seedFile, secretFile, _ := devSeed(t)
	args := []string{
		"--chain", fmt.Sprintf("name=geth,id=1337,rpc=%s,confirmations=3,poll=200ms", node.URL()),
		"--chain-asset", "code=ETH,chain=geth,decimals=18",
		"--chain-asset", fmt.Sprintf("code=USDT,chain=geth,contract=%s,decimals=6", token.Hex()),
		"--seed-file", seedFile, "--seed-secret-file", secretFile,
	}
	servers := []*serverProcess{startServer(t, url, crashAdminKey, args...), startServer(t, url, crashAdminKey, args...)}
	const duty = "watch:geth"
	var holder, survivor *serverProcess
	select {
	case <-servers[0].logged("duty started " + duty):
		holder, survivor = servers[0], servers[1]
	case <-servers[1].logged("duty started " + duty):
		holder, survivor = servers[1], servers[0]
	case <-time.After(dutyTakeoverMax):
		t.Fatalf("no server took the duty %s", duty)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := client.New(survivor.URL(), crashAdminKey)
	// A chain's first scan starts at the head it finds: wait for the watcher's first cursor, so
	// that every deposit below is after it.
	waitCursor(ctx, t, c)

	owners := []string{"u0", "u1", "u2"}
	addrs := map[string]common.Address{}
	for _, o := range owners {
		a, err := c.AssignDepositAddress(ctx, o, client.AssignDepositAddressRequest{Chain: "geth"})
		if err != nil {
			t.Fatal(err)
		}
		addrs[o] = common.HexToAddress(a.Address)
	}
	// Deposits: owner i%3 gets i+1 USDT (minor units 1e6) on even i, i+1 milliether on odd i.
	wantUSDT, wantWei := map[string]int64{}, map[string]*big.Int{}
	sent := 0
	send := func(n int) {
		for range n {
			o := owners[sent%len(owners)]
			if sent%2 == 0 {
				amount := int64(sent+1) * 1_000_000
				node.FundToken(t, addrs[o], big.NewInt(amount))
				wantUSDT[o] += amount
			} else {
				wei := new(big.Int).Mul(big.NewInt(int64(sent+1)), big.NewInt(1e15))
				node.FundETH(t, addrs[o], wei)
				if wantWei[o] == nil {
					wantWei[o] = new(big.Int)
				}
				wantWei[o].Add(wantWei[o], wei)
			}
			sent++
		}
	}
	send(6)
	if err := holder.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-holder.done
	send(6) // while the survivor takes the watcher over
	select {
	case <-survivor.logged("duty started " + duty):
	case <-time.After(2 * dutyTakeoverMax):
		t.Fatalf("the watcher was not taken over within %s", 2*dutyTakeoverMax)
	}
	send(6)

	// Follow the events until every deposit is confirmed: each once.
	confirmed := map[string]bool{}
	var after uint64
	for len(confirmed) < sent {
		page, err := c.WaitEvents(ctx, after, 500, 10*time.Second)
		if err != nil {
			t.Fatalf("events: %v (%d of %d confirmed)", err, len(confirmed), sent)
		}
		for _, e := range page.Events {
			after = e.Seq
			if e.Type != "deposit.confirmed" {
				continue
			}
			var n client.DepositNotice
			if err := json.Unmarshal(e.Data, &n); err != nil {
				t.Fatal(err)
			}
			if confirmed[n.Key] {
				t.Fatalf("deposit %s confirmed twice", n.Key)
			}
			confirmed[n.Key] = true
		}
	}
	for _, o := range owners {
		b, err := c.Balances(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, w := range b.Balances {
			got[w.Asset] = w.Available + "/" + w.Incoming
		}
		usdt := fmt.Sprintf("%d.%06d/0.000000", wantUSDT[o]/1_000_000, wantUSDT[o]%1_000_000)
		eth := "0.000000000000000000/0.000000000000000000"
		if w := wantWei[o]; w != nil {
			q, r := new(big.Int).QuoRem(w, big.NewInt(1e18), new(big.Int))
			eth = fmt.Sprintf("%s.%018s/0.000000000000000000", q, r)
		}
		if got["USDT"] != usdt || got["ETH"] != eth {
			t.Errorf("%s: USDT %s, ETH %s (available/incoming); want %s and %s", o, got["USDT"], got["ETH"], usdt, eth)
		}
	}
	rep, err := c.Verify(ctx)
	if err != nil || !rep.OK {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}

// waitCursor waits until the server reports the first chain's watcher cursor.
func waitCursor(ctx context.Context, t *testing.T, c *client.Client) {
	t.Helper()
	for {
		list, err := c.Chains(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Chains) > 0 && list.Chains[0].Cursor != nil {
			return
		}
		// The watcher reports after each pass; the long poll of the events does not see it,
		// so ask again at the chain's poll interval.
		select {
		case <-ctx.Done():
			t.Fatalf("the watcher reported no cursor: %v", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
