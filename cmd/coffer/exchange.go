package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/ledger"
)

// The exchange settings of serve are lists: a repeated flag, a comma-separated environment
// variable or a YAML sequence, each item one pair or one pool.

// pairsValue is --exchange-pair FROM/TO=MIN:MAX: ledger.Config.ExchangePairs.
type pairsValue struct{ m *map[string]ledger.RateBand }

func (v pairsValue) Type() string { return "FROM/TO=MIN:MAX" }

func (v pairsValue) String() string { return strings.Join(v.GetSlice(), ",") }

func (v pairsValue) GetSlice() []string {
	var out []string
	for pair, b := range *v.m {
		out = append(out, pair+"="+b.Min+":"+b.Max)
	}
	slices.Sort(out)
	return out
}

func (v pairsValue) Set(s string) error { return v.Append(s) }

func (v pairsValue) Append(s string) error {
	pair, band, ok := strings.Cut(strings.TrimSpace(s), "=")
	min, max, ok2 := strings.Cut(band, ":")
	if !ok || !ok2 {
		return fmt.Errorf("%q is not FROM/TO=MIN:MAX, such as USD/EUR=0.90:0.95", s)
	}
	if *v.m == nil {
		*v.m = map[string]ledger.RateBand{}
	}
	(*v.m)[pair] = ledger.RateBand{Min: min, Max: max}
	return nil
}

func (v pairsValue) Replace(items []string) error {
	*v.m = nil
	for _, s := range items {
		if err := v.Append(s); err != nil {
			return err
		}
	}
	return nil
}

// floorsValue is --exchange-pool-floor ASSET=MINOR_UNITS: ledger.Config.ExchangePoolFloor (and
// --payout-network-fee's form).
func floorsValue(m *map[string]coffer.Amount) assetMap[coffer.Amount] {
	return assetMap[coffer.Amount]{m: m, form: "ASSET=MINOR_UNITS", example: "EUR=-100000",
		parse:  func(_, minor string) (coffer.Amount, error) { return coffer.ParseMinor(minor) },
		format: coffer.Amount.String}
}
