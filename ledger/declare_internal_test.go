package ledger

import (
	"context"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
)

// undeclared is a command with a bug: it creates a transfer and a wallet it did not declare in
// needs.
type undeclared struct {
	ID      string
	Account bool // create the undeclared wallet instead of the transfer
}

func (c undeclared) OperationID() string { return c.ID }
func (undeclared) kind() string          { return "test.undeclared" }
func (undeclared) needs(n *needs)        { n.asset("USD"); n.account(worldID("USD")) }

func (c undeclared) apply(b *batch) (*Result, error) {
	if c.Account {
		_, err := b.openAccount(coffer.KindWallet, "stranger", "USD")
		return nil, err
	}
	world := b.accounts[worldID("USD")]
	fees := b.accounts[coffer.AccountID(coffer.KindSystem, coffer.OwnerFees, "USD")]
	if fees == nil {
		fees = world
	}
	t, err := b.createTransfer(newTransfer{ID: c.ID, Debit: world, Credit: fees, Amount: coffer.AmountFromInt64(1)})
	if err != nil {
		return nil, err
	}
	return result(t), nil
}

// TestUndeclaredCreation checks that a command creating an account or transfer it did not
// declare fails alone, with an error that is no rejection (so nothing is recorded under its id),
// and that the batch it shares commits: of an undeclared row the batch cannot know whether it
// exists, and letting it through would risk a unique key that fails every command in the batch.
func TestUndeclaredCreation(t *testing.T) {
	l := New(testdb.SQLite(t), Config{})
	t.Cleanup(func() { l.Close() })
	ctx := context.Background()
	if _, err := l.Do(ctx, CreateAsset{Code: "USD", Scale: 2}); err != nil {
		t.Fatal(err)
	}
	outs := l.DoAll(ctx, []Command{
		Deposit{ID: "d1", Owner: "alice", Asset: "USD", Amount: coffer.AmountFromInt64(100)},
		undeclared{ID: "u1"},
		undeclared{ID: "u2", Account: true},
		Deposit{ID: "d2", Owner: "bob", Asset: "USD", Amount: coffer.AmountFromInt64(100)},
	})
	for i, want := range []string{"", coffer.EINTERNAL, coffer.EINTERNAL, ""} {
		if got := coffer.ErrorCode(outs[i].Err); got != want {
			t.Errorf("command %d: %q (%v), want %q", i, got, outs[i].Err, want)
		}
	}
	for _, id := range []string{"d1", "d2"} {
		if _, err := l.Store().Transfer(ctx, id); err != nil {
			t.Errorf("deposit %s of the batch: %v", id, err)
		}
	}
	if _, err := l.Store().Account(ctx, "wallet:stranger:USD"); coffer.ErrorCode(err) != coffer.ENOTFOUND {
		t.Errorf("the undeclared wallet: %v", err)
	}
	err := l.Store().Write(ctx, func(tx coffer.WriteTx) error {
		ops, err := tx.Operations(ctx, []string{"u1", "u2"})
		if len(ops) != 0 {
			t.Errorf("operations recorded for the failed commands: %v", ops)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
