package main

import (
	"context"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/ledger"
)

// TestDevChainSweeps runs serve's sweeps on the dev chain: an owner's ether and USDT deposits
// pass their thresholds and are swept to the hot wallet (the USDT after a gas top-up from the
// gas wallet), booked as custody moves. The owner's wallet and the hot wallet owner's are
// unchanged by them: a sweep into the hot wallet is not credited as its funding, nor a top-up
// as a deposit. The chain reconciliation then matches and the ledger verifies clean.
func TestDevChainSweeps(t *testing.T) {
	t.Parallel()
	seedFile, secretFile, _ := devSeed(t)
	cfg := devConfig(t, seedFile, secretFile)
	cfg.SweepThresholds = map[string]string{"ETH": "1", "USDT": "10"}
	s, logs := startDevServer(t, cfg)
	cl := client.New("http://"+s.addr, testAdminKey)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	var addr client.DepositAddress
	s.json(&addr, "address", "alice", "--asset", "USDT")
	var usdt, eth client.DevFunding
	s.json(&usdt, "dev", "fund", "--to", addr.Address, "--asset", "USDT", "--amount", "25")
	s.json(&eth, "dev", "fund", "--to", addr.Address, "--asset", "ETH", "--amount", "2")

	// Follow the events until the address's custody of USDT is empty and of ether below its
	// threshold: both swept and booked.
	// The holding of a custody account is its debits less its credits: a deposit debits it.
	holding := func(asset string) *big.Int {
		a, err := cl.Account(ctx, ledger.CustodyAccountID(addr.Address, asset))
		if coffer.ErrorCode(err) == coffer.ENOTFOUND {
			return new(big.Int)
		}
		if err != nil {
			t.Fatal(err)
		}
		scale := 6
		if asset == "ETH" {
			scale = 18
		}
		v, err := coffer.ParseAmount(a.Balance, scale)
		if err != nil {
			t.Fatal(err)
		}
		return new(big.Int).Neg(v.Big())
	}
	oneETH := big.NewInt(1e18)
	// The ledger hears of a sweep's end before its sender stores it: the listing is read until
	// the address's three sweeps and top-ups have ended.
	sweepsEnded := func() bool {
		page, err := cl.Sweeps(ctx, client.SweepsQuery{Address: addr.Address})
		if err != nil {
			t.Fatal(err)
		}
		ended := 0
		for _, sw := range page.Sweeps {
			if sw.State == "confirmed" || sw.State == "failed" || sw.State == "cancelled" {
				ended++
			}
		}
		return ended == 3
	}
	var after uint64
	seen := false
	for {
		u, e := holding("USDT"), holding("ETH")
		if u.Sign() > 0 || e.Sign() > 0 {
			seen = true // the deposits are in custody
		}
		if seen && u.Sign() == 0 && e.Cmp(oneETH) < 0 && sweepsEnded() {
			break
		}
		page, err := cl.WaitEvents(ctx, after, 100, 5*time.Second)
		if err != nil {
			t.Fatalf("waiting for the sweeps: %v (custody USDT %s, ETH %s)\n%s", err, u, e, logs)
		}
		if n := len(page.Events); n > 0 {
			after = page.Events[n-1].Seq
		}
	}

	// The owner's money is where it was: swept custody is not a wallet's.
	s.wantBalances("alice", map[string][2]string{"USDT": {"25.000000", "0.000000"}, "ETH": {"2.000000000000000000", "0.000000000000000000"}})
	// The hot wallet's owner holds what the dev chain funded the hot and gas wallets with, and
	// no sweep.
	s.wantBalances(hotWalletOwnerDefault, map[string][2]string{"USDT": {"1000000.000000", "0.000000"},
		"ETH": {"110.000000000000000000", "0.000000000000000000"}})

	// coffer sweeps lists the ether sweep, the USDT sweep and its gas top-up, all confirmed,
	// and each has exactly one sweep event: its sweep.confirmed.
	var page client.SweepPage
	s.json(&page, "sweeps", "--chain", "dev", "--address", addr.Address)
	kinds := map[string]int{}
	for _, sw := range page.Sweeps {
		if sw.State != "confirmed" || sw.TxHash == "" || sw.FeeAsset != "ETH" || sw.Fee == "" {
			t.Errorf("sweep %+v", sw)
		}
		kinds[sw.Kind+" "+sw.Asset]++
	}
	if len(page.Sweeps) != 3 || kinds["sweep ETH"] != 1 || kinds["sweep USDT"] != 1 || kinds["gas_topup ETH"] != 1 {
		t.Fatalf("sweeps of %s: %+v", addr.Address, page.Sweeps)
	}
	ends := map[string][]string{}
	for after := uint64(0); ; {
		evs, err := cl.Events(ctx, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs.Events {
			if strings.HasPrefix(e.Type, "sweep.") {
				ends[e.Subject] = append(ends[e.Subject], e.Type)
			}
			after = e.Seq
		}
		if !evs.HasMore {
			break
		}
	}
	for _, sw := range page.Sweeps {
		if got := ends[sw.ID]; len(got) != 1 || got[0] != "sweep.confirmed" {
			t.Errorf("events of %s: %v, want one sweep.confirmed", sw.ID, got)
		}
	}
	if len(ends) != 3 {
		t.Errorf("sweep events of %d intents, want 3: %v", len(ends), ends)
	}
	if out := s.ok("sweeps", "--state", "confirmed"); !strings.Contains(out, "KIND") || !strings.Contains(out, "gas_topup") ||
		!strings.Contains(out, "25.000000 USDT") {
		t.Errorf("coffer sweeps printed %q", out)
	}
	if out := s.ok("sweep", page.Sweeps[0].ID); !strings.Contains(out, page.Sweeps[0].TxHash) {
		t.Errorf("coffer sweep %s printed %q", page.Sweeps[0].ID, out)
	}

	rec, err := cl.ReconcileChain(ctx, client.ChainReconciliationRequest{ID: "after-sweeps", Chain: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != "matched" {
		t.Fatalf("chain reconciliation %s: %+v", rec.Status, rec.Lines)
	}
	v, err := cl.Verify(ctx)
	if err != nil || !v.OK {
		t.Fatalf("verify: %+v %v", v, err)
	}
}
