package sqlite

import (
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/cofferhq/coffer"
)

// openInternal returns a new store on a file of its own, closed when the test ends.
func openInternal(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "coffer.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// TestPragmas checks the settings that durability and concurrency rest on.
func TestPragmas(t *testing.T) {
	s := openInternal(t)
	for _, tt := range []struct {
		pragma, write, read string
	}{
		{"journal_mode", "wal", "wal"},
		{"synchronous", "2", ""}, // FULL
		{"busy_timeout", "5000", "5000"},
		{"temp_store", "2", "2"}, // MEMORY
		{"wal_autocheckpoint", "10000", ""},
		{"journal_size_limit", "-1", ""}, // never truncate the WAL: see walCheckpointPages
		{"query_only", "0", "1"},
	} {
		var got string
		if err := s.write.QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
		}
		if got != tt.write {
			t.Errorf("write connection: %s = %s, want %s", tt.pragma, got, tt.write)
		}
		if tt.read == "" {
			continue
		}
		if err := s.read.QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
		}
		if got != tt.read {
			t.Errorf("read connection: %s = %s, want %s", tt.pragma, got, tt.read)
		}
	}
}

// TestAmountsStoredAsText checks that amounts, bound as integers where they fit, are stored as
// the text Amount.String writes, by INSERT and by every size of multi-row UPDATE.
func TestAmountsStoredAsText(t *testing.T) {
	ctx := t.Context()
	s := openInternal(t)
	values := []coffer.Amount{
		coffer.AmountFromInt64(0), coffer.AmountFromInt64(-5), coffer.AmountFromInt64(1250),
		coffer.AmountFromInt64(math.MaxInt64), coffer.AmountFromInt64(math.MinInt64),
		coffer.MustMinor("18446744073709551616"), coffer.MustMinor("-18446744073709551616"), coffer.MaxAmount,
	}
	var as []*coffer.Account
	for i := range 64 + 8 + 1 {
		v := values[i%len(values)]
		as = append(as, &coffer.Account{ID: fmt.Sprintf("a%02d", i), OverdraftLimit: v, DebitsPosted: v})
	}
	write := func(c *coffer.Changes) {
		t.Helper()
		if err := s.Write(ctx, func(tx coffer.WriteTx) error { return tx.Save(ctx, c) }); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	write(&coffer.Changes{NewAccounts: as})
	for i, a := range as {
		a.CreditsPosted = values[(i+1)%len(values)]
	}
	write(&coffer.Changes{Accounts: as})
	rows, err := s.read.QueryContext(ctx, `SELECT id, typeof(overdraft_limit), overdraft_limit,
		typeof(debits_posted), debits_posted, typeof(credits_posted), credits_posted FROM accounts ORDER BY id`)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	defer rows.Close()
	i := 0
	for ; rows.Next(); i++ {
		var id, t1, limit, t2, debits, t3, credits string
		if err := rows.Scan(&id, &t1, &limit, &t2, &debits, &t3, &credits); err != nil {
			t.Fatalf("Scan: %v", err)
		}
		a := as[i]
		if id != a.ID || t1 != "text" || t2 != "text" || t3 != "text" || limit != a.OverdraftLimit.String() ||
			debits != a.DebitsPosted.String() || credits != a.CreditsPosted.String() {
			t.Errorf("stored %s: %s %q, %s %q, %s %q; want text %q, %q, %q", id, t1, limit, t2, debits, t3, credits,
				a.OverdraftLimit, a.DebitsPosted, a.CreditsPosted)
		}
	}
	if i != len(as) {
		t.Errorf("%d accounts stored, want %d", i, len(as))
	}
}

// TestAccountCacheNewConnection expects the account cache emptied when the write connection is
// a new one, whose data_version count starts again, and kept while it is the same.
func TestAccountCacheNewConnection(t *testing.T) {
	ctx := t.Context()
	s := openInternal(t)
	acct := &coffer.Account{ID: "a", Owner: "o", Asset: "USD", Kind: coffer.KindWallet}
	if err := s.Write(ctx, func(tx coffer.WriteTx) error {
		return tx.Save(ctx, &coffer.Changes{NewAccounts: []*coffer.Account{acct}})
	}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	lock := func() {
		t.Helper()
		if err := s.Write(ctx, func(tx coffer.WriteTx) error {
			_, err := tx.LockAccounts(ctx, []string{"a"})
			return err
		}); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	lock()
	if _, ok := s.accounts.byID["a"]; !ok {
		t.Fatal("the account is not cached after a committed write")
	}
	lock()
	if _, ok := s.accounts.byID["a"]; !ok {
		t.Fatal("the cache was emptied with the same connection and no other writer")
	}
	s.accounts.conns.Add(1) // as when database/sql replaces a broken connection
	if err := s.Write(ctx, func(tx coffer.WriteTx) error {
		if _, ok := s.accounts.byID["a"]; ok {
			t.Error("the cache was kept on a new connection")
		}
		return nil
	}); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

// TestCheckpointStartsWALOver checks that a checkpoint pass past the restart length leaves the
// WAL wholly copied even while writes go on, so that it starts over: without the last pass under
// the write turn, each pass ends with frames appended meanwhile and the WAL only grows.
func TestCheckpointStartsWALOver(t *testing.T) {
	ctx := t.Context()
	s := openInternal(t)
	// The test runs the passes itself: stop the background ones, which would start the WAL over
	// between the writes below, and give checkpointPass a stop channel still open.
	close(s.stop)
	<-s.done
	s.stop = make(chan struct{})
	s.restartPages = 1
	write := func(i int) error {
		return s.Write(ctx, func(tx coffer.WriteTx) error {
			return tx.Save(ctx, &coffer.Changes{NewAccounts: []*coffer.Account{
				{ID: fmt.Sprint("a", i), Owner: "o", Asset: "USD", Kind: coffer.KindWallet}}})
		})
	}
	frames := func() int {
		t.Helper()
		var busy, log, copied int
		if err := s.write.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &copied); err != nil {
			t.Fatal(err)
		}
		return log
	}
	// With no checkpoint yet, every write is still in the WAL: at least one frame each.
	const writes = 300
	for i := range writes {
		if err := write(i); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}

	stop, done := make(chan struct{}), make(chan error, 1)
	var written atomic.Int64
	go func() { // writes all through the passes
		for i := writes; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if err := write(i); err != nil {
				done <- err
				return
			}
			written.Add(1)
		}
	}()
	// At least three passes, and on until the writes have gone on during them: a pass that finds
	// nothing appended returns at once, and a write begun before it copied everything appends
	// without starting the WAL over, so passes that all fall within one slow write prove nothing.
	for written.Load() == 0 {
		runtime.Gosched()
	}
	for i, from := 0, written.Load(); i < 3 || written.Load()-from < 10; i++ {
		if i == 10_000 {
			t.Fatal("the writes made no progress during 10,000 passes")
		}
		s.checkpointPass()
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := write(-1); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if got := frames(); got >= writes {
		t.Errorf("the WAL holds %d frames after the passes, more than the %d writes before them: it did not start over", got, writes)
	}
}
