package main

import (
	"context"
	"math/big"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/hotwallet"
	"github.com/cofferhq/coffer/duty"
)

// TestHotWalletGaugesEndWithTheDuty: the hot wallet's balance gauges stand while this process
// holds the chain's hot-wallet duty and are gone once its run ends (the lease passed on), so a
// stale figure cannot stand beside the new holder's in CofferHotWalletLow's max. Another
// chain's stay.
func TestHotWalletGaugesEndWithTheDuty(t *testing.T) {
	m := newMetrics()
	progress := func(chainName string, amount int64) hotwallet.Progress {
		return hotwallet.Progress{Chain: chainName, Balances: []hotwallet.Balance{
			{Asset: "USDT", Decimals: 6, Amount: big.NewInt(amount), Low: big.NewInt(1_000_000)},
			{Asset: "ETH", Decimals: 18, Amount: big.NewInt(amount)},
		}}
	}
	m.progress(progress("ethereum", 5_000_000))
	var during int
	ds := m.observed([]duty.Duty{{Name: "hot-wallet:dev", Run: func(ctx context.Context, fence coffer.Fence, report func(any)) error {
		report(progress("dev", 2_500_000))
		during = gauges(t, m, "coffer_hot_wallet_balance")
		return nil
	}}})
	if err := ds[0].Run(t.Context(), coffer.Fence{}, func(any) {}); err != nil {
		t.Fatal(err)
	}
	if during != 4 {
		t.Fatalf("while the duty ran: %d balance gauges, want 4 (two chains, two assets)", during)
	}
	if n := gauges(t, m, "coffer_hot_wallet_balance"); n != 2 {
		t.Fatalf("after the duty's run: %d balance gauges, want ethereum's 2", n)
	}
	if n := gauges(t, m, "coffer_hot_wallet_low_balance"); n != 1 {
		t.Fatalf("after the duty's run: %d low-balance gauges, want ethereum's USDT", n)
	}
}

// gauges counts the series of the metric name that m's registry gathers.
func gauges(t *testing.T, m *metrics, name string) int {
	t.Helper()
	fams, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name {
			return len(f.GetMetric())
		}
	}
	return 0
}
