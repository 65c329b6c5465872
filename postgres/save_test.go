package postgres_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/postgres"
)

// BenchmarkSave1000 writes batches shaped like 1,000 plain transfers among 200 accounts: each
// transfer brings a transfer row, two entries, an event and an operation; every account is locked
// and updated once per batch.
func BenchmarkSave1000(b *testing.B) { benchmarkSave(b, 1000, 200) }

// BenchmarkSave64 is BenchmarkSave1000 at the size of the batches that 64 clients sending one
// transfer each make: 64 transfers among 128 accounts. Here the fixed cost of each statement and
// round trip dominates.
func BenchmarkSave64(b *testing.B) { benchmarkSave(b, 64, 128) }

func benchmarkSave(b *testing.B, transfers, accounts int) {
	s := postgres.OpenTest(b)
	ctx := b.Context()

	ids := make([]string, accounts)
	var seed coffer.Changes
	for i := range ids {
		ids[i] = coffer.AccountID(coffer.KindWallet, fmt.Sprintf("user%04d", i), "USD")
		a := account(ids[i], 0)
		a.OverdraftUnlimited = true
		seed.NewAccounts = append(seed.NewAccounts, a)
	}
	if err := s.Write(ctx, func(tx coffer.WriteTx) error { return tx.Save(ctx, &seed) }); err != nil {
		b.Fatal(err)
	}
	data := json.RawMessage(`{"id":"bench","amount":"100","state":"posted"}`)
	result := json.RawMessage(`{"transfer_id":"bench"}`)

	// batch builds the changes of batch n. The benchmark is the only writer, so the accounts in
	// memory are the accounts on disk.
	byID := map[string]*coffer.Account{}
	for _, a := range seed.NewAccounts {
		byID[a.ID] = a
	}
	batch := func(n int) *coffer.Changes {
		c := &coffer.Changes{}
		one := coffer.AmountFromInt64(100)
		for i := range transfers {
			id := fmt.Sprintf("b%d-t%d", n, i)
			debit, credit := byID[ids[i%accounts]], byID[ids[(i*7+1)%accounts]]
			if debit == credit {
				credit = byID[ids[(i+1)%accounts]]
			}
			c.NewTransfers = append(c.NewTransfers, transfer(id, debit.ID, credit.ID, 100, now))
			for _, side := range []struct {
				a *coffer.Account
				s coffer.Side
			}{{debit, coffer.Debit}, {credit, coffer.Credit}} {
				before := side.a.Balance()
				if side.s == coffer.Debit {
					side.a.DebitsPosted, _ = side.a.DebitsPosted.Add(one)
				} else {
					side.a.CreditsPosted, _ = side.a.CreditsPosted.Add(one)
				}
				side.a.Seq++
				after := side.a.Balance()
				c.Entries = append(c.Entries, coffer.Entry{AccountID: side.a.ID, Seq: side.a.Seq, TransferID: id,
					Type: coffer.TypeTransfer, Phase: coffer.PhasePosted, Side: side.s, Amount: one,
					BalanceBefore: before, BalanceAfter: after, AvailableBefore: before, AvailableAfter: after,
					CreatedAt: now})
			}
			c.Events = append(c.Events, coffer.Event{Type: coffer.EventTransferCreated, Subject: id, Data: data,
				CreatedAt: now})
			c.Operations = append(c.Operations, coffer.Operation{ID: "op-" + id, Kind: "transfer",
				Fingerprint: "0123456789abcdef0123456789abcdef", Result: result, CreatedAt: now})
		}
		for _, id := range ids {
			c.Accounts = append(c.Accounts, byID[id])
		}
		return c
	}

	// The time counted is the store's: one write transaction that locks the accounts and saves.
	n := 0
	for b.Loop() {
		b.StopTimer()
		c := batch(n)
		b.StartTimer()
		err := s.Write(ctx, func(tx coffer.WriteTx) error {
			if _, err := tx.LockAccounts(ctx, ids); err != nil {
				return err
			}
			return tx.Save(ctx, c)
		})
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n*transfers)/b.Elapsed().Seconds(), "transfers/s")
}
