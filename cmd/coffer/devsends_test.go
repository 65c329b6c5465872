package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// TestDevChainRestartPayouts: serve --chain dev on a database pays out (nonce 0 of the hot
// wallet) and holds a payout the hot wallet cannot cover (waiting for funds); it stops and
// starts again on the same database, with a new dev chain. The waiting payout ends failed once
// (its hold voided, the owner's money available again), the new chain's first payout is
// confirmed (it is not left behind the old chain's nonce), and the ledger verifies clean.
func TestDevChainRestartPayouts(t *testing.T) {
	t.Parallel()
	seedFile, secretFile, _ := devSeed(t)
	cfg := devConfig(t, seedFile, secretFile)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	s, _, stop := runDevServer(t, cfg)
	cl := client.New("http://"+s.addr, testAdminKey)
	if _, err := cl.Deposit(ctx, client.DepositRequest{ID: "fund", Owner: "alice", Asset: "USDT", Amount: "3000000"}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Withdraw(ctx, client.WithdrawalRequest{ID: "w-1", Owner: "alice", Asset: "USDT", Amount: "10",
		Destination: newAddress(t).Hex(), Chain: devChainName}); err != nil {
		t.Fatal(err)
	}
	// More than the 1,000,000 USDT the dev chain gives the hot wallet: it waits for funds.
	if _, err := cl.Withdraw(ctx, client.WithdrawalRequest{ID: "w-big", Owner: "alice", Asset: "USDT", Amount: "2000000",
		Destination: newAddress(t).Hex(), Chain: devChainName}); err != nil {
		t.Fatal(err)
	}
	var after uint64
	after = waitPayoutEnds(ctx, t, cl, after, map[string]string{"w-1": coffer.EventPayoutConfirmed})
	waitPayout(ctx, t, cl, "w-1", func(p *client.Payout) bool { return p.State == "confirmed" })
	waitPayout(ctx, t, cl, "w-big", func(p *client.Payout) bool { return p.State == "waiting_funds" })
	stop()

	s, _, _ = runDevServer(t, cfg)
	cl = client.New("http://"+s.addr, testAdminKey)
	after = waitPayoutEnds(ctx, t, cl, after, map[string]string{"w-big": coffer.EventPayoutFailed})
	if p := waitPayout(ctx, t, cl, "w-big", func(p *client.Payout) bool { return true }); p.State != "failed" ||
		p.HoldState != "voided" || p.Reason != devChainGone {
		t.Fatalf("the payout waiting on the old dev chain: %+v", p)
	}
	if p := waitPayout(ctx, t, cl, "w-1", func(p *client.Payout) bool { return true }); p.State != "confirmed" || p.TxHash == "" {
		t.Fatalf("the payout confirmed on the old dev chain: %+v", p)
	}
	s.wantBalances("alice", map[string][2]string{"USDT": {"2999990.000000", "0.000000"}})

	if _, err := cl.Withdraw(ctx, client.WithdrawalRequest{ID: "w-2", Owner: "alice", Asset: "USDT", Amount: "7",
		Destination: newAddress(t).Hex(), Chain: devChainName}); err != nil {
		t.Fatal(err)
	}
	waitPayoutEnds(ctx, t, cl, after, map[string]string{"w-2": coffer.EventPayoutConfirmed})
	if p := waitPayout(ctx, t, cl, "w-2", func(p *client.Payout) bool { return p.State == "confirmed" }); p.Nonce == nil || *p.Nonce != 0 {
		t.Fatalf("the new dev chain's first payout: %+v", p)
	}
	s.wantBalances("alice", map[string][2]string{"USDT": {"2999983.000000", "0.000000"}})
	if rep, err := cl.Verify(ctx); err != nil || !rep.OK {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}

// waitPayoutEnds follows the events after after until each payout of want has ended, once, with
// the event named; it returns the last event's seq.
func waitPayoutEnds(ctx context.Context, t *testing.T, cl *client.Client, after uint64, want map[string]string) uint64 {
	t.Helper()
	seen := map[string]string{}
	for len(seen) < len(want) {
		page, err := cl.WaitEvents(ctx, after, 100, 5*time.Second)
		if err != nil {
			t.Fatalf("events: %v (ended %v)", err, seen)
		}
		for _, e := range page.Events {
			after = e.Seq
			if e.Type != coffer.EventPayoutConfirmed && e.Type != coffer.EventPayoutFailed {
				continue
			}
			if _, twice := seen[e.Subject]; twice {
				t.Fatalf("payout %s ended twice", e.Subject)
			}
			if want[e.Subject] != e.Type {
				var n coffer.PayoutNotice
				_ = json.Unmarshal(e.Data, &n)
				t.Fatalf("payout %s: %s %+v; want %s", e.Subject, e.Type, n, want[e.Subject])
			}
			seen[e.Subject] = e.Type
		}
	}
	return after
}

// waitPayout reads the payout until ok says it is as wanted, and returns it.
func waitPayout(ctx context.Context, t *testing.T, cl *client.Client, id string, ok func(*client.Payout) bool) *client.Payout {
	t.Helper()
	for {
		p, err := cl.Payout(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(p) {
			return p
		}
		select {
		case <-ctx.Done():
			t.Fatalf("payout %s: %+v", id, p)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
