package walletdemo_test

import (
	"encoding/json"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/compat/walletdemo"
	"github.com/cofferhq/coffer/ledger"
)

// TestPayoutsListed: a chain payout of a wallet is listed in its transactions as the demo
// listed its crypto withdrawals: "processing" while held, "failed" once voided (its balance
// unchanged), and once confirmed by its posted entry alone, "completed". The payouts are the
// ledger's own commands, as the payout pipeline gives them; the pipeline on a chain is
// cmd/coffer's TestDevChainWalletDemoCrypto.
func TestPayoutsListed(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		if a := e.demo.createWallet("5", "BTC"); a.status != 200 {
			t.Fatalf("create wallet: %d %s", a.status, a.raw)
		}
		if a := e.demo.deposit("1", "1", "d-1"); a.status != 200 {
			t.Fatalf("deposit: %d %s", a.status, a.raw)
		}
		const from, to = "0x1111111111111111111111111111111111111111", "0x2222222222222222222222222222222222222222"
		request := func(id string) {
			t.Helper()
			if _, err := e.ledger.Do(ctx, ledger.RequestPayout{ID: id, Kind: ledger.PayoutWithdrawal, Owner: "5", Asset: "BTC",
				Amount: coffer.AmountFromInt64(30_000_000), Chain: "dev", From: from, To: to}); err != nil {
				t.Fatal(err)
			}
		}
		list := func() []walletdemo.Transaction {
			t.Helper()
			a := e.demo.transactions("1", "")
			var txs []walletdemo.Transaction
			if err := json.Unmarshal([]byte(a.raw), &txs); a.status != 200 || err != nil {
				t.Fatalf("transactions: %d %s %v", a.status, a.raw, err)
			}
			return txs
		}
		type row struct{ Type, Amount, Before, After, Status string }
		want := func(rows ...row) {
			t.Helper()
			txs := list()
			if len(txs) != len(rows) {
				t.Fatalf("transactions %+v; want %+v", txs, rows)
			}
			for i, r := range rows {
				got := row{txs[i].Type, txs[i].Amount, txs[i].BalanceBefore, txs[i].BalanceAfter, txs[i].Status}
				if got != r {
					t.Fatalf("transaction %d %+v; want %+v", i, got, r)
				}
			}
		}
		deposit := row{"deposit", "1", "0", "1", "completed"}

		request("po-1")
		want(row{"withdraw", "0.3", "1", "1", "processing"}, deposit)
		if _, err := e.ledger.Do(ctx, ledger.FailPayout{ID: "po-1", Reason: "reverted"}); err != nil {
			t.Fatal(err)
		}
		want(row{"withdraw", "0.3", "1", "1", "failed"}, deposit)

		request("po-2")
		want(row{"withdraw", "0.3", "1", "1", "processing"}, row{"withdraw", "0.3", "1", "1", "failed"}, deposit)
		if _, err := e.ledger.Do(ctx, ledger.ConfirmPayout{ID: "po-2"}); err != nil {
			t.Fatal(err)
		}
		want(row{"withdraw", "0.3", "1", "0.7", "completed"}, row{"withdraw", "0.3", "1", "1", "failed"}, deposit)
		// Paging counts the rows listed.
		a := e.demo.transactions("1", "?offset=1&limit=1")
		var txs []walletdemo.Transaction
		if err := json.Unmarshal([]byte(a.raw), &txs); err != nil || len(txs) != 1 || txs[0].Status != "failed" {
			t.Fatalf("offset 1: %s %v", a.raw, err)
		}
	})
}
