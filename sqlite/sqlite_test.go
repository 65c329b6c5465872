package sqlite_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/sqlite"
	"github.com/cofferhq/coffer/storetest"
)

// open returns a new store on a file of its own.
func open(tb testing.TB) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "coffer.db"))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) coffer.Store { return open(t) })
}

// TestOpen opens a file in folders that do not exist yet, under a name that needs escaping in a
// URI, and opens and migrates it again.
func TestOpen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "a b", "c?d#e%f", "coffer.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the file is not where it was asked for: %v", err)
	}
	save := func(s *sqlite.Store, c *coffer.Changes) {
		t.Helper()
		if err := s.Write(ctx, func(tx coffer.WriteTx) error { return tx.Save(ctx, c) }); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	save(s, &coffer.Changes{NewAssets: []coffer.Asset{{Code: "USD", Scale: 2, CreatedAt: time.UnixMicro(0).UTC()}}})
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open again: %v", err)
	}
	defer s.Close()
	if _, err := s.Asset(ctx, "USD"); err != nil {
		t.Fatalf("Asset after reopening: %v", err)
	}
	c := &coffer.Changes{Events: []coffer.Event{{Type: "t", Subject: "s", Data: []byte(`{}`)}}}
	save(s, c)
	if c.Events[0].Seq != 1 {
		t.Errorf("first event after reopening has seq %d, want 1", c.Events[0].Seq)
	}
}

// TestSaveErrorStopsCommit ignores an error of Save and expects Write to roll back anyway.
func TestSaveErrorStopsCommit(t *testing.T) {
	ctx := t.Context()
	s := open(t)
	usd := coffer.Asset{Code: "USD", Scale: 2, CreatedAt: time.UnixMicro(0).UTC()}
	if err := s.Write(ctx, func(tx coffer.WriteTx) error {
		return tx.Save(ctx, &coffer.Changes{NewAssets: []coffer.Asset{usd}})
	}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	err := s.Write(ctx, func(tx coffer.WriteTx) error {
		_ = tx.Save(ctx, &coffer.Changes{
			NewAssets:   []coffer.Asset{{Code: "EUR", Scale: 2}, usd},
			Operations:  []coffer.Operation{{ID: "op"}},
			NewAccounts: []*coffer.Account{{ID: "a"}},
		})
		return nil
	})
	if !errors.Is(err, coffer.ErrRetry) {
		t.Fatalf("Write returned %v, want Save's error", err)
	}
	if _, err := s.Asset(ctx, "EUR"); coffer.ErrorCode(err) != coffer.ENOTFOUND {
		t.Errorf("the asset saved before the failure was committed: %v", err)
	}
}

// TestUpdateMany updates more rows than the largest multi-row UPDATE takes, so that every size
// of statement runs, and expects each row to hold its own values; an update of a row that does
// not exist fails the write.
func TestUpdateMany(t *testing.T) {
	ctx := t.Context()
	s := open(t)
	const n = 64 + 64 + 8 + 3
	var as []*coffer.Account
	var ts []*coffer.Transfer
	for i := range n {
		a := &coffer.Account{ID: "a" + strconv.Itoa(i), Owner: "o", Asset: "USD", Kind: coffer.KindWallet}
		as = append(as, a)
		ts = append(ts, &coffer.Transfer{ID: "t" + strconv.Itoa(i), DebitAccountID: a.ID, CreditAccountID: a.ID,
			Asset: "USD", Amount: coffer.AmountFromInt64(100), Type: coffer.TypeHold, State: coffer.StatePending, Pending: true})
	}
	write := func(c *coffer.Changes) error {
		return s.Write(ctx, func(tx coffer.WriteTx) error { return tx.Save(ctx, c) })
	}
	if err := write(&coffer.Changes{NewAccounts: as, NewTransfers: ts}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	resolved := time.UnixMicro(1_000_000).UTC()
	for i := range n {
		as[i].CreditsPosted = coffer.AmountFromInt64(int64(i))
		as[i].Seq = uint64(i)
		as[i].LockReason = "r" + strconv.Itoa(i)
		ts[i].State, ts[i].PostedAmount, ts[i].ResolvedAt = coffer.StatePosted, coffer.AmountFromInt64(int64(i)), &resolved
	}
	if err := write(&coffer.Changes{Accounts: as, Transfers: ts}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	for i := range n {
		a, err := s.Account(ctx, as[i].ID)
		if err != nil {
			t.Fatalf("Account: %v", err)
		}
		if a.CreditsPosted != as[i].CreditsPosted || a.Seq != as[i].Seq || a.LockReason != as[i].LockReason {
			t.Errorf("account %s: credits %s, seq %d, reason %q; want %s, %d, %q", a.ID, a.CreditsPosted, a.Seq,
				a.LockReason, as[i].CreditsPosted, as[i].Seq, as[i].LockReason)
		}
		tr, err := s.Transfer(ctx, ts[i].ID)
		if err != nil {
			t.Fatalf("Transfer: %v", err)
		}
		if tr.State != coffer.StatePosted || tr.PostedAmount != ts[i].PostedAmount || tr.ResolvedAt == nil {
			t.Errorf("transfer %s: %s, posted %s, resolved %v", tr.ID, tr.State, tr.PostedAmount, tr.ResolvedAt)
		}
	}

	for _, size := range []int{1, 8, 64} {
		missing := append([]*coffer.Account{}, as[:size-1]...)
		missing = append(missing, &coffer.Account{ID: "missing"})
		err := write(&coffer.Changes{Accounts: missing})
		if err == nil || errors.Is(err, coffer.ErrRetry) {
			t.Errorf("update of %d accounts, one missing: %v, want an error other than ErrRetry", size, err)
		}
	}
}

// TestOddIDs reads rows back by ids that need escaping in JSON or are not UTF-8.
func TestOddIDs(t *testing.T) {
	ctx := t.Context()
	s := open(t)
	ids := []string{`quote"`, `back\slash`, "nul\x00byte", "line\nbreak\t", "not utf-8 \xff\xfe", "ünïcödé", "\u2028", "plain"}
	var as []*coffer.Account
	var ops []coffer.Operation
	for _, id := range ids {
		as = append(as, &coffer.Account{ID: id, Owner: "o", Asset: "USD", Kind: coffer.KindWallet})
		ops = append(ops, coffer.Operation{ID: id, Kind: "k"})
	}
	if err := s.Write(ctx, func(tx coffer.WriteTx) error {
		return tx.Save(ctx, &coffer.Changes{NewAccounts: as, Operations: ops})
	}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	err := s.Write(ctx, func(tx coffer.WriteTx) error {
		asked := append([]string{"nul", "not utf-8 ", "quote"}, ids...)
		got, err := tx.LockAccounts(ctx, asked)
		if err != nil {
			return err
		}
		gotOps, err := tx.Operations(ctx, asked)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if a := got[id]; a == nil || a.ID != id {
				t.Errorf("LockAccounts did not return %q", id)
			}
			if o := gotOps[id]; o == nil || o.ID != id {
				t.Errorf("Operations did not return %q", id)
			}
		}
		if len(got) != len(ids) || len(gotOps) != len(ids) {
			t.Errorf("%d accounts and %d operations, want %d", len(got), len(gotOps), len(ids))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
}

// TestTwoStoresOneFile writes through two Stores on one file, as two processes would, and
// expects no update lost.
func TestTwoStoresOneFile(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "coffer.db")
	var stores [2]*sqlite.Store
	for i := range stores {
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	acct := &coffer.Account{ID: "a", Owner: "o", Asset: "USD", Kind: coffer.KindWallet}
	if err := stores[0].Write(ctx, func(tx coffer.WriteTx) error {
		return tx.Save(ctx, &coffer.Changes{NewAccounts: []*coffer.Account{acct}})
	}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	const writes = 50
	var wg sync.WaitGroup
	for _, s := range stores {
		wg.Go(func() {
			for range writes {
				err := s.Write(ctx, func(tx coffer.WriteTx) error {
					m, err := tx.LockAccounts(ctx, []string{"a"})
					if err != nil {
						return err
					}
					a := m["a"]
					a.CreditsPosted, _ = a.CreditsPosted.Add(coffer.AmountFromInt64(1))
					return tx.Save(ctx, &coffer.Changes{
						Accounts: []*coffer.Account{a},
						Events:   []coffer.Event{{Type: "t", Subject: "a", Data: []byte(`{}`)}},
					})
				})
				if err != nil {
					t.Errorf("Write: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	a, err := stores[1].Account(ctx, "a")
	if err != nil {
		t.Fatalf("Account: %v", err)
	}
	if want := coffer.AmountFromInt64(2 * writes); a.CreditsPosted != want {
		t.Errorf("credits %s after %s writes", a.CreditsPosted, want)
	}
	evs, err := stores[0].Events(ctx, 0, coffer.PageSizeMax)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	for i, e := range evs {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i+1, e.Seq)
		}
	}
	if len(evs) != 2*writes {
		t.Errorf("%d events, want %d", len(evs), 2*writes)
	}
}

// TestKill9 kills a process that is writing, with SIGKILL, and expects every write it had
// acknowledged to be there when the file is opened again.
func TestKill9(t *testing.T) {
	const env = "COFFER_SQLITE_KILL9_FILE"
	if path := os.Getenv(env); path != "" {
		writeUntilKilled(t, path)
		return
	}
	if testing.Short() {
		t.Skip("starts a process")
	}
	path := filepath.Join(t.TempDir(), "coffer.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9$", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	const acksMin = 30
	acked := 0
	lines := bufio.NewScanner(out)
	for acked < acksMin && lines.Scan() {
		if n, err := strconv.Atoi(strings.TrimPrefix(lines.Text(), "acked ")); err == nil {
			acked = n
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	t.Logf("killed after %d acknowledged writes", acked)
	if acked < acksMin {
		t.Fatalf("the writer acknowledged %d writes before it stopped, want %d", acked, acksMin)
	}

	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open after kill: %v", err)
	}
	defer s.Close()
	for i := 1; i <= acked; i++ {
		if _, err := s.Transfer(t.Context(), "t"+strconv.Itoa(i)); err != nil {
			t.Fatalf("acknowledged write %d is gone: %v", i, err)
		}
	}
	evs, err := s.Events(t.Context(), 0, coffer.PageSizeMax)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if len(evs) < acked {
		t.Errorf("%d events after %d acknowledged writes", len(evs), acked)
	}
	for i, e := range evs {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i+1, e.Seq)
		}
	}
}

// writeUntilKilled writes a transfer and an event at a time and prints "acked n" after each
// commit, until it is killed.
func writeUntilKilled(t *testing.T, path string) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; ; i++ {
		id := "t" + strconv.Itoa(i)
		err := s.Write(ctx, func(tx coffer.WriteTx) error {
			return tx.Save(ctx, &coffer.Changes{
				NewTransfers: []*coffer.Transfer{{ID: id, DebitAccountID: "a", CreditAccountID: "b", Asset: "USD",
					Amount: coffer.AmountFromInt64(1), Type: coffer.TypeTransfer, State: coffer.StatePosted}},
				Events: []coffer.Event{{Type: coffer.EventTransferCreated, Subject: id, Data: []byte(`{}`)}},
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("acked %d\n", i)
	}
}

// BenchmarkSave1000 saves batches shaped like a thousand transfers between 200 accounts: per
// transfer a transfer row, two entries, an event and an operation, and 200 account updates per
// batch.
func BenchmarkSave1000(b *testing.B) {
	const transfers, accounts = 1000, 200
	ctx := context.Background()
	s := open(b)
	now := time.Now().UTC().Truncate(time.Microsecond)
	var as []*coffer.Account
	for i := range accounts {
		as = append(as, &coffer.Account{
			ID: coffer.AccountID(coffer.KindWallet, "user"+strconv.Itoa(i), "USD"), Owner: "user" + strconv.Itoa(i),
			Asset: "USD", Kind: coffer.KindWallet, CreatedAt: now, UpdatedAt: now,
		})
	}
	err := s.Write(ctx, func(tx coffer.WriteTx) error {
		return tx.Save(ctx, &coffer.Changes{
			NewAssets:   []coffer.Asset{{Code: "USD", Scale: 2, CreatedAt: now}},
			NewAccounts: as,
		})
	})
	if err != nil {
		b.Fatalf("Write: %v", err)
	}
	data := []byte(`{"id":"transfer-000000000","debit_account_id":"wallet:user1:USD","credit_account_id":"wallet:user2:USD","asset":"USD","amount":"1250","type":"transfer","state":"posted","posted_amount":"0","refunded":"0","created_at":"2025-03-14T15:09:26.535897Z"}`)
	result := []byte(`{"transfers":[` + string(data) + `]}`)
	one := coffer.AmountFromInt64(1250)

	batch := func(n int) *coffer.Changes {
		c := &coffer.Changes{
			NewTransfers: make([]*coffer.Transfer, 0, transfers),
			Entries:      make([]coffer.Entry, 0, 2*transfers),
			Events:       make([]coffer.Event, 0, transfers),
			Operations:   make([]coffer.Operation, 0, transfers),
			Accounts:     as,
		}
		for i := range transfers {
			id := fmt.Sprintf("transfer-%04d-%04d", n, i)
			debit, credit := as[i%accounts], as[(i+1)%accounts]
			t := &coffer.Transfer{
				ID: id, DebitAccountID: debit.ID, CreditAccountID: credit.ID, Asset: "USD",
				Amount: one, Type: coffer.TypeTransfer, State: coffer.StatePosted, CreatedAt: now,
			}
			if i%4 == 0 {
				t.Reference = "order-" + id
				t.Metadata = map[string]string{"order_id": id}
			}
			c.NewTransfers = append(c.NewTransfers, t)
			for _, side := range []struct {
				a    *coffer.Account
				side coffer.Side
			}{{debit, coffer.Debit}, {credit, coffer.Credit}} {
				side.a.Seq++
				c.Entries = append(c.Entries, coffer.Entry{
					AccountID: side.a.ID, Seq: side.a.Seq, TransferID: id, Type: coffer.TypeTransfer,
					Phase: coffer.PhasePosted, Side: side.side, Amount: one,
					BalanceBefore: one, BalanceAfter: one, AvailableBefore: one, AvailableAfter: one,
					CreatedAt: now,
				})
			}
			debit.DebitsPosted, _ = debit.DebitsPosted.Add(one)
			credit.CreditsPosted, _ = credit.CreditsPosted.Add(one)
			c.Events = append(c.Events, coffer.Event{Type: coffer.EventTransferCreated, Subject: id, Data: data, CreatedAt: now})
			c.Operations = append(c.Operations, coffer.Operation{ID: id, Kind: "transfer", Fingerprint: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Result: result, CreatedAt: now})
		}
		return c
	}

	n := 0
	for b.Loop() {
		b.StopTimer()
		c := batch(n)
		b.StartTimer()
		if err := s.Write(ctx, func(tx coffer.WriteTx) error { return tx.Save(ctx, c) }); err != nil {
			b.Fatalf("Write: %v", err)
		}
		n++
	}
	b.ReportMetric(float64(n*transfers)/b.Elapsed().Seconds(), "transfers/s")
}

// TestAccountCacheRollback changes an account in writes that roll back, after Save and before
// it, and expects the next write to lock the account as last committed, not as changed.
func TestAccountCacheRollback(t *testing.T) {
	ctx := t.Context()
	s := open(t)
	acct := &coffer.Account{ID: "a", Owner: "o", Asset: "USD", Kind: coffer.KindWallet}
	if err := s.Write(ctx, func(tx coffer.WriteTx) error {
		return tx.Save(ctx, &coffer.Changes{NewAccounts: []*coffer.Account{acct}})
	}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	credit := func(save bool, fail error) error {
		return s.Write(ctx, func(tx coffer.WriteTx) error {
			m, err := tx.LockAccounts(ctx, []string{"a"})
			if err != nil {
				return err
			}
			a := m["a"]
			a.CreditsPosted, _ = a.CreditsPosted.Add(coffer.AmountFromInt64(1))
			a.Seq++
			if save {
				if err := tx.Save(ctx, &coffer.Changes{Accounts: []*coffer.Account{a}}); err != nil {
					return err
				}
			}
			return fail
		})
	}
	boom := errors.New("boom")
	for _, save := range []bool{false, true, false, true} {
		if err := credit(save, boom); !errors.Is(err, boom) {
			t.Fatalf("rolled-back write (save %v): %v", save, err)
		}
	}
	if err := credit(true, nil); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := credit(true, nil); err != nil {
		t.Fatalf("Write: %v", err)
	}
	a, err := s.Account(ctx, "a")
	if err != nil {
		t.Fatalf("Account: %v", err)
	}
	if want := coffer.AmountFromInt64(2); a.CreditsPosted != want || a.Seq != 2 {
		t.Errorf("credits %s, seq %d after two committed writes and four rolled back; want %s, 2",
			a.CreditsPosted, a.Seq, want)
	}
}
