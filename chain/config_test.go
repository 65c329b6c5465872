package chain_test

import (
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/cofferhq/coffer/chain"
)

func TestConfigValidate(t *testing.T) {
	usdt := common.HexToAddress("0xdAC17F958D2ee523a2206206994597C13D831ec7")
	good := func() chain.Config {
		return chain.Config{
			Chains: []chain.Chain{{Name: "ethereum", ID: 1, RPC: []string{"http://127.0.0.1:8545"}}, {Name: "bsc", ID: 56, Confirmations: 15}},
			Assets: []chain.Asset{{Code: "ETH", Chain: "ethereum", Decimals: 18}, {Code: "USDT", Chain: "ethereum", Contract: &usdt, Decimals: 6},
				{Code: "BSC-USDT", Chain: "bsc", Contract: &usdt, Decimals: 18}},
		}
	}
	c := good()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	eth, _ := c.Chain("ethereum")
	bsc, _ := c.Chain("bsc")
	if eth.Confirmations != chain.ConfirmationsDefault || eth.Poll != chain.PollDefault || eth.BlockRangeMax != chain.BlockRangeMaxDefault || bsc.Confirmations != 15 {
		t.Fatalf("defaults: %+v %+v", eth, bsc)
	}
	if a, ok := c.Asset("USDT"); !ok || a.Native() || a.Decimals != 6 || len(c.AssetsOn("ethereum")) != 2 {
		t.Fatalf("lookups: %+v %v", a, ok)
	}
	for _, tc := range []struct {
		change func(*chain.Config)
		want   string
	}{
		{func(c *chain.Config) { c.Chains[0].Name = "Ethereum" }, "lowercase"},
		{func(c *chain.Config) { c.Chains[1].Name = "ethereum" }, "configured twice"},
		{func(c *chain.Config) { c.Chains[1].ID = 1 }, "same chain id 1"},
		{func(c *chain.Config) { c.Chains[0].ID = 0 }, "no chain id"},
		{func(c *chain.Config) { c.Assets[0].Chain = "polygon" }, "not configured"},
		{func(c *chain.Config) { c.Assets[1].Code = "ETH" }, "configured twice"},
		{func(c *chain.Config) { c.Assets[1].Contract = nil }, "both chain ethereum's native coin"},
		{func(c *chain.Config) { c.Assets[0].Decimals = 19 }, "at most 18"},
		{func(c *chain.Config) { c.Assets[2].Chain = "ethereum" }, "both the token"},
	} {
		c := good()
		tc.change(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v, want an error saying %q", err, tc.want)
		}
	}
}
