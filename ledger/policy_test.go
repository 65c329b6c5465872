package ledger_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

func TestRoleFor(t *testing.T) {
	spec := func(debit string, typ coffer.TransferType) ledger.TransferSpec {
		return ledger.TransferSpec{ID: "t", DebitAccountID: debit, CreditAccountID: "wallet:b:USD", Type: typ}
	}
	admin, operator := coffer.RoleAdmin, coffer.RoleOperator
	for _, tt := range []struct {
		cmd  ledger.Command
		want coffer.Role
	}{
		{ledger.CreateAsset{Code: "USD"}, admin},
		{ledger.Adjust{ID: "a"}, admin},
		{ledger.LockAccount{ID: "l", AccountID: "system:world:USD"}, admin},
		{ledger.UnlockAccount{ID: "u", AccountID: "system:exchange:USD"}, admin},
		{ledger.LockAccount{ID: "l", AccountID: "wallet:a:USD"}, operator},
		{ledger.UnlockAccount{ID: "u", AccountID: "merchant:a:USD"}, operator},
		{ledger.CreateAccount{Kind: coffer.KindSystem, Owner: "x", Asset: "USD"}, admin},
		{ledger.CreateAccount{Kind: coffer.KindMerchant, Owner: "x", Asset: "USD", OverdraftUnlimited: true}, admin},
		{ledger.CreateAccount{Kind: coffer.KindWallet, Owner: "x", Asset: "USD", OverdraftLimit: coffer.AmountFromInt64(1)}, admin},
		{ledger.CreateAccount{Kind: coffer.KindMerchant, Owner: "x", Asset: "USD"}, operator},
		{ledger.CreateTransfers{ID: "t", Transfers: []ledger.TransferSpec{spec("system:fees:USD", "")}}, admin},
		{ledger.CreateTransfers{ID: "g", Transfers: []ledger.TransferSpec{spec("wallet:a:USD", ""), spec("system:world:USD", coffer.TypeDeposit)}}, admin},
		{ledger.CreateTransfers{ID: "t", Transfers: []ledger.TransferSpec{spec("wallet:a:USD", coffer.TypeAdjustment)}}, admin},
		{ledger.CreateTransfers{ID: "t", Transfers: []ledger.TransferSpec{spec("wallet:a:USD", coffer.TypeTransfer)}}, operator},
		{ledger.Deposit{ID: "d"}, operator},
		{ledger.Exchange{ID: "x"}, operator},
		{ledger.Pay{ID: "p"}, operator},
		{ledger.PostTransfer{TransferID: "h"}, operator},
	} {
		got, why := ledger.RoleFor(tt.cmd)
		if got != tt.want || (got == admin) == (why == "") {
			t.Errorf("RoleFor(%T %+v) = %s %q, want %s and a reason for admin only", tt.cmd, tt.cmd, got, why, tt.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	band := ledger.RateBand{Min: "0.9", Max: "1.1"}
	for _, tt := range []struct {
		name string
		cfg  ledger.Config
		want string // "" for valid
	}{
		{"none", ledger.Config{}, ""},
		{"a pair", ledger.Config{ExchangePairs: map[string]ledger.RateBand{"USD/EUR": band}}, ""},
		{"any pair", ledger.Config{ExchangePairs: map[string]ledger.RateBand{ledger.AnyPair: band}}, ""},
		{"a floor", ledger.Config{ExchangePoolFloor: map[string]coffer.Amount{"EUR": coffer.AmountFromInt64(-100)}}, ""},
		{"no slash", ledger.Config{ExchangePairs: map[string]ledger.RateBand{"USDEUR": band}}, "FROM/TO"},
		{"one asset", ledger.Config{ExchangePairs: map[string]ledger.RateBand{"USD/USD": band}}, "FROM/TO"},
		{"lower case", ledger.Config{ExchangePairs: map[string]ledger.RateBand{"usd/EUR": band}}, "FROM/TO"},
		{"half a wildcard", ledger.Config{ExchangePairs: map[string]ledger.RateBand{"USD/*": band}}, "FROM/TO"},
		{"not a number", ledger.Config{ExchangePairs: map[string]ledger.RateBand{"USD/EUR": {Min: "0.9", Max: "1e3"}}}, "positive decimal"},
		{"zero", ledger.Config{ExchangePairs: map[string]ledger.RateBand{"USD/EUR": {Min: "0", Max: "1"}}}, "positive decimal"},
		{"empty", ledger.Config{ExchangePairs: map[string]ledger.RateBand{"USD/EUR": {}}}, "positive decimal"},
		{"upside down", ledger.Config{ExchangePairs: map[string]ledger.RateBand{"USD/EUR": {Min: "1.1", Max: "0.9"}}}, "above its maximum"},
		{"floor of no asset", ledger.Config{ExchangePoolFloor: map[string]coffer.Amount{"eur": {}}}, "not an asset code"},
	} {
		err := tt.cfg.Validate()
		if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestExchangePolicy runs exchanges against a ledger configured with one pair, the wildcard band
// and a floor below zero.
func TestExchangePolicy(t *testing.T) {
	l := ledger.New(testdb.SQLite(t), ledger.Config{
		ExchangePairs: map[string]ledger.RateBand{
			"USD/EUR":      {Min: "0.9", Max: "0.95"},
			ledger.AnyPair: {Min: "0.0001", Max: "10000"},
		},
		ExchangePoolFloor: map[string]coffer.Amount{"EUR": coffer.AmountFromInt64(-1000)},
	})
	t.Cleanup(func() { l.Close() })
	ctx := context.Background()
	for _, a := range []string{"USD", "EUR", "GBP"} {
		mustDo(t, l, ledger.CreateAsset{Code: a, Scale: 2})
		mustDo(t, l, ledger.Deposit{ID: "d-" + a, Owner: "alice", Asset: a, Amount: usd(100000)})
	}
	// USD/EUR has its own band; the wildcard does not widen it.
	_, err := l.Do(ctx, ledger.Exchange{ID: "x1", Owner: "alice", From: "USD", To: "EUR", Amount: usd(100), Rate: "0.96"})
	wantCode(t, err, coffer.EINVALID)
	// The EUR pool may owe 10.00 EUR, and no more.
	mustDo(t, l, ledger.Exchange{ID: "x2", Owner: "alice", From: "USD", To: "EUR", Amount: usd(1000), Rate: "0.93"})
	wantAccount(t, l.Store(), "system:exchange:EUR", -930, -930, 0)
	_, err = l.Do(ctx, ledger.Exchange{ID: "x3", Owner: "alice", From: "USD", To: "EUR", Amount: usd(100), Rate: "0.93"})
	wantCode(t, err, coffer.EINSUFFICIENTFUNDS)
	if msg := coffer.ErrorMessage(err); !strings.Contains(msg, "system:exchange:EUR") || !strings.Contains(msg, "-10.00 EUR") {
		t.Errorf("pool refusal %q does not name the pool and its floor", msg)
	}
	mustDo(t, l, ledger.Exchange{ID: "x4", Owner: "alice", From: "USD", To: "EUR", Amount: usd(75), Rate: "0.93"})
	wantAccount(t, l.Store(), "system:exchange:EUR", -999, -999, 0)
	// EUR/GBP falls under the wildcard band; the GBP pool has no floor of its own, so 0.
	_, err = l.Do(ctx, ledger.Exchange{ID: "x5", Owner: "alice", From: "EUR", To: "GBP", Amount: usd(50000), Rate: "0.0001"})
	wantCode(t, err, coffer.EINSUFFICIENTFUNDS)
	mustDo(t, l, ledger.Adjust{ID: "fund-gbp", AccountID: "system:exchange:GBP", Direction: coffer.Credit, Amount: usd(100), Reason: "fund"})
	mustDo(t, l, ledger.Exchange{ID: "x6", Owner: "alice", From: "EUR", To: "GBP", Amount: usd(50000), Rate: "0.0001"})
	wantAccount(t, l.Store(), "system:exchange:GBP", 95, 95, 0)
	_, err = l.Do(ctx, ledger.Exchange{ID: "x7", Owner: "alice", From: "EUR", To: "GBP", Amount: usd(1), Rate: "10001"})
	wantCode(t, err, coffer.EINVALID)
	// The ledger refuses what CheckExchange refuses, for a caller that did not ask first.
	usdAsset, eurAsset := coffer.Asset{Code: "USD", Scale: 2}, coffer.Asset{Code: "EUR", Scale: 2}
	bad := ledger.Exchange{ID: "x8", Owner: "alice", From: "USD", To: "EUR", Amount: usd(100), CounterAmount: usd(10)}
	if err := l.CheckExchange(bad, usdAsset, eurAsset); coffer.ErrorCode(err) != coffer.EINVALID {
		t.Errorf("CheckExchange of a rate of 0.1: %v", err)
	}
	_, err = l.Do(ctx, bad)
	wantCode(t, err, coffer.EINVALID)
	wantVerified(t, l.Store())
}
