package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/cofferhq/coffer"
)

// testWriteTxReads reads more ids than fit one statement in some databases, with unknown and
// repeated ids among them.
func testWriteTxReads(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	const n = 1234
	ids := setup(t, s, "alice", "bob")
	c := &coffer.Changes{}
	var accountIDs, transferIDs, opIDs []string
	for i := range n {
		a := wallet(fmt.Sprintf("u%05d", i))
		a.Seq = uint64(i)
		tr := transfer(fmt.Sprintf("t%05d", i), ids[0], ids[1], int64(i+1), i)
		op := coffer.Operation{ID: fmt.Sprintf("op%05d", i), Kind: "transfer", Fingerprint: "f", Result: []byte(`{}`), CreatedAt: t0}
		c.NewAccounts, c.NewTransfers, c.Operations = append(c.NewAccounts, a), append(c.NewTransfers, tr), append(c.Operations, op)
		accountIDs, transferIDs, opIDs = append(accountIDs, a.ID), append(transferIDs, tr.ID), append(opIDs, op.ID)
	}
	save(t, s, c)
	with := func(ids []string) []string {
		return append([]string{"missing-1", ids[0], ids[len(ids)-1]}, append(ids, "missing-2")...)
	}

	err := s.Write(ctx, func(tx coffer.WriteTx) error {
		as, err := tx.LockAccounts(ctx, with(accountIDs))
		if err != nil {
			return err
		}
		if len(as) != n {
			t.Errorf("LockAccounts: %d accounts, want %d", len(as), n)
		}
		for _, a := range c.NewAccounts {
			same(t, "LockAccounts["+a.ID+"]", as[a.ID], a)
		}
		ts, err := tx.Transfers(ctx, with(transferIDs))
		if err != nil {
			return err
		}
		if len(ts) != n {
			t.Errorf("Transfers: %d transfers, want %d", len(ts), n)
		}
		for _, tr := range c.NewTransfers {
			same(t, "Transfers["+tr.ID+"]", ts[tr.ID], tr)
		}
		ops, err := tx.Operations(ctx, with(opIDs))
		if err != nil {
			return err
		}
		if len(ops) != n {
			t.Errorf("Operations: %d operations, want %d", len(ops), n)
		}
		for _, op := range c.Operations {
			same(t, "Operations["+op.ID+"]", ops[op.ID], &op)
		}
		none, err := tx.LockAccounts(ctx, []string{"missing-1"})
		if err != nil {
			return err
		}
		if len(none) != 0 {
			t.Errorf("LockAccounts(missing) = %v, want none", none)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
}

// everything returns changes with one of each kind of row, all new, named after tag.
func everything(tag string, accountIDs []string) *coffer.Changes {
	tr := transfer("t-"+tag, accountIDs[0], accountIDs[1], 5, 0)
	return &coffer.Changes{
		NewAssets:    []coffer.Asset{{Code: "A" + tag, Scale: 2, CreatedAt: t0}},
		NewAccounts:  []*coffer.Account{wallet("new-" + tag)},
		NewTransfers: []*coffer.Transfer{tr},
		Entries:      []coffer.Entry{entry(walletID("new-"+tag), 1, tr.ID, 5, 0)},
		Operations:   []coffer.Operation{{ID: "op-" + tag, Kind: "transfer", Fingerprint: "f", Result: []byte(`{}`), CreatedAt: t0}},
		Events:       []coffer.Event{event(tr.ID, 0), event(tr.ID, 0)},
	}
}

// wantNothingOf checks that nothing of everything(tag) was saved.
func wantNothingOf(t *testing.T, s coffer.Store, tag string) {
	t.Helper()
	ctx := t.Context()
	_, err := s.Asset(ctx, "A"+tag)
	wantCode(t, "Asset after rollback", err, coffer.ENOTFOUND)
	_, err = s.Account(ctx, walletID("new-"+tag))
	wantCode(t, "Account after rollback", err, coffer.ENOTFOUND)
	_, err = s.Transfer(ctx, "t-"+tag)
	wantCode(t, "Transfer after rollback", err, coffer.ENOTFOUND)
	es, err := s.Entries(ctx, coffer.EntryFilter{AccountID: walletID("new-" + tag)})
	if err != nil || len(es) != 0 {
		t.Errorf("Entries after rollback: %d entries, error %v; want none", len(es), err)
	}
	err = s.Write(ctx, func(tx coffer.WriteTx) error {
		ops, err := tx.Operations(ctx, []string{"op-" + tag})
		if err == nil && len(ops) != 0 {
			t.Errorf("operation op-%s saved by a rolled back write", tag)
		}
		return err
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
}

// wantNextEvent saves one event and checks that it gets seq next.
func wantNextEvent(t *testing.T, s coffer.Store, next uint64) {
	t.Helper()
	c := &coffer.Changes{Events: []coffer.Event{event("probe", 0)}}
	save(t, s, c)
	if c.Events[0].Seq != next {
		t.Errorf("next event got seq %d, want %d: a rolled back write consumed numbers", c.Events[0].Seq, next)
	}
	evs, err := s.Events(t.Context(), 0, coffer.PageSizeMax)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if len(evs) != int(next) || evs[len(evs)-1].Seq != next {
		t.Errorf("Events lists %d events, want %d", len(evs), next)
	}
}

// testRollback makes fn fail after Save and expects the error back and nothing saved.
func testRollback(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	ids := setup(t, s, "alice", "bob")
	save(t, s, &coffer.Changes{Events: []coffer.Event{event("first", 0)}})

	err := s.Write(ctx, func(tx coffer.WriteTx) error {
		if err := tx.Save(ctx, everything("x", ids)); err != nil {
			return err
		}
		return fmt.Errorf("the caller changed its mind: %w", errTest)
	})
	if !errors.Is(err, errTest) {
		t.Fatalf("Write returned %v, want fn's error", err)
	}
	wantNothingOf(t, s, "x")
	wantNextEvent(t, s, 2)

	// The store is still fine to write.
	save(t, s, everything("y", ids))
	if _, err := s.Transfer(ctx, "t-y"); err != nil {
		t.Fatalf("Transfer after a later write: %v", err)
	}
}

// testTakenIDs inserts rows whose ids exist and expects coffer.ErrRetry and nothing saved, not
// even the other rows of the same Save.
func testTakenIDs(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	ids := setup(t, s, "alice", "bob")
	existing := everything("old", ids)
	save(t, s, existing)
	events := uint64(len(existing.Events))
	tests := []struct {
		name string
		take func(c *coffer.Changes)
	}{
		{"asset", func(c *coffer.Changes) { c.NewAssets = append(c.NewAssets, existing.NewAssets[0]) }},
		{"account", func(c *coffer.Changes) { c.NewAccounts = append(c.NewAccounts, wallet("alice")) }},
		{"transfer", func(c *coffer.Changes) { c.NewTransfers = append(c.NewTransfers, existing.NewTransfers[0]) }},
		{"operation", func(c *coffer.Changes) { c.Operations = append(c.Operations, existing.Operations[0]) }},
		{"entry", func(c *coffer.Changes) { c.Entries = append(c.Entries, existing.Entries[0]) }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tag := fmt.Sprint(i)
			c := everything(tag, ids)
			tt.take(c)
			err := write(t, s, c)
			if !errors.Is(err, coffer.ErrRetry) {
				t.Fatalf("Write with a taken %s id returned %v, want an error wrapping ErrRetry", tt.name, err)
			}
			wantNothingOf(t, s, tag)
			events++
			wantNextEvent(t, s, events)
		})
	}
	// What was there is unchanged.
	a, err := s.Account(ctx, ids[0])
	if err != nil {
		t.Fatalf("Account: %v", err)
	}
	same(t, "existing account", a, *wallet("alice"))
}

// testConcurrentWrites runs writers that each add 1 to the same two accounts, and expects no
// update lost and events numbered without gaps. Half of the writers name the accounts in the
// other order, which must not deadlock.
func testConcurrentWrites(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	const writers, writes, attemptsMax = 8, 20, 1000
	ids := setup(t, s, "alice", "bob")
	one := amount(1)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			order := []string{ids[0], ids[1]}
			if w%2 == 1 {
				order = []string{ids[1], ids[0]}
			}
			for range writes {
				for attempt := 0; ; attempt++ {
					err := s.Write(ctx, func(tx coffer.WriteTx) error {
						m, err := tx.LockAccounts(ctx, order)
						if err != nil {
							return err
						}
						a, b := m[ids[0]], m[ids[1]]
						if a == nil || b == nil {
							return fmt.Errorf("LockAccounts returned %d of 2 accounts", len(m))
						}
						a.DebitsPosted, _ = a.DebitsPosted.Add(one)
						b.CreditsPosted, _ = b.CreditsPosted.Add(one)
						a.Seq++
						b.Seq++
						return tx.Save(ctx, &coffer.Changes{
							Accounts: []*coffer.Account{a, b},
							Events:   []coffer.Event{event(a.ID, 0)},
						})
					})
					if err == nil {
						break
					}
					if !errors.Is(err, coffer.ErrRetry) || attempt >= attemptsMax {
						t.Errorf("writer %d: %v", w, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()

	const total = writers * writes
	a, err := s.Account(ctx, ids[0])
	if err != nil {
		t.Fatalf("Account: %v", err)
	}
	b, err := s.Account(ctx, ids[1])
	if err != nil {
		t.Fatalf("Account: %v", err)
	}
	if a.DebitsPosted != amount(total) || b.CreditsPosted != amount(total) || a.Seq != total || b.Seq != total {
		t.Errorf("after %d writes: debits %s, credits %s, seqs %d and %d; want %d each",
			total, a.DebitsPosted, b.CreditsPosted, a.Seq, b.Seq, total)
	}
	evs, err := s.Events(ctx, 0, coffer.PageSizeMax)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if len(evs) != total {
		t.Errorf("%d events, want %d", len(evs), total)
	}
	for i, e := range evs {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d: a gap", i+1, e.Seq)
		}
	}
}
