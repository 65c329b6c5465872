package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/client"
)

// TestStatementImportCommands: statement-import follows the import to its end with plain
// progress lines (stderr is no terminal), statement-matches lists the pairs, then exceptions
// lists what is left and resolve-exception explains it.
func TestStatementImportCommands(t *testing.T) {
	t.Parallel()
	s := setup(t)
	s.ok("deposit", "--id", "d1", "--owner", "1001", "--asset", "USD", "--amount", "100.00")
	s.ok("deposit", "--id", "d2", "--owner", "1001", "--asset", "USD", "--amount", "7.00")
	day := time.Now().UTC().Format(time.DateOnly)
	file := filepath.Join(t.TempDir(), "bank.csv")
	if err := os.WriteFile(file, []byte("when,sum,ref\n"+day+",100.00,d1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := s.as(testAdminKey, "statement-import", file, "--id", "bank-1", "--account", "wallet:1001:USD",
		"--date-column", "when", "--amount-column", "sum", "--direction-column", "", "--reference-column", "ref", "--description-column", "")
	if code != 0 || !strings.Contains(out, "bank-1") || !strings.Contains(errOut, "done: 1/1 lines, 1 matched, 1 exceptions") {
		t.Fatalf("statement-import: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	out = s.ok("exceptions", "bank-1", "--status", "open")
	if !strings.Contains(out, "d2") || !strings.Contains(out, "no statement line matches it") {
		t.Fatalf("exceptions:\n%s", out)
	}
	out = s.ok("statement-matches", "bank-1")
	if !strings.Contains(out, "RULE") || !strings.Contains(out, "d1") || !strings.Contains(out, "reference") {
		t.Fatalf("statement-matches:\n%s", out)
	}
	var matches client.StatementMatchPage
	s.json(&matches, "statement-matches", "bank-1", "--limit", "1")
	if len(matches.Matches) != 1 || matches.Matches[0].Line != 2 || matches.Matches[0].TransferID != "d1" || matches.HasMore {
		t.Fatalf("statement-matches: %+v", matches)
	}
	var e client.StatementException
	s.json(&e, "resolve-exception", "bank-1", "1", "--action", "explain", "--note", "a test deposit")
	if e.Resolution != "explained" || e.Note != "a test deposit" {
		t.Fatalf("resolve-exception: %+v", e)
	}
	var imp client.StatementImport
	s.json(&imp, "statement-import-status", "bank-1")
	if imp.Status != "done" || imp.Matched != 1 {
		t.Fatalf("statement-import-status: %+v", imp)
	}
	s.fails(testAdminKey, 1, "line 1: the header has no column", "statement-import", file, "--id", "bank-2", "--account", "wallet:1001:USD")
	s.fails(testAdminKey, 2, "--account is required", "statement-import", file, "--id", "bank-3")
}
