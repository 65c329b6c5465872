package main

import (
	"strings"
	"testing"
	"time"
)

// TestChainSettings: chains and chain assets from the config file's mappings, the environment
// and flags, their node URLs never printed whole.
func TestChainSettings(t *testing.T) {
	t.Parallel()
	file := writeFile(t, `chain:
  chains:
    - dev
    - name: ethereum
      id: 1
      rpc: [https://node.example/v3/SECRETKEY, https://backup.example]
      confirmations: 12
      poll: 12s
  assets:
    - {code: ETH, chain: ethereum, decimals: 18}
    - {code: USDT, chain: ethereum, contract: "0xdac17f958d2ee523a2206206994597c13d831ec7", decimals: 6}
`)
	cfg, err := resolveSettings(t, serveSettings, nil, nil, file)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Chains) != 2 || cfg.Chains[0].Name != "dev" || cfg.Chains[0].Confirmations != devConfirmations {
		t.Fatalf("chains %+v", cfg.Chains)
	}
	eth := cfg.Chains[1]
	if eth.Name != "ethereum" || eth.ID != 1 || len(eth.RPC) != 2 || eth.Confirmations != 12 || eth.Poll != 12*time.Second {
		t.Fatalf("ethereum %+v", eth)
	}
	if len(cfg.ChainAssets) != 2 || cfg.ChainAssets[1].Contract.Hex() != "0xdAC17F958D2ee523a2206206994597C13D831ec7" || cfg.ChainAssets[1].Decimals != 6 {
		t.Fatalf("assets %+v", cfg.ChainAssets)
	}
	if s := (chainsValue{&cfg.Chains}).String(); strings.Contains(s, "SECRETKEY") || !strings.Contains(s, "rpc=https://node.example/…") {
		t.Fatalf("the chains as printed: %s", s)
	}

	cfg, err = resolveSettings(t, serveSettings, []string{"--chain", "name=bsc,id=56,rpc=http://127.0.0.1:8545"},
		map[string]string{"COFFER_CHAIN_ASSETS": "code=BNB,chain=bsc,decimals=18 code=BUSD,chain=bsc,contract=0xe9e7cea3dedca5984780bafc599bd69add087d56,decimals=18"}, "")
	if err != nil || len(cfg.Chains) != 1 || cfg.Chains[0].ID != 56 || len(cfg.ChainAssets) != 2 {
		t.Fatalf("%+v %+v %v", cfg.Chains, cfg.ChainAssets, err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--chain", "dev", "--chain", "dev"}, "names the chain dev twice"},
		{[]string{"--chain", "name=x,id=1,rpc=https://h/SECRETKEY,poll=fast"}, "poll=fast"},
		{[]string{"--chain-asset", "code=USDT,chain=x"}, "has no decimals="},
	} {
		_, err := resolveSettings(t, serveSettings, tc.args, nil, "")
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "SECRETKEY") {
			t.Errorf("%v: %v; want %q", tc.args, err, tc.want)
		}
	}
}
