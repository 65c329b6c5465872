package main

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// TestDevChainPayouts: on `serve --chain dev`, a withdrawal and a payment with a chain are
// held at once, sent from the hot wallet (funded by the dev chain at start), confirmed, and
// posted once each with their payout.confirmed events; a payout to one of Coffer's own deposit
// addresses is refused naming the field; the payouts are listed through the CLI, and the
// ledger verifies clean.
func TestDevChainPayouts(t *testing.T) {
	t.Parallel()
	seedFile, secretFile, _ := devSeed(t)
	s, _ := startDevServer(t, devConfig(t, seedFile, secretFile))
	cl := client.New("http://"+s.addr, testAdminKey)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for _, d := range []client.DepositRequest{
		{ID: "fund-usdt", Owner: "alice", Asset: "USDT", Amount: "100"},
		{ID: "fund-eth", Owner: "alice", Asset: "ETH", Amount: "1"},
	} {
		if _, err := cl.Deposit(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	var own client.DepositAddress
	s.json(&own, "address", "bob", "--asset", "USDT")
	_, err := cl.Withdraw(ctx, client.WithdrawalRequest{ID: "w-own", Owner: "alice", Asset: "USDT", Amount: "1",
		Destination: own.Address, Chain: "dev"})
	var ce *coffer.Error
	if !errors.As(err, &ce) || ce.Code != coffer.EINVALID || ce.Param != "to" {
		t.Fatalf("a payout to a deposit address: %v", err)
	}

	k1, _ := crypto.GenerateKey()
	k2, _ := crypto.GenerateKey()
	to1, to2 := crypto.PubkeyToAddress(k1.PublicKey).Hex(), crypto.PubkeyToAddress(k2.PublicKey).Hex()
	w, err := cl.Withdraw(ctx, client.WithdrawalRequest{ID: "w-1", Owner: "alice", Asset: "USDT", Amount: "25",
		Destination: to1, Chain: "dev"})
	if err != nil || w.Transfer.State != "pending" {
		t.Fatalf("withdraw: %+v %v", w, err)
	}
	if _, err := cl.Pay(ctx, client.PaymentRequest{ID: "p-1", Owner: "alice", Merchant: "shop", Asset: "ETH", Amount: "0.25",
		OrderID: "order-9", Chain: "dev", To: to2}); err != nil {
		t.Fatalf("pay: %v", err)
	}
	s.wantBalances("alice", map[string][2]string{"USDT": {"75.000000", "0.000000"}}) // held at once

	ends := map[string]client.Event{}
	var after uint64
	for len(ends) < 2 {
		page, err := cl.WaitEvents(ctx, after, 100, 10*time.Second)
		if err != nil {
			t.Fatalf("events: %v (ended %v)", err, ends)
		}
		for _, e := range page.Events {
			after = e.Seq
			if e.Type != "payout.confirmed" && e.Type != "payout.failed" {
				continue
			}
			if _, twice := ends[e.Subject]; twice {
				t.Fatalf("payout %s ended twice", e.Subject)
			}
			ends[e.Subject] = e
		}
	}
	for id, e := range ends {
		var n coffer.PayoutNotice
		if err := json.Unmarshal(e.Data, &n); err != nil {
			t.Fatal(err)
		}
		if e.Type != "payout.confirmed" || n.TxHash == "" || n.FeeAsset != "ETH" || n.Fee == "" {
			t.Fatalf("%s: %s %+v", id, e.Type, n)
		}
	}
	// The sender stores each end just after the ledger's: wait for them.
	stored := func(id string) *client.Payout {
		for {
			p, err := cl.Payout(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if p.TxHash != "" {
				return p
			}
			select {
			case <-ctx.Done():
				t.Fatalf("payout %s never stored its end: %+v", id, p)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	stored("w-1")
	p := stored("p-1")
	if p.State != "confirmed" || p.Kind != "payment" || p.OrderID != "order-9" || p.To != to2 ||
		p.HoldState != "posted" || p.Confirmations < devConfirmations {
		t.Fatalf("payout p-1: %+v", p)
	}
	var page client.PayoutPage
	s.json(&page, "payouts", "--state", "confirmed")
	if len(page.Payouts) != 2 || page.Payouts[0].ID != "p-1" || page.Payouts[1].ID != "w-1" {
		t.Fatalf("payouts %+v", page)
	}
	s.wantBalances("alice", map[string][2]string{"USDT": {"75.000000", "0.000000"}})
	if rep, err := cl.Verify(ctx); err != nil || !rep.OK {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}
