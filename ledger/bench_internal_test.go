package ledger

import (
	"fmt"
	"testing"

	"github.com/cofferhq/coffer"
)

// BenchmarkApply1000 measures the in-memory half of the write path: 1,000 transfers among
// 10,000 accounts applied to a batch, no database. It shows what a batch costs before Save.
func BenchmarkApply1000(b *testing.B) {
	const accounts, transfers = 10000, 1000
	cmds := make([]Command, transfers)
	for i := range cmds {
		id := fmt.Sprint("t", i)
		cmds[i] = CreateTransfers{ID: id, Transfers: []TransferSpec{{ID: id,
			DebitAccountID: fmt.Sprint("wallet:", i%accounts, ":USD"), CreditAccountID: fmt.Sprint("wallet:", (i*7+1)%accounts, ":USD"),
			Amount: coffer.AmountFromInt64(100)}}}
	}
	base := make(map[string]coffer.Account, accounts)
	for i := range accounts {
		id := fmt.Sprint("wallet:", i, ":USD")
		base[id] = coffer.Account{ID: id, Owner: fmt.Sprint(i), Asset: "USD", Kind: coffer.KindWallet,
			CreditsPosted: coffer.AmountFromInt64(1_000_000)}
	}
	prints := make([]string, transfers)
	declared := newNeeds()
	for i, c := range cmds {
		prints[i], _ = fingerprint(c)
		c.needs(&declared)
	}
	for b.Loop() {
		bt := newTestBatch()
		bt.declared = declared
		bt.changes.Operations = make([]coffer.Operation, 0, len(cmds)) // as writeBatch does
		bt.assets["USD"] = coffer.Asset{Code: "USD", Scale: 2}
		bt.accounts = make(map[string]*coffer.Account, 2*transfers)
		for _, c := range cmds {
			s := c.(CreateTransfers).Transfers[0]
			for _, id := range []string{s.DebitAccountID, s.CreditAccountID} {
				a := base[id]
				bt.accounts[id] = &a
			}
		}
		for i, c := range cmds {
			if o, _ := bt.applyOne(c, c.OperationID(), prints[i]); o.Err != nil {
				b.Fatal(o.Err)
			}
		}
		bt.collect()
	}
	b.ReportMetric(float64(transfers*b.N)/b.Elapsed().Seconds(), "transfers/s")
}
