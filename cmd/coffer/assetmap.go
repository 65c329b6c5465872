package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// assetMap is a list setting of ASSET=VALUE items, kept as a map by asset (a later item of an
// asset replaces an earlier one): --exchange-pool-floor and --payout-network-fee
// (floorsValue), --sweep-threshold and --hot-wallet-low-balance (thresholdsValue).
type assetMap[T any] struct {
	m       *map[string]T
	form    string // the item's form, "ASSET=MINOR_UNITS"
	example string // what the error offers, "EUR=-100000"
	parse   func(asset, value string) (T, error)
	format  func(T) string
}

func (v assetMap[T]) Type() string   { return v.form }
func (v assetMap[T]) String() string { return strings.Join(v.GetSlice(), ",") }
func (v assetMap[T]) Set(s string) error {
	return v.Append(s)
}

func (v assetMap[T]) GetSlice() []string {
	var out []string
	for asset, a := range *v.m {
		out = append(out, asset+"="+v.format(a))
	}
	slices.Sort(out)
	return out
}

func (v assetMap[T]) Append(s string) error {
	asset, value, ok := strings.Cut(strings.TrimSpace(s), "=")
	var a T
	err := errors.New("no =")
	if ok {
		a, err = v.parse(asset, value)
	}
	if err != nil {
		return fmt.Errorf("%q is not %s, such as %s", s, v.form, v.example)
	}
	if *v.m == nil {
		*v.m = map[string]T{}
	}
	(*v.m)[asset] = a
	return nil
}

func (v assetMap[T]) Replace(items []string) error {
	*v.m = nil
	for _, s := range items {
		if err := v.Append(s); err != nil {
			return err
		}
	}
	return nil
}
