package ledger_test

import (
	"context"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// TestVerifyHugeValidBalances builds a ledger whose every account is within its limits but whose
// positive balances of one asset add up past 2^127-1 before the negative ones bring the sum back
// to zero: Verify must find it clean on every store.
func TestVerifyHugeValidBalances(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			store := kind.Open(t)
			l := ledger.New(store, verifyConfig())
			t.Cleanup(func() { l.Close() })
			mustDo(t, l, ledger.CreateAsset{Code: "USD", Scale: 2})
			mustDo(t, l, ledger.CreateAsset{Code: "Z", Scale: 0})
			mustDo(t, l, ledger.Deposit{ID: "z-1", Owner: "whale", Asset: "Z", Amount: coffer.MaxAmount})
			mustDo(t, l, ledger.Deposit{ID: "usd-1", Owner: "buyer", Asset: "USD", Amount: usd(100)})
			mustDo(t, l, ledger.Exchange{ID: "ex-1", Owner: "buyer", From: "USD", To: "Z", Amount: usd(100),
				CounterAmount: coffer.MaxAmount})
			rep, err := ledger.Verify(context.Background(), store)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if !rep.OK() {
				t.Fatalf("verify found violations on a valid ledger: %+v", rep.Violations)
			}
		})
	}
}

// verifyConfig is the ledger's configuration for TestVerifyHugeValidBalances: USD/Z at any rate
// up to 2^127-1, and a Z pool that may owe as much.
func verifyConfig() ledger.Config {
	return ledger.Config{
		ExchangePairs:     map[string]ledger.RateBand{"USD/Z": {Min: "1", Max: coffer.MaxAmount.String()}},
		ExchangePoolFloor: map[string]coffer.Amount{"Z": coffer.MaxAmount.Neg()},
	}
}
