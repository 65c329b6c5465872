package main

import (
	"flag"
	"io"
	"strings"
	"testing"
)

// TestExchangeFlags reads the exchange settings from the environment and the flags: the first
// flag of a kind replaces what its variable gave, and a malformed item names its variable.
func TestExchangeFlags(t *testing.T) {
	t.Setenv("COFFER_EXCHANGE_PAIRS", "USD/EUR=0.90:0.95, EUR/USD=1.05:1.11")
	t.Setenv("COFFER_EXCHANGE_POOL_FLOORS", "EUR=-100000")
	var pairs exchangePairs
	var floors poolFloors
	if err := fromEnv(&pairs, "COFFER_EXCHANGE_PAIRS", &pairs.flagged); err != nil {
		t.Fatal(err)
	}
	if err := fromEnv(&floors, "COFFER_EXCHANGE_POOL_FLOORS", &floors.flagged); err != nil {
		t.Fatal(err)
	}
	if got := pairs.String(); got != "EUR/USD=1.05:1.11,USD/EUR=0.90:0.95" {
		t.Errorf("pairs from the environment: %s", got)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(&pairs, "exchange-pair", "")
	fs.Var(&floors, "exchange-pool-floor", "")
	if err := fs.Parse([]string{"--exchange-pair", "*/*=0.9:0.92", "--exchange-pair", "GBP/EUR=1.1:1.2"}); err != nil {
		t.Fatal(err)
	}
	if got := pairs.String(); got != "*/*=0.9:0.92,GBP/EUR=1.1:1.2" {
		t.Errorf("pairs after the flags: %s", got)
	}
	if got := floors.String(); got != "EUR=-100000" {
		t.Errorf("floors from the environment: %s", got)
	}
	for _, bad := range [][]string{{"--exchange-pair", "USD/EUR"}, {"--exchange-pair", "USD/EUR=1"}, {"--exchange-pool-floor", "EUR=-1.5"}} {
		if err := fs.Parse(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	t.Setenv("COFFER_EXCHANGE_POOL_FLOORS", "EUR")
	err := fromEnv(&poolFloors{}, "COFFER_EXCHANGE_POOL_FLOORS", new(bool))
	if err == nil || !strings.Contains(err.Error(), "COFFER_EXCHANGE_POOL_FLOORS") {
		t.Errorf("malformed variable: %v", err)
	}
}
