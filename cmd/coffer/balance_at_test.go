package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/client"
)

// TestBalanceAtCommand: balance-at by seq, by moment and now, and the mistake of giving both.
func TestBalanceAtCommand(t *testing.T) {
	t.Parallel()
	s := setup(t)
	before := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	s.ok("deposit", "--id", "d1", "--owner", "1001", "--asset", "USD", "--amount", "100.00")
	s.ok("hold", "--id", "h1", "--owner", "1001", "--asset", "USD", "--amount", "30.00", "--timeout", "1h")
	var b client.BalanceAt
	s.json(&b, "balance-at", "wallet:1001:USD", "--seq", "1")
	if b.Seq != 1 || b.Balance != "100.00" || b.Held != "0.00" {
		t.Fatalf("after entry 1: %+v", b)
	}
	s.json(&b, "balance-at", "wallet:1001:USD", "--at", before)
	if b.Seq != 0 || b.Balance != "0.00" {
		t.Fatalf("an hour ago: %+v", b)
	}
	out := s.ok("balance-at", "wallet:1001:USD")
	if !strings.Contains(out, "100.00 USD") || !strings.Contains(out, "70.00 USD") || !strings.Contains(out, "30.00 USD") {
		t.Fatalf("now: %s", out)
	}
	s.fails(testAdminKey, 2, "give --at or --seq, not both", "balance-at", "wallet:1001:USD", "--seq", "1", "--at", before)
}

// TestStatementCommand: a statement printed, and saved as CSV to a file.
func TestStatementCommand(t *testing.T) {
	t.Parallel()
	s := setup(t)
	from := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	s.ok("deposit", "--id", "d1", "--owner", "1001", "--asset", "USD", "--amount", "100.00")
	s.ok("deposit", "--id", "d2", "--owner", "1001", "--asset", "USD", "--amount", "5.00")
	to := time.Now().Add(time.Minute).UTC().Format(time.RFC3339)
	out := s.ok("statement", "wallet:1001:USD", "--from", from, "--to", to)
	for _, want := range []string{"opening balance 0.00 USD", "closing balance 105.00 USD", "deposit: in 105.00 USD, out 0.00 USD", "d2"} {
		if !strings.Contains(out, want) {
			t.Fatalf("statement lacks %q:\n%s", want, out)
		}
	}
	file := filepath.Join(t.TempDir(), "statement.csv")
	s.ok("statement", "wallet:1001:USD", "--from", from, "--to", to, "--csv", file)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(data)), "\n"); len(lines) != 5 || !strings.HasSuffix(lines[4], ",105.00,105.00") {
		t.Fatalf("csv:\n%s", data)
	}
	s.fails(testAdminKey, 2, "--to is required", "statement", "wallet:1001:USD", "--from", from)
}

// TestReconcileCommands: reconcile, show and list.
func TestReconcileCommands(t *testing.T) {
	t.Parallel()
	s := setup(t)
	s.ok("deposit", "--id", "d1", "--owner", "1001", "--asset", "USD", "--amount", "100.00")
	end := time.Now().UTC().Format(time.RFC3339Nano)
	out := s.ok("reconcile", "--id", "rec-1", "--owner", "1001", "--asset", "USD", "--period-end", end, "--external", "99.00", "--tolerance", "0.50", "--source", "bank")
	if !strings.Contains(out, "-1.00 USD") || !strings.Contains(out, "mismatched") {
		t.Fatalf("reconcile:\n%s", out)
	}
	if out := s.ok("reconciliations", "--status", "mismatched"); !strings.Contains(out, "rec-1") {
		t.Fatalf("list:\n%s", out)
	}
	if out := s.ok("reconciliation", "rec-1"); !strings.Contains(out, "wallet:1001:USD") {
		t.Fatalf("show:\n%s", out)
	}
	s.fails(testAdminKey, 2, "--external is required", "reconcile", "--id", "rec-2", "--account", "wallet:1001:USD", "--period-end", end)
}
