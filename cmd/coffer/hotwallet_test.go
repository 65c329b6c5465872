package main

import (
	"math/big"
	"testing"
	"time"

	"github.com/cofferhq/coffer/client"
)

// TestGethHotWalletMetrics runs serve against geth --dev with --hot-wallet-low-balance and
// reads /metrics: coffer_hot_wallet_balance equals the hot wallet's balance of each asset read
// from the chain, after its funding and again after a withdrawal takes its USDT under the
// threshold, and coffer_hot_wallet_low_balance is each threshold.
func TestGethHotWalletMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("starts geth and server processes")
	}
	r := startGethRig(t, "--hot-wallet-low-balance", "USDT=500", "--hot-wallet-low-balance", "ETH=0.5")
	ctx := r.ctx()
	r.node.FundETH(t, r.hot, ether(3_000))
	r.node.FundToken(t, r.hot, big.NewInt(1_000_000_000)) // 1,000 USDT
	r.events(count(2), "deposit.confirmed")
	r.wantHotGauges(1_000_000_000)

	if _, err := r.c.Withdraw(ctx, client.WithdrawalRequest{ID: "w-low", Owner: hotWalletOwnerDefault, Asset: "USDT",
		Amount: "600", Destination: newAddress(t).Hex(), Chain: "geth"}); err != nil {
		t.Fatal(err)
	}
	r.events(count(1), "payout.confirmed")
	r.wantHotGauges(400_000_000)
}

// wantHotGauges waits until /metrics shows the hot wallet's balances as the chain has them,
// its USDT being usdt, and checks the thresholds.
func (r *gethRig) wantHotGauges(usdt int64) {
	r.t.Helper()
	ctx := r.ctx()
	for {
		eth, tok := r.ethBalance(r.hot), r.tokenBalance(r.hot)
		m, raw := readMetrics(r.t, r.srv.URL()+"/metrics", "")
		gauge := func(name, asset string) float64 {
			return m.value(name, map[string]string{"chain": "geth", "asset": asset})
		}
		if tok.Cmp(big.NewInt(usdt)) == 0 && gauge("coffer_hot_wallet_balance", "ETH") == unitFloat(eth, 18) &&
			gauge("coffer_hot_wallet_balance", "USDT") == unitFloat(tok, 6) {
			if low := gauge("coffer_hot_wallet_low_balance", "USDT"); low != 500 {
				r.t.Errorf("USDT's low balance %v, want 500", low)
			}
			if low := gauge("coffer_hot_wallet_low_balance", "ETH"); low != 0.5 {
				r.t.Errorf("ETH's low balance %v, want 0.5", low)
			}
			return
		}
		select {
		case <-ctx.Done():
			r.t.Fatalf("the hot wallet holds %s wei and %s USDT units on the chain; /metrics:\n%s", eth, tok, raw)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
