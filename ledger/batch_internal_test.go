package ledger

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

func newTestBatch() *batch {
	return &batch{ctx: context.Background(), now: time.Now(), assets: map[string]coffer.Asset{},
		accounts: map[string]*coffer.Account{}, transfers: map[string]*coffer.Transfer{},
		ops: map[string]*coffer.Operation{}, dirtyAccounts: map[string]bool{}, dirtyTransfer: map[string]bool{},
		newAccounts: map[string]bool{}, newTransfers: map[string]bool{}, declared: newNeeds(), taken: map[string]bool{}}
}

// TestRollback checks the undo log directly: some of its paths (a transfer changed and then an
// amount past 2^127-1) are out of reach of the model test.
func TestRollback(t *testing.T) {
	b := newTestBatch()
	a := &coffer.Account{ID: "a", CreditsPosted: coffer.AmountFromInt64(100), Seq: 3}
	dirty := &coffer.Account{ID: "d", Seq: 1}
	at := time.Now()
	tr := &coffer.Transfer{ID: "t", State: coffer.StatePending, Amount: coffer.AmountFromInt64(5)}
	b.accounts[a.ID], b.accounts[dirty.ID], b.transfers[tr.ID] = a, dirty, tr
	b.dirtyAccounts[dirty.ID] = true // changed by an earlier command that stood
	wantA, wantDirty, wantT := *a, *dirty, *tr

	// One command that stands, then one that is taken back.
	m := b.mark()
	b.touchAccount(dirty)
	dirty.Seq++
	wantDirty = *dirty
	b.keep(m)

	m = b.mark()
	for range 2 { // twice: it must end as it was before the first change
		b.touchAccount(a)
		a.Seq++
		a.DebitsPosted, _ = a.DebitsPosted.Add(coffer.AmountFromInt64(7))
	}
	b.touchAccount(dirty)
	dirty.Seq++
	b.touchTransfer(tr)
	tr.State, tr.ResolvedAt = coffer.StatePosted, &at
	b.addAsset(coffer.Asset{Code: "EUR", Scale: 2})
	b.declared.account("new")
	if err := b.addAccount(&coffer.Account{ID: "new"}); err != nil {
		t.Fatal(err)
	}
	b.addTransfer(&coffer.Transfer{ID: "t2"})
	b.changes.Entries = append(b.changes.Entries, coffer.Entry{AccountID: "a"})
	b.rollback(m)

	if !reflect.DeepEqual(*a, wantA) || !reflect.DeepEqual(*dirty, wantDirty) || !reflect.DeepEqual(*tr, wantT) {
		t.Errorf("rows not restored:\n%+v\n%+v\n%+v", *a, *dirty, *tr)
	}
	if b.dirtyAccounts["a"] || !b.dirtyAccounts["d"] || b.dirtyTransfer["t"] {
		t.Errorf("dirty marks wrong: accounts %v, transfers %v", b.dirtyAccounts, b.dirtyTransfer)
	}
	if _, ok := b.assets["EUR"]; ok {
		t.Error("added asset kept")
	}
	if _, ok := b.accounts["new"]; ok || b.newAccounts["new"] {
		t.Error("added account kept")
	}
	if _, ok := b.transfers["t2"]; ok || b.newTransfers["t2"] {
		t.Error("added transfer kept")
	}
	c := b.changes
	if len(c.NewAssets)+len(c.NewAccounts)+len(c.NewTransfers)+len(c.Entries) != 0 {
		t.Errorf("changes kept: %+v", c)
	}
	if u := b.undo; len(u.accounts)+len(u.transfers)+len(u.added) != 0 {
		t.Errorf("undo log not emptied: %+v", u)
	}
}

// TestEntriesInTimeOrder: a batch whose clock reads earlier than the account's last entry
// (another writer's batch read the clock later but committed first) dates its entries at that
// entry's time, so an account's entries are in time order as in seq order.
func TestEntriesInTimeOrder(t *testing.T) {
	b := newTestBatch()
	later := b.now.Add(time.Millisecond)
	a := &coffer.Account{ID: "a", Seq: 4, UpdatedAt: later}
	b.accounts[a.ID] = a
	tr := &coffer.Transfer{ID: "t", Type: coffer.TypeDeposit}
	if err := b.move(a, tr, coffer.Credit, coffer.PhasePosted, coffer.AmountFromInt64(5)); err != nil {
		t.Fatal(err)
	}
	if e := b.changes.Entries[0]; !e.CreatedAt.Equal(later) || !a.UpdatedAt.Equal(later) {
		t.Fatalf("entry dated %s, account updated %s; want both %s", e.CreatedAt, a.UpdatedAt, later)
	}
	a.UpdatedAt = b.now.Add(-time.Hour)
	if err := b.move(a, tr, coffer.Credit, coffer.PhasePosted, coffer.AmountFromInt64(5)); err != nil {
		t.Fatal(err)
	}
	if e := b.changes.Entries[1]; !e.CreatedAt.Equal(b.now) {
		t.Fatalf("entry dated %s; want the batch's %s", e.CreatedAt, b.now)
	}
}
