package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/sweep"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
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

// TestForgetDevSweeps: a sweep and its gas top-up left unfinished on an earlier dev chain (one
// signed, one waiting for funds) end failed at the next start, each with one sweep.failed
// event of its kind and nothing booked; forgetting again changes nothing. (serve cannot be
// stopped reliably with a sweep in flight, so this calls what serve calls at start, on a real
// store and ledger.)
func TestForgetDevSweeps(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := testdb.SQLite(t)
	l := ledger.New(s, ledger.Config{})
	t.Cleanup(func() { l.Close() })
	for _, a := range []ledger.CreateAsset{{Code: "ETH", Scale: 18}, {Code: "USDT", Scale: 6}} {
		if _, err := l.Do(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	ss := s.(devSendStore)
	sends := s.(coffer.SendStore)
	deposit, hot, gas := newAddress(t), newAddress(t), newAddress(t)
	sweepID := sweep.ID(devChainName, deposit.Hex(), "USDT", 3)
	topUpID := sweep.TopUpID(sweepID)
	now := time.Now().UTC()
	for _, in := range []coffer.SendIntent{
		{ID: sweepID, Chain: devChainName, From: strings.ToLower(deposit.Hex()), To: strings.ToLower(hot.Hex()), Asset: "USDT",
			Contract: strings.ToLower(newAddress(t).Hex()), Amount: big.NewInt(25_000_000), State: coffer.SendQueued, CreatedAt: now, UpdatedAt: now},
		{ID: topUpID, Chain: devChainName, From: strings.ToLower(gas.Hex()), To: strings.ToLower(deposit.Hex()), Asset: "ETH",
			Amount: big.NewInt(1e15), State: coffer.SendQueued, CreatedAt: now, UpdatedAt: now},
	} {
		if err := sends.CreateSendIntent(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	lease, _, err := s.(coffer.LeaseStore).ClaimLease(ctx, "send:dev", "test", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	fence := coffer.Fence{Lease: lease.Name, Token: lease.Token}
	if err := sends.AddSendAttempt(ctx, coffer.SendAttempt{IntentID: topUpID, Chain: devChainName, From: strings.ToLower(gas.Hex()),
		TxHash: "0x" + strings.Repeat("ab", 32), Raw: []byte{2, 1}, GasFeeCap: big.NewInt(1), GasTipCap: big.NewInt(1), Gas: 21_000}, fence); err != nil {
		t.Fatal(err)
	}
	if err := sends.SetSendState(ctx, sweepID, []coffer.SendState{coffer.SendQueued}, coffer.SendWaitingFunds, fence); err != nil {
		t.Fatal(err)
	}

	logger := slog.New(slog.DiscardHandler)
	for range 2 {
		if err := forgetDevSends(ctx, ss, l, logger); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{sweepID, topUpID} {
		in, err := sends.SendIntent(ctx, id)
		if err != nil || in.State != coffer.SendFailed || in.Reason != devChainGone {
			t.Errorf("%s after the restart: %+v, %v", id, in, err)
		}
	}
	events, err := s.Events(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, e := range events {
		if e.Type != coffer.EventSweepFailed {
			continue
		}
		var n coffer.SweepNotice
		if err := json.Unmarshal(e.Data, &n); err != nil {
			t.Fatal(err)
		}
		if _, twice := kinds[n.ID]; twice || n.Reason != devChainGone {
			t.Errorf("sweep.failed %+v (seen before: %v)", n, twice)
		}
		kinds[n.ID] = n.Kind
	}
	if kinds[sweepID] != ledger.MoveSweep || kinds[topUpID] != ledger.MoveGasTop || len(kinds) != 2 {
		t.Errorf("sweep.failed events by id and kind: %v", kinds)
	}
	for _, id := range []string{sweepID, topUpID, ledger.PayoutGasID(sweepID), ledger.PayoutGasID(topUpID)} {
		if _, err := s.Transfer(ctx, id); coffer.ErrorCode(err) != coffer.ENOTFOUND {
			t.Errorf("transfer %s booked: %v", id, err)
		}
	}
}
