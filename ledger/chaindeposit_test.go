package ledger_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// TestChainDepositLife follows two chain deposits on both stores: each is incoming once seen,
// one is credited once however often it is confirmed, the other orphaned and never credited;
// each step writes its deposit event once, and the ledger verifies clean.
func TestChainDepositLife(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			s := kind.Open(t)
			l := ledger.New(s, ledger.Config{})
			t.Cleanup(func() { l.Close() })
			ctx := context.Background()
			mustDo(t, l, ledger.CreateAsset{Code: "USDT", Scale: 6})
			notice := func(key string, confirmations uint64) coffer.DepositNotice {
				return coffer.DepositNotice{Key: key, Chain: "dev", ChainID: 1337, TxHash: "0xabc", Position: "0",
					Address: "0x9858EfFD232B4033E47d90003D41EC34EcaEda94", Owner: "alice", Asset: "USDT",
					BlockNumber: 7, BlockHash: "0xb7", Confirmations: confirmations, ConfirmationsRequired: 3}
			}
			kept, lost := "1337:0xabc:0", "1337:0xdef:native"
			amount := coffer.AmountFromInt64(25_000_000) // 25 USDT

			r := mustDo(t, l, ledger.ChainDeposit{Notice: notice(kept, 1), Amount: amount})
			if len(r.Transfers) != 1 || r.Transfers[0].ID != "chain/"+kept || r.Transfers[0].State != coffer.StatePending {
				t.Fatalf("seen: %+v", r.Transfers)
			}
			// Seen again after a restart, deeper by now: the same operation, nothing new.
			mustDo(t, l, ledger.ChainDeposit{Notice: notice(kept, 2), Amount: amount})
			mustDo(t, l, ledger.ChainDeposit{Notice: notice(lost, 1), Amount: amount})
			a, err := s.Account(ctx, "wallet:alice:USDT")
			if err != nil {
				t.Fatal(err)
			}
			if want := coffer.AmountFromInt64(50_000_000); a.Incoming() != want || !a.Balance().IsZero() || !a.Available().IsZero() {
				t.Fatalf("after two seen: incoming %s balance %s available %s", a.Incoming(), a.Balance(), a.Available())
			}
			// A different amount under the same key is not the same deposit.
			_, err = l.Do(ctx, ledger.ChainDeposit{Notice: notice(kept, 1), Amount: coffer.AmountFromInt64(1)})
			wantCode(t, err, coffer.ECONFLICT)

			mustDo(t, l, ledger.ConfirmChainDeposit{Notice: notice(kept, 3)})
			mustDo(t, l, ledger.ConfirmChainDeposit{Notice: notice(kept, 4)}) // a repeat credits nothing more
			mustDo(t, l, ledger.OrphanChainDeposit{Notice: notice(lost, 0)})
			_, err = l.Do(ctx, ledger.ConfirmChainDeposit{Notice: notice(lost, 3)})
			if err == nil {
				t.Fatal("an orphaned deposit was confirmed")
			}
			if a, _ = s.Account(ctx, "wallet:alice:USDT"); a.Balance() != amount || !a.Incoming().IsZero() {
				t.Fatalf("after confirm and orphan: balance %s incoming %s", a.Balance(), a.Incoming())
			}
			// The money came from the receiving address's custody account, which now says the
			// address holds what was confirmed.
			c, err := s.Account(ctx, ledger.CustodyAccountID("0x9858EfFD232B4033E47d90003D41EC34EcaEda94", "USDT"))
			if err != nil {
				t.Fatal(err)
			}
			if c.ID != "system:custody.0x9858effd232b4033e47d90003d41ec34ecaeda94:USDT" || !c.OverdraftUnlimited ||
				ledger.CustodyHolding(&c) != amount || !c.DebitsPending.IsZero() {
				t.Fatalf("custody account %+v", c)
			}

			es, err := s.Events(ctx, 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range es {
				if e.Type != coffer.EventDepositPending && e.Type != coffer.EventDepositConfirmed && e.Type != coffer.EventDepositOrphaned {
					continue
				}
				var n coffer.DepositNotice
				if err := json.Unmarshal(e.Data, &n); err != nil {
					t.Fatal(err)
				}
				if n.Amount != "25.000000" || n.TransferID != e.Subject || n.TransferID != "chain/"+n.Key || n.Owner != "alice" {
					t.Errorf("%s: %+v", e.Type, n)
				}
				got = append(got, e.Type+" "+n.Key+" "+n.Status)
			}
			want := []string{"deposit.pending " + kept + " pending", "deposit.pending " + lost + " pending",
				"deposit.confirmed " + kept + " confirmed", "deposit.orphaned " + lost + " orphaned"}
			if len(got) != len(want) {
				t.Fatalf("deposit events %q, want %q", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("deposit events %q, want %q", got, want)
				}
			}
			wantVerified(t, s)
		})
	}
}

// TestChainDepositIntoLockedWallet: a wallet locked both ways takes a chain deposit, pending
// and then confirmed, since the money is at the owner's address whatever the ledger says; a
// ledger deposit and a debit are still refused.
func TestChainDepositIntoLockedWallet(t *testing.T) {
	s := testdb.SQLite(t)
	l := ledger.New(s, ledger.Config{})
	t.Cleanup(func() { l.Close() })
	ctx := context.Background()
	mustDo(t, l, ledger.CreateAsset{Code: "USDT", Scale: 6})
	mustDo(t, l, ledger.Deposit{ID: "d0", Owner: "alice", Asset: "USDT", Amount: coffer.AmountFromInt64(1)})
	mustDo(t, l, ledger.LockAccount{ID: "lock", AccountID: "wallet:alice:USDT", Debits: true, Credits: true, Reason: "review"})
	n := coffer.DepositNotice{Key: "1337:0xabc:0", Chain: "dev", ChainID: 1337, TxHash: "0xabc", Position: "0",
		Address: "0x9858EfFD232B4033E47d90003D41EC34EcaEda94", Owner: "alice", Asset: "USDT", BlockNumber: 7, BlockHash: "0xb7"}
	mustDo(t, l, ledger.ChainDeposit{Notice: n, Amount: coffer.AmountFromInt64(25_000_000)})
	mustDo(t, l, ledger.ConfirmChainDeposit{Notice: n})
	a, err := s.Account(ctx, "wallet:alice:USDT")
	if err != nil {
		t.Fatal(err)
	}
	if a.Balance() != coffer.AmountFromInt64(25_000_001) || !a.LockedCredits || !a.LockedDebits {
		t.Fatalf("account %+v", a)
	}
	if _, err := l.Do(ctx, ledger.Deposit{ID: "d1", Owner: "alice", Asset: "USDT", Amount: coffer.AmountFromInt64(1)}); coffer.ErrorCode(err) != coffer.ELOCKED {
		t.Fatalf("a ledger deposit into the locked wallet: %v", err)
	}
	if _, err := l.Do(ctx, ledger.Withdraw{ID: "w1", Owner: "alice", Asset: "USDT", Amount: coffer.AmountFromInt64(1), Timeout: time.Hour}); coffer.ErrorCode(err) != coffer.ELOCKED {
		t.Fatalf("a withdrawal from the locked wallet: %v", err)
	}
}
