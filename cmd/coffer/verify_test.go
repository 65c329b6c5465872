package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/sqlite"
)

// TestVerifyFindsCorruption writes a small ledger, breaks it behind Coffer's back in several
// ways, and checks that `coffer verify` names each break and exits 1, and is clean before.
func TestVerifyFindsCorruption(t *testing.T) {
	tests := []struct {
		name  string
		sql   string
		kinds []string // violation kinds the report must contain
	}{
		{"balance edited", `UPDATE accounts SET credits_posted = '999999' WHERE id = 'wallet:alice:USD'`,
			[]string{ledger.VBalance, ledger.VSum}},
		{"entry deleted", `DELETE FROM entries WHERE account_id = 'wallet:alice:USD' AND seq = 1`,
			[]string{ledger.VSequence, ledger.VChain, ledger.VBalance, ledger.VTransfer}},
		{"entry amount edited", `UPDATE entries SET amount = '1' WHERE account_id = 'wallet:bob:USD' AND seq = 1`,
			[]string{ledger.VEntry, ledger.VBalance}},
		{"hold both posted and voided", `UPDATE transfers SET state = 'voided' WHERE id = 'h1'`,
			[]string{ledger.VTransfer}},
		{"captured amount edited", `UPDATE transfers SET posted_amount = '250' WHERE id = 'h1'`,
			[]string{ledger.VTransfer}},
		{"transfer amount edited", `UPDATE transfers SET amount = '1100' WHERE id = 'p1'`,
			[]string{ledger.VTransfer}},
		{"entry moved to no transfer", `UPDATE entries SET transfer_id = 'ghost' WHERE transfer_id = 'd2'`,
			[]string{ledger.VTransfer}},
		{"overdrawn", `UPDATE accounts SET debits_posted = '100000' WHERE id = 'wallet:bob:USD'`,
			[]string{ledger.VFloor, ledger.VBalance}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "coffer.db")
			writeSmallLedger(t, path)
			var out bytes.Buffer
			if code := run(context.Background(), []string{"verify", "--database", path}, &out, &out); code != 0 {
				t.Fatalf("verify of a sound ledger exited %d:\n%s", code, out.String())
			}
			db, err := sql.Open("sqlite3", path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(tt.sql); err != nil {
				t.Fatal(err)
			}
			db.Close()
			out.Reset()
			if code := run(context.Background(), []string{"verify", "--database", path}, &out, &out); code != 1 {
				t.Fatalf("verify exited %d after %s, want 1:\n%s", code, tt.name, out.String())
			}
			for _, k := range tt.kinds {
				if !strings.Contains(out.String(), "VIOLATION "+k) {
					t.Errorf("the report does not name %s:\n%s", k, out.String())
				}
			}
		})
	}
}

func writeSmallLedger(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l := ledger.New(s, ledger.Config{})
	defer l.Close()
	amt := coffer.AmountFromInt64
	for _, c := range []ledger.Command{
		ledger.CreateAsset{Code: "USD", Scale: 2},
		ledger.Deposit{ID: "d1", Owner: "alice", Asset: "USD", Amount: amt(5000)},
		ledger.Deposit{ID: "d2", Owner: "bob", Asset: "USD", Amount: amt(700)},
		ledger.Pay{ID: "p1", Owner: "alice", Merchant: "shop", Asset: "USD", Amount: amt(1200), Fee: amt(30)},
		ledger.Hold{ID: "h1", Owner: "bob", Asset: "USD", Amount: amt(300), Merchant: "shop"},
		ledger.PostTransfer{TransferID: "h1", Amount: amt(200)},
	} {
		if _, err := l.Do(ctx, c); err != nil {
			t.Fatalf("%T: %v", c, err)
		}
	}
}

// TestVerifyChainHead exports the chain head after a clean check, checks against it, and fails
// against a head whose hash the ledger does not have, and after an event was edited.
func TestVerifyChainHead(t *testing.T) {
	dir := t.TempDir()
	path, headFile := filepath.Join(dir, "coffer.db"), filepath.Join(dir, "head.txt")
	writeSmallLedger(t, path)
	verify := func(want int, args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if code := run(context.Background(), append([]string{"verify", "--database", path}, args...), &out, &out); code != want {
			t.Fatalf("verify %v exited %d, want %d:\n%s", args, code, want, out.String())
		}
		return out.String()
	}
	verify(0, "--export-head", headFile)
	b, err := os.ReadFile(headFile)
	if err != nil {
		t.Fatal(err)
	}
	head, err := coffer.ParseChainHead(string(b))
	if err != nil || head.Seq == 0 {
		t.Fatalf("exported head %q: %v", b, err)
	}
	if out := verify(0, "--head-file", headFile, "--export-head", "-"); !strings.HasSuffix(out, string(b)) {
		t.Fatalf("--export-head - printed\n%s\nwant it to end with %q", out, b)
	}

	other := coffer.ChainHead{Seq: head.Seq, Hash: coffer.EventHashZero}
	if err := os.WriteFile(headFile, []byte(other.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := verify(1, "--head-file", headFile); !strings.Contains(out, "VIOLATION "+ledger.VHead) {
		t.Fatalf("against another head:\n%s", out)
	}

	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE events SET subject = 'x' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	want := "VIOLATION " + ledger.VEvent + " account= transfer= seq=2: event 2: its hash does not match its content chained to event 1"
	if out := verify(1); !strings.Contains(out, want) {
		t.Fatalf("after an event was edited:\n%s\nwant %q", out, want)
	}
}
