package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/ledger"
)

// The exchange settings of serve: repeatable flags, each also a comma-separated environment
// variable. The first flag of a kind replaces what its variable gave.

// exchangePairs is --exchange-pair FROM/TO=MIN:MAX (COFFER_EXCHANGE_PAIRS):
// ledger.Config.ExchangePairs.
type exchangePairs struct {
	m       map[string]ledger.RateBand
	flagged bool
}

func (p *exchangePairs) String() string {
	var out []string
	for pair, b := range p.m {
		out = append(out, pair+"="+b.Min+":"+b.Max)
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

func (p *exchangePairs) Set(v string) error {
	if !p.flagged {
		p.m, p.flagged = nil, true
	}
	pair, band, ok := strings.Cut(v, "=")
	min, max, ok2 := strings.Cut(band, ":")
	if !ok || !ok2 {
		return fmt.Errorf("%q is not FROM/TO=MIN:MAX, such as USD/EUR=0.90:0.95", v)
	}
	if p.m == nil {
		p.m = map[string]ledger.RateBand{}
	}
	p.m[pair] = ledger.RateBand{Min: min, Max: max}
	return nil
}

// poolFloors is --exchange-pool-floor ASSET=MINOR (COFFER_EXCHANGE_POOL_FLOORS):
// ledger.Config.ExchangePoolFloor, in minor units.
type poolFloors struct {
	m       map[string]coffer.Amount
	flagged bool
}

func (p *poolFloors) String() string {
	var out []string
	for asset, a := range p.m {
		out = append(out, asset+"="+a.String())
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

func (p *poolFloors) Set(v string) error {
	if !p.flagged {
		p.m, p.flagged = nil, true
	}
	asset, minor, ok := strings.Cut(v, "=")
	a, err := coffer.ParseMinor(minor)
	if !ok || err != nil {
		return fmt.Errorf("%q is not ASSET=MINOR_UNITS, such as EUR=-100000", v)
	}
	if p.m == nil {
		p.m = map[string]coffer.Amount{}
	}
	p.m[asset] = a
	return nil
}

// fromEnv sets v from each comma-separated item of the environment variable name, as if flagged,
// then lets the first real flag start over.
func fromEnv(v interface {
	Set(string) error
}, name string, flagged *bool) error {
	for item := range strings.SplitSeq(os.Getenv(name), ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		if err := v.Set(item); err != nil {
			return usageErr("%s: %v", name, err)
		}
	}
	*flagged = false
	return nil
}
