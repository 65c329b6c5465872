// Package chaintest builds what the chain packages' tests share: an embedded dev chain mined by
// the test, a ledger holding the ETH and USDT assets, the configuration of the one chain "dev"
// with its ether and test token, the HD seed of the golden mnemonic, and (Sim) a simulated chain
// with a faucet, a hot wallet and the test token. What a package's own tests add to it (a
// watcher, a sender, a sweeper) stays in that package.
package chaintest

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/devchain"
	"github.com/cofferhq/coffer/chain/hdkey"
	"github.com/cofferhq/coffer/ledger"
)

// Golden is BIP39's all-"abandon" mnemonic: the deposit addresses and the gas wallet of the
// chain packages' tests are its.
const Golden = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"

// DevChain starts an embedded dev chain whose blocks the test mines, closed when the test ends.
func DevChain(t testing.TB) *devchain.Chain {
	t.Helper()
	dev, err := devchain.Start(t.Context(), devchain.Config{Manual: true})
	if err != nil {
		t.Fatalf("devchain: %v", err)
	}
	t.Cleanup(func() { dev.Close() })
	return dev
}

// Ledger returns a ledger over s, closed when the test ends, with the assets of CreateAssets.
func Ledger(t testing.TB, s coffer.Store) *ledger.Ledger {
	t.Helper()
	l := ledger.New(s, ledger.Config{})
	t.Cleanup(func() { l.Close() })
	CreateAssets(t, l)
	return l
}

// CreateAssets creates in l the assets ETH (scale 18) and USDT (the test token's decimals).
func CreateAssets(t testing.TB, l *ledger.Ledger) {
	t.Helper()
	for _, a := range []ledger.CreateAsset{{Code: "ETH", Scale: 18}, {Code: "USDT", Scale: devchain.TokenDecimals}} {
		if _, err := l.Do(t.Context(), a); err != nil {
			t.Fatalf("create asset %s: %v", a.Code, err)
		}
	}
}

// Assets returns the assets of the chain "dev": its ether, and USDT, the test token at token.
func Assets(token common.Address) []chain.Asset {
	return []chain.Asset{
		{Code: "ETH", Chain: "dev", Decimals: 18},
		{Code: "USDT", Chain: "dev", Contract: &token, Decimals: devchain.TokenDecimals},
	}
}

// Config returns the validated configuration of the one chain c, which must be named "dev", and
// its Assets.
func Config(t testing.TB, c chain.Chain, token common.Address) chain.Config {
	t.Helper()
	cc := chain.Config{Chains: []chain.Chain{c}, Assets: Assets(token)}
	if err := cc.Validate(); err != nil {
		t.Fatal(err)
	}
	return cc
}

// Seed returns the seed of Golden, zeroed when the test ends.
func Seed(t testing.TB) *hdkey.Seed {
	t.Helper()
	seed, err := hdkey.NewSeed(Golden, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(seed.Zero)
	return seed
}

// XPub returns the extended public key of Golden's deposit addresses.
func XPub(t testing.TB) *hdkey.XPub {
	t.Helper()
	xpub, err := Seed(t).XPub()
	if err != nil {
		t.Fatal(err)
	}
	return xpub
}
