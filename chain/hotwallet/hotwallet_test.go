package hotwallet_test

import (
	"context"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/devchain"
	"github.com/cofferhq/coffer/chain/hotwallet"
	"github.com/cofferhq/coffer/internal/chaintest"
)

// TestRead reads a wallet's ether and token balances on the dev chain, each against its low
// balance, and reports them through Run; a low balance of an asset not on the chain is refused.
func TestRead(t *testing.T) {
	dev := chaintest.DevChain(t)
	key, _ := crypto.GenerateKey()
	hot := crypto.PubkeyToAddress(key.PublicKey)
	for asset, amount := range map[string]int64{devchain.AssetETH: 2e18, devchain.AssetUSDT: 700_000_000} {
		if _, err := dev.Fund(t.Context(), hot, asset, big.NewInt(amount)); err != nil {
			t.Fatal(err)
		}
		if _, err := dev.Mine(); err != nil {
			t.Fatal(err)
		}
	}
	c := chain.Chain{Name: "dev", ID: devchain.ChainID, Confirmations: 1}
	assets := append(chaintest.Assets(dev.Token()), chain.Asset{Code: "DAI", Chain: "other", Decimals: 18})
	if _, err := hotwallet.New(hotwallet.Config{Chain: c, Assets: assets, Client: dev.Client(), Address: hot,
		Low: map[string]*big.Int{"DAI": big.NewInt(1)}}); err == nil {
		t.Fatal("a low balance of another chain's asset was taken")
	}
	w, err := hotwallet.New(hotwallet.Config{Chain: c, Assets: assets, Client: dev.Client(), Address: hot,
		Low: map[string]*big.Int{"ETH": big.NewInt(1e18), "USDT": big.NewInt(1_000_000_000)}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var got hotwallet.Progress
	if err := w.Run(ctx, coffer.Fence{}, func(p any) { got = p.(hotwallet.Progress); cancel() }); err != context.Canceled {
		t.Fatalf("Run: %v", err)
	}
	head, err := dev.Client().HeaderByNumber(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Chain != "dev" || got.Address != hot.Hex() || got.Block != head.Number.Uint64() || len(got.Balances) != 2 || got.LastError != "" {
		t.Fatalf("progress %+v", got)
	}
	for i, want := range []hotwallet.Balance{
		{Asset: "ETH", Decimals: 18, Amount: big.NewInt(2e18), Low: big.NewInt(1e18), IsLow: false},
		{Asset: "USDT", Decimals: devchain.TokenDecimals, Amount: big.NewInt(700_000_000), Low: big.NewInt(1_000_000_000), IsLow: true},
	} {
		b := got.Balances[i]
		if b.Asset != want.Asset || b.Decimals != want.Decimals || b.Amount.Cmp(want.Amount) != 0 || b.Low.Cmp(want.Low) != 0 || b.IsLow != want.IsLow {
			t.Errorf("balance %d: %+v, want %+v", i, b, want)
		}
	}
}
