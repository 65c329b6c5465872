package main

import (
	"strings"
	"testing"

	"github.com/cofferhq/coffer/ledger"
)

// TestExchangeSettings reads the exchange settings from each source: a repeated flag replaces
// the environment's comma-separated list, the file takes a YAML sequence, and a malformed item
// names its source.
func TestExchangeSettings(t *testing.T) {
	t.Parallel()
	env := map[string]string{"COFFER_EXCHANGE_PAIRS": "USD/EUR=0.90:0.95, EUR/USD=1.05:1.11",
		"COFFER_EXCHANGE_POOL_FLOORS": "EUR=-100000"}
	cfg, err := resolveSettings(t, serveSettings, nil, env, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := (pairsValue{&cfg.ExchangePairs}).String(); got != "EUR/USD=1.05:1.11,USD/EUR=0.90:0.95" {
		t.Errorf("pairs from the environment: %s", got)
	}
	if got := floorsValue(&cfg.ExchangePoolFloor).String(); got != "EUR=-100000" {
		t.Errorf("floors from the environment: %s", got)
	}
	cfg, err = resolveSettings(t, serveSettings,
		[]string{"--exchange-pair", "*/*=0.9:0.92", "--exchange-pair", "GBP/EUR=1.1:1.2"}, env, "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ExchangePairs["*/*"] != (ledger.RateBand{Min: "0.9", Max: "0.92"}) || len(cfg.ExchangePairs) != 2 {
		t.Errorf("pairs after the flags: %v", cfg.ExchangePairs)
	}
	file := writeFile(t, "exchange:\n  pairs:\n    - USD/GOLD=1:10\n  pool_floors: [GOLD=-5]\n")
	cfg, err = resolveSettings(t, serveSettings, nil, nil, file)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ExchangePairs["USD/GOLD"] != (ledger.RateBand{Min: "1", Max: "10"}) || cfg.ExchangePoolFloor["GOLD"].String() != "-5" {
		t.Errorf("from the file: %v %v", cfg.ExchangePairs, cfg.ExchangePoolFloor)
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--exchange-pair", "USD/EUR"}, nil, "exchange-pair"},
		{[]string{"--exchange-pair", "USD/EUR=1"}, nil, "exchange-pair"},
		{[]string{"--exchange-pool-floor", "EUR=-1.5"}, nil, "exchange-pool-floor"},
		{nil, map[string]string{"COFFER_EXCHANGE_POOL_FLOORS": "EUR"}, "COFFER_EXCHANGE_POOL_FLOORS"},
	} {
		_, err := resolveSettings(t, serveSettings, tc.args, tc.env, "")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: %v, want an error naming %s", tc.args, tc.env, err, tc.want)
		}
	}
}
