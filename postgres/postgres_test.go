package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/postgres"
	"github.com/cofferhq/coffer/storetest"

	"github.com/jackc/pgx/v5"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) coffer.Store { return postgres.OpenTest(t) })
}

// setup returns a Store on a schema of its own and a context for the test.
func setup(t *testing.T) (*postgres.Store, context.Context) {
	t.Helper()
	t.Parallel()
	return postgres.OpenTest(t), t.Context()
}

// now is a time as the ledger writes it: UTC, whole microseconds.
var now = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)

func at(d time.Duration) time.Time { return now.Add(d) }

func ptr[T any](v T) *T { return &v }

func account(id string, credits int64) *coffer.Account {
	return &coffer.Account{
		ID: id, Owner: "u-" + id, Asset: "USD", Kind: coffer.KindWallet,
		CreditsPosted: coffer.AmountFromInt64(credits), CreatedAt: now, UpdatedAt: now,
	}
}

func transfer(id, debit, credit string, amount int64, created time.Time) *coffer.Transfer {
	return &coffer.Transfer{
		ID: id, DebitAccountID: debit, CreditAccountID: credit, Asset: "USD",
		Amount: coffer.AmountFromInt64(amount), Type: coffer.TypeTransfer, State: coffer.StatePosted,
		CreatedAt: created,
	}
}

func event(subject string) coffer.Event {
	return coffer.Event{Type: coffer.EventTransferCreated, Subject: subject,
		Data: json.RawMessage(`{"id":"` + subject + `", "note":"as written"}`), CreatedAt: now}
}

// save writes c in one transaction.
func save(t *testing.T, s coffer.Store, c *coffer.Changes) {
	t.Helper()
	if err := s.Write(t.Context(), func(tx coffer.WriteTx) error { return tx.Save(t.Context(), c) }); err != nil {
		t.Fatalf("save: %v", err)
	}
}

func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// TestSaveRoundTrip saves rows of every kind, with every field set somewhere, and reads them
// back: inserted in Save's batch, as a few rows are, copied, as many are, and both at once.
func TestSaveRoundTrip(t *testing.T) {
	t.Run("inserted", func(t *testing.T) { testSaveRoundTrip(t, 0) })
	t.Run("copied", func(t *testing.T) { testSaveRoundTrip(t, 1) })
	// Three entries and two of everything else.
	t.Run("entries copied, the rest inserted", func(t *testing.T) { testSaveRoundTrip(t, 3) })
}

// testSaveRoundTrip runs TestSaveRoundTrip; copyRowsMin, unless 0, is the store's.
func testSaveRoundTrip(t *testing.T, copyRowsMin int) {
	s, ctx := setup(t)
	if copyRowsMin > 0 {
		postgres.SetCopyRowsMin(s, copyRowsMin)
	}
	huge := coffer.MaxAmount
	asset := coffer.Asset{Code: "USD", Scale: 2, CreatedAt: now}
	world := &coffer.Account{
		ID: "system:world:USD", Owner: coffer.OwnerWorld, Asset: "USD", Kind: coffer.KindSystem,
		OverdraftUnlimited: true, DebitsPosted: huge, Seq: 2, CreatedAt: now, UpdatedAt: at(time.Second),
	}
	wallet := &coffer.Account{
		ID: "wallet:1:USD", Owner: "1", Asset: "USD", Kind: coffer.KindWallet,
		OverdraftLimit: coffer.AmountFromInt64(10000), LockedDebits: true, LockReason: "fraud review",
		DebitsPending: coffer.AmountFromInt64(1), CreditsPending: coffer.MustMinor("18446744073709551616"),
		CreditsPosted: huge, Seq: 1, CreatedAt: now, UpdatedAt: at(time.Second),
	}
	plain := transfer("t1", world.ID, wallet.ID, 0, now)
	plain.Amount = huge
	plain.Type = coffer.TypeDeposit
	plain.Reference = "order-7"
	plain.Metadata = map[string]string{"tx_hash": "0xabc", "note": "é \"quoted\""}
	hold := &coffer.Transfer{
		ID: "t2", DebitAccountID: wallet.ID, CreditAccountID: world.ID, Asset: "USD",
		Amount: coffer.AmountFromInt64(1), Type: coffer.TypeHold, State: coffer.StatePending, Pending: true,
		ExpiresAt: ptr(at(time.Hour)), Group: "g1", Metadata: map[string]string{}, CreatedAt: at(time.Second),
	}
	entries := []coffer.Entry{
		{AccountID: world.ID, Seq: 1, TransferID: "t1", Type: coffer.TypeDeposit, Phase: coffer.PhasePosted,
			Side: coffer.Debit, Amount: huge, BalanceBefore: coffer.Amount{}, BalanceAfter: huge.Neg(),
			AvailableBefore: coffer.Amount{}, AvailableAfter: huge.Neg(), CreatedAt: now},
		{AccountID: wallet.ID, Seq: 1, TransferID: "t1", Type: coffer.TypeDeposit, Phase: coffer.PhasePosted,
			Side: coffer.Credit, Amount: huge, BalanceAfter: huge, AvailableAfter: huge, CreatedAt: now},
		{AccountID: world.ID, Seq: 2, TransferID: "t2", Type: coffer.TypeHold, Phase: coffer.PhasePending,
			Side: coffer.Credit, Amount: coffer.AmountFromInt64(10000), BalanceBefore: huge.Neg(),
			BalanceAfter: huge.Neg(), AvailableBefore: coffer.MustMinor("-9999"),
			AvailableAfter: coffer.MustMinor("-10000"), CreatedAt: at(time.Second)},
	}
	ops := []coffer.Operation{
		{ID: "op1", Kind: "deposit", Fingerprint: "f1", Result: json.RawMessage(`{"transfer_id": "t1"}`), CreatedAt: now},
		{ID: "op2", Kind: "withdraw", Fingerprint: "f2", ErrCode: coffer.EINSUFFICIENTFUNDS,
			ErrMessage: "not enough", CreatedAt: now},
	}
	c := &coffer.Changes{
		NewAssets:    []coffer.Asset{asset},
		NewAccounts:  []*coffer.Account{world, wallet},
		NewTransfers: []*coffer.Transfer{plain, hold},
		Entries:      entries,
		Events:       []coffer.Event{event("t1"), event("t2")},
		Operations:   ops,
	}
	save(t, s, c)

	if c.Events[0].Seq != 1 || c.Events[1].Seq != 2 || c.Events[1].ID != "evt_2" {
		t.Errorf("Save numbered events %d %q, %d %q; want 1 evt_1, 2 evt_2",
			c.Events[0].Seq, c.Events[0].ID, c.Events[1].Seq, c.Events[1].ID)
	}
	gotAsset, err := s.Asset(ctx, "USD")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "asset", gotAsset, asset)
	for _, want := range []*coffer.Account{world, wallet} {
		got, err := s.Account(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "account", got, *want)
	}
	gotPlain, err := s.Transfer(ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "transfer t1", gotPlain, *plain)
	gotHold, err := s.Transfer(ctx, "t2")
	if err != nil {
		t.Fatal(err)
	}
	hold.Metadata = nil // an empty map is stored as NULL
	equal(t, "transfer t2", gotHold, *hold)

	gotEntries, err := s.Entries(ctx, coffer.EntryFilter{AccountID: world.ID})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "entries", gotEntries, []coffer.Entry{entries[0], entries[2]})
	gotEvents, err := s.Events(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "events", gotEvents, c.Events)

	err = s.Write(ctx, func(tx coffer.WriteTx) error {
		gotOps, err := tx.Operations(ctx, []string{"op1", "op2", "op3"})
		if err != nil {
			return err
		}
		equal(t, "operations", gotOps, map[string]*coffer.Operation{"op1": &ops[0], "op2": &ops[1]})
		assets, err := tx.Assets(ctx, []string{"USD", "EUR"})
		if err != nil {
			return err
		}
		equal(t, "assets", assets, map[string]coffer.Asset{"USD": asset})
		accounts, err := tx.LockAccounts(ctx, []string{wallet.ID, "wallet:none:USD", world.ID})
		if err != nil {
			return err
		}
		equal(t, "locked accounts", accounts, map[string]*coffer.Account{world.ID: world, wallet.ID: wallet})
		transfers, err := tx.Transfers(ctx, []string{"t2", "t9"})
		if err != nil {
			return err
		}
		equal(t, "transfers", transfers, map[string]*coffer.Transfer{"t2": hold})
		empty, err := tx.LockAccounts(ctx, nil)
		if err != nil || len(empty) != 0 {
			return fmt.Errorf("LockAccounts(nil) = %v, %v; want empty", empty, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSaveUpdates(t *testing.T) {
	s, ctx := setup(t)
	a, b := account("a", 100), account("b", 0)
	hold := transfer("h", "a", "b", 40, now)
	hold.State, hold.Pending, hold.ExpiresAt = coffer.StatePending, true, ptr(at(time.Minute))
	save(t, s, &coffer.Changes{NewAccounts: []*coffer.Account{a, b}, NewTransfers: []*coffer.Transfer{hold}})

	a.DebitsPosted, a.Seq, a.UpdatedAt = coffer.AmountFromInt64(30), 2, at(time.Second)
	a.LockedCredits, a.LockReason, a.OverdraftLimit = true, "closed", coffer.AmountFromInt64(5)
	b.CreditsPosted, b.Seq, b.UpdatedAt = coffer.AmountFromInt64(30), 2, at(time.Second)
	hold.State, hold.PostedAmount, hold.ResolvedAt = coffer.StatePosted, coffer.AmountFromInt64(30), ptr(at(time.Second))
	hold.Refunded = coffer.AmountFromInt64(7)
	save(t, s, &coffer.Changes{Accounts: []*coffer.Account{a, b}, Transfers: []*coffer.Transfer{hold}})

	for _, want := range []*coffer.Account{a, b} {
		got, err := s.Account(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "account", got, *want)
	}
	got, err := s.Transfer(ctx, "h")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "transfer", got, *hold)
	expired, err := s.ExpiredTransfers(ctx, at(time.Hour), 10)
	if err != nil || len(expired) != 0 {
		t.Errorf("ExpiredTransfers after posting = %v, %v; want none", expired, err)
	}

	// An update of a row that does not exist is a bug in the caller, not a race.
	err = s.Write(ctx, func(tx coffer.WriteTx) error {
		return tx.Save(ctx, &coffer.Changes{Accounts: []*coffer.Account{account("ghost", 0)}})
	})
	if err == nil || errors.Is(err, coffer.ErrRetry) {
		t.Errorf("updating a missing account: err = %v; want a non-retry error", err)
	}
}

// TestSaveUpdatesLockedAccounts updates accounts that LockAccounts locked, which Save finds by
// their row address, with one it did not lock, which it finds by id; then, in the same
// transaction, one of them again, whose address the first update changed.
func TestSaveUpdatesLockedAccounts(t *testing.T) {
	s, ctx := setup(t)
	save(t, s, &coffer.Changes{NewAccounts: []*coffer.Account{account("a", 0), account("b", 0), account("c", 0)}})
	var want []*coffer.Account
	err := s.Write(ctx, func(tx coffer.WriteTx) error {
		locked, err := tx.LockAccounts(ctx, []string{"a", "b", "missing"})
		if err != nil {
			return err
		}
		for i, a := range []*coffer.Account{locked["a"], locked["b"], account("c", 0)} {
			a.DebitsPosted, a.Seq, a.UpdatedAt = coffer.AmountFromInt64(int64(i+1)), 1, at(time.Second)
			want = append(want, a)
		}
		if err := tx.Save(ctx, &coffer.Changes{Accounts: want}); err != nil {
			return err
		}
		a := want[0]
		a.DebitsPosted, a.Seq = coffer.AmountFromInt64(10), 2
		return tx.Save(ctx, &coffer.Changes{Accounts: []*coffer.Account{a}})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		got, err := s.Account(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "account", got, *w)
	}
}

func TestAmountsExact(t *testing.T) {
	s, ctx := setup(t)
	values := []string{"0", "1", "9999", "10000", "100000000", "1000000000000000000",
		"9223372036854775807", "9223372036854775808", "18446744073709551616",
		"100000000000000000000000000000000000000", "170141183460469231731687303715884105727"}
	var entries []coffer.Entry
	for i, v := range values {
		a := coffer.MustMinor(v)
		entries = append(entries, coffer.Entry{AccountID: "x", Seq: uint64(i + 1), TransferID: "t",
			Amount: a, BalanceBefore: a.Neg(), BalanceAfter: a, AvailableBefore: a.Neg(), AvailableAfter: a,
			CreatedAt: now})
	}
	save(t, s, &coffer.Changes{Entries: entries})
	got, err := s.Entries(ctx, coffer.EntryFilter{AccountID: "x", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "entries", got, entries)
}

func TestSaveTakenIDRetries(t *testing.T) {
	tests := []struct {
		name  string
		first *coffer.Changes
		again func() *coffer.Changes
	}{
		{"account", &coffer.Changes{NewAccounts: []*coffer.Account{account("a", 0)}},
			func() *coffer.Changes { return &coffer.Changes{NewAccounts: []*coffer.Account{account("a", 5)}} }},
		{"transfer", &coffer.Changes{NewTransfers: []*coffer.Transfer{transfer("t", "a", "b", 1, now)}},
			func() *coffer.Changes {
				return &coffer.Changes{NewTransfers: []*coffer.Transfer{transfer("t", "a", "b", 2, now)}}
			}},
		{"entry", &coffer.Changes{Entries: []coffer.Entry{{AccountID: "a", Seq: 1, CreatedAt: now}}},
			func() *coffer.Changes {
				return &coffer.Changes{Entries: []coffer.Entry{{AccountID: "a", Seq: 1, CreatedAt: now}}}
			}},
		{"operation", &coffer.Changes{Operations: []coffer.Operation{{ID: "op", CreatedAt: now}}},
			func() *coffer.Changes {
				return &coffer.Changes{Operations: []coffer.Operation{{ID: "op", Kind: "x", CreatedAt: now}}}
			}},
		{"asset", &coffer.Changes{NewAssets: []coffer.Asset{{Code: "USD", Scale: 2, CreatedAt: now}}},
			func() *coffer.Changes {
				return &coffer.Changes{NewAssets: []coffer.Asset{{Code: "USD", Scale: 3, CreatedAt: now}}}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ctx := setup(t)
			save(t, s, tt.first)
			c := tt.again()
			// The taken id comes with other rows, which must be rolled back with it.
			c.NewTransfers = append(c.NewTransfers, transfer("other", "a", "b", 1, now))
			c.Events = []coffer.Event{event("other")}
			err := s.Write(ctx, func(tx coffer.WriteTx) error { return tx.Save(ctx, c) })
			if !errors.Is(err, coffer.ErrRetry) {
				t.Fatalf("Save with a taken %s id: err = %v; want ErrRetry", tt.name, err)
			}
			if _, err := s.Transfer(ctx, "other"); coffer.ErrorCode(err) != coffer.ENOTFOUND {
				t.Errorf("transfer of the failed Save: err = %v; want not found", err)
			}
			assertEvents(t, s, 0)
		})
	}
}

// assertEvents checks that the events are numbered 1 to n.
func assertEvents(t *testing.T, s coffer.Store, n int) {
	t.Helper()
	var all []coffer.Event
	for after := uint64(0); ; {
		page, err := s.Events(t.Context(), after, coffer.PageSizeMax)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
	if len(all) != n {
		t.Fatalf("%d events; want %d", len(all), n)
	}
	for i, e := range all {
		if e.Seq != uint64(i+1) || e.ID != coffer.EventID(e.Seq) {
			t.Fatalf("event %d has seq %d, id %q", i, e.Seq, e.ID)
		}
	}
}

func TestWriteRollsBack(t *testing.T) {
	s, ctx := setup(t)
	failure := errors.New("rule broken after saving")
	err := s.Write(ctx, func(tx coffer.WriteTx) error {
		if err := tx.Save(ctx, &coffer.Changes{
			NewAccounts:  []*coffer.Account{account("a", 1)},
			NewTransfers: []*coffer.Transfer{transfer("t", "a", "b", 1, now)},
			Events:       []coffer.Event{event("t")},
		}); err != nil {
			return err
		}
		return failure
	})
	if err != failure {
		t.Fatalf("Write = %v; want fn's error as it is", err)
	}
	if _, err := s.Account(ctx, "a"); coffer.ErrorCode(err) != coffer.ENOTFOUND {
		t.Errorf("account after rollback: err = %v; want not found", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Write swallowed a panic")
			}
		}()
		s.Write(ctx, func(tx coffer.WriteTx) error {
			if err := tx.Save(ctx, &coffer.Changes{Events: []coffer.Event{event("p")}}); err != nil {
				return err
			}
			panic("bug")
		})
	}()
	// The sequence number taken by the rolled back transactions is free again.
	save(t, s, &coffer.Changes{Events: []coffer.Event{event("e")}})
	assertEvents(t, s, 1)
}

func TestNotFound(t *testing.T) {
	s, ctx := setup(t)
	checks := map[string]func() error{
		"asset":    func() error { _, err := s.Asset(ctx, "USD"); return err },
		"account":  func() error { _, err := s.Account(ctx, "a"); return err },
		"transfer": func() error { _, err := s.Transfer(ctx, "t"); return err },
		"key":      func() error { _, err := s.KeyByHash(ctx, "h"); return err },
		"revoke":   func() error { return s.RevokeKey(ctx, "k", now) },
	}
	for name, check := range checks {
		if err := check(); coffer.ErrorCode(err) != coffer.ENOTFOUND {
			t.Errorf("%s: err = %v; want %s", name, err, coffer.ENOTFOUND)
		}
	}
}

// TestEventsGaplessUnderConcurrency has writers on several connections save events at once while
// a reader follows the log: the reader must never see an event before one with a lower number, or
// a consumer that remembers its position would skip it.
func TestEventsGaplessUnderConcurrency(t *testing.T) {
	s, ctx := setup(t)
	const writers, writes = 8, 25
	total := 0
	counts := make([][]int, writers)
	for w := range counts {
		for range writes {
			n := 1 + rand.IntN(5)
			counts[w] = append(counts[w], n)
			total += n
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers+1)
	for w := range writers {
		wg.Go(func() {
			for i, n := range counts[w] {
				c := &coffer.Changes{NewTransfers: []*coffer.Transfer{transfer(fmt.Sprintf("t%d-%d", w, i), "a", "b", 1, now)}}
				for range n {
					c.Events = append(c.Events, event(fmt.Sprintf("t%d-%d", w, i)))
				}
				if err := s.Write(ctx, func(tx coffer.WriteTx) error { return tx.Save(ctx, c) }); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Go(func() {
		var next uint64 = 1
		for next <= uint64(total) {
			page, err := s.Events(ctx, next-1, 100)
			if err != nil {
				errs <- err
				return
			}
			for _, e := range page {
				if e.Seq != next {
					errs <- fmt.Errorf("reader saw event %d while expecting %d", e.Seq, next)
					return
				}
				next++
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	assertEvents(t, s, total)
}

// TestLockAccountsSerializesWriters has many writers each add 1 to the same two accounts, locking
// them in random order of the request: no update may be lost and no writer may deadlock.
func TestLockAccountsSerializesWriters(t *testing.T) {
	s, ctx := setup(t)
	save(t, s, &coffer.Changes{NewAccounts: []*coffer.Account{account("a", 0), account("b", 0)}})
	const writers = 40
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			ids := []string{"a", "b"}
			if i%2 == 1 {
				ids = []string{"b", "a"}
			}
			err := s.Write(ctx, func(tx coffer.WriteTx) error {
				m, err := tx.LockAccounts(ctx, ids)
				if err != nil {
					return err
				}
				var c coffer.Changes
				for _, id := range ids {
					a := m[id]
					a.DebitsPosted, _ = a.DebitsPosted.Add(coffer.AmountFromInt64(1))
					a.Seq++
					c.Accounts = append(c.Accounts, a)
				}
				return tx.Save(ctx, &c)
			})
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b"} {
		a, err := s.Account(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := a.DebitsPosted.Int64(); got != writers || a.Seq != writers {
			t.Errorf("account %s: DebitsPosted %s, Seq %d; want %d each", id, a.DebitsPosted, a.Seq, writers)
		}
	}
}

// TestConcurrentInsertRetries has two writers create the same account: the one that commits
// second must get ErrRetry, and see the first one's row when it runs again.
func TestConcurrentInsertRetries(t *testing.T) {
	s, ctx := setup(t)
	locked := make(chan struct{})
	release := make(chan struct{})
	var first error
	var wg sync.WaitGroup
	wg.Go(func() {
		first = s.Write(ctx, func(tx coffer.WriteTx) error {
			if err := tx.Save(ctx, &coffer.Changes{NewAccounts: []*coffer.Account{account("a", 1)}}); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	})
	<-locked
	second := make(chan error, 1)
	go func() {
		second <- s.Write(ctx, func(tx coffer.WriteTx) error {
			return tx.Save(ctx, &coffer.Changes{NewAccounts: []*coffer.Account{account("a", 2)}})
		})
	}()
	close(release)
	wg.Wait()
	if first != nil {
		t.Fatal(first)
	}
	if err := <-second; !errors.Is(err, coffer.ErrRetry) {
		t.Fatalf("second insert: err = %v; want ErrRetry", err)
	}
	a, err := s.Account(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := a.CreditsPosted.Int64(); got != 1 {
		t.Errorf("CreditsPosted = %d; want the first writer's 1", got)
	}
}

// TestMigrateConcurrently starts several processes' migrations on one empty schema at once; then
// migrating again changes nothing.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	u := postgres.EmptyTestSchema(t)
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() { errs <- postgres.Migrate(ctx, u) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s, err := postgres.Open(ctx, u, postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrating a migrated schema: %v", err)
	}

	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var tables, versions int
	err = conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()`).Scan(&tables)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	files, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	// Every table the migrations create, and schema_migrations.
	want := 1
	for _, f := range files {
		body, err := os.ReadFile(filepath.Join("migrations", f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		want += strings.Count(string(body), "CREATE TABLE ")
	}
	if tables != want || versions != len(files) {
		t.Errorf("%d tables and %d versions in the schema; want %d and %d, each migration once", tables, versions, want, len(files))
	}
}
