package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/ledger"
)

const testAdminKey = "test-admin-key"

// server is a server running in the test's process on its own SQLite database.
type server struct {
	t        *testing.T
	addr     string // host:port, as the CLI accepts it
	database string
}

// setup starts a server with the assets USD (scale 2) and GOLD (scale 0) and stops it when the
// test ends.
func setup(t *testing.T) *server {
	t.Helper()
	cfg := Config{Listen: "127.0.0.1:0", Database: filepath.Join(t.TempDir(), "coffer.db"), AdminKey: testAdminKey,
		ExpiryInterval: time.Hour, ShutdownTimeout: 10 * time.Second,
		ExchangePairs: map[string]ledger.RateBand{"USD/GOLD": {Min: "1", Max: "10"}}}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- runServer(ctx, cfg, slog.New(slog.DiscardHandler), ready) }()
	s := &server{t: t, database: cfg.Database}
	select {
	case s.addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	s.ok("asset-create", "--code", "USD", "--scale", "2")
	s.ok("asset-create", "--code", "GOLD", "--scale", "0")
	return s
}

// cli runs the command line as main does and returns the exit code and what it printed.
func cli(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// as runs a client command against the server with key.
func (s *server) as(key string, args ...string) (code int, stdout, stderr string) {
	return cli(append([]string{args[0], "--addr", s.addr, "--key", key}, args[1:]...)...)
}

// ok runs a client command with the admin key, fails the test unless it succeeds, and returns
// what it printed.
func (s *server) ok(args ...string) string {
	s.t.Helper()
	code, out, errOut := s.as(testAdminKey, args...)
	if code != 0 {
		s.t.Fatalf("%q: exit %d, stderr %q, stdout %q", args, code, errOut, out)
	}
	return out
}

// json runs a client command with --json and decodes its answer into v.
func (s *server) json(v any, args ...string) {
	s.t.Helper()
	out := s.ok(append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		s.t.Fatalf("%q: %v in %q", args, err, out)
	}
}

// fails runs a client command with key and checks its exit code and that stderr holds want.
func (s *server) fails(key string, code int, want string, args ...string) string {
	s.t.Helper()
	got, out, errOut := s.as(key, args...)
	if got != code || !strings.Contains(errOut, want) {
		s.t.Fatalf("%q: exit %d, stderr %q; want exit %d and %q (stdout %q)", args, got, errOut, code, want, out)
	}
	return out
}

// wantBalance checks an owner's wallet in an asset: balance, available and held.
func (s *server) wantBalance(owner, asset, balance, available, held string) {
	s.t.Helper()
	var bs client.Balances
	s.json(&bs, "balances", owner)
	for _, b := range bs.Balances {
		if b.Asset == asset {
			if b.Balance != balance || b.Available != available || b.Held != held {
				s.t.Errorf("%s %s: balance %s available %s held %s; want %s %s %s", owner, asset,
					b.Balance, b.Available, b.Held, balance, available, held)
			}
			return
		}
	}
	s.t.Errorf("%s has no %s wallet: %+v", owner, asset, bs)
}

// wantLines checks that out has every one of want, each in one line of the output.
func wantLines(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	t.Parallel()
	code, out, _ := cli("help")
	if code != 0 {
		t.Fatalf("help: exit %d", code)
	}
	root := (&app{}).rootCommand()
	for _, c := range root.Commands() {
		if !strings.Contains(out, "\n  "+c.Name()+" ") || !strings.Contains(out, c.Short) {
			t.Errorf("help does not list %s", c.Name())
		}
		// Every command explains itself in the one format, which also checks that each flag it
		// requires is defined.
		code, out, errOut := cli(c.Name(), "-h")
		if code != 0 || !strings.Contains(out, "Usage:\n  coffer "+c.Name()) || errOut != "" {
			t.Errorf("%s -h: exit %d, stdout %q, stderr %q", c.Name(), code, out, errOut)
		}
	}
	if code, _, errOut := cli("depositt"); code != 2 || !strings.Contains(errOut, `unknown command "depositt"; did you mean deposits or deposit?`) {
		t.Errorf("unknown command: exit %d, %q", code, errOut)
	}
}

func TestAssetsAndAccounts(t *testing.T) {
	t.Parallel()
	s := setup(t)
	var assets client.AssetPage
	s.json(&assets, "assets")
	if len(assets.Assets) != 2 || assets.Assets[1].Code != "USD" || assets.Assets[1].Scale != 2 {
		t.Errorf("assets %+v", assets)
	}
	wantLines(t, s.ok("assets"), "CODE", "GOLD  0", "USD   2")

	var a client.Account
	s.json(&a, "account-create", "--kind", "wallet", "--owner", "1001", "--asset", "USD", "--overdraft-limit", "10.00")
	if a.ID != "wallet:1001:USD" || a.OverdraftLimit != "10.00" {
		t.Errorf("created %+v", a)
	}
	s.fails(testAdminKey, 2, "not both", "account-create", "--kind", "wallet", "--owner", "1002", "--asset", "USD",
		"--overdraft-limit", "1", "--overdraft-unlimited")
	s.fails(testAdminKey, 2, `--kind: "purse" must be one of wallet, merchant, system`, "account-create", "--kind", "purse", "--owner", "1002", "--asset", "USD")
	wantLines(t, s.ok("account", "wallet:1001:USD"), "account    wallet:1001:USD", "overdraft  10.00 USD", "locked     no")
	s.ok("account-create", "--kind", "merchant", "--owner", "shop", "--asset", "USD", "--overdraft-unlimited")

	var page client.AccountPage
	s.json(&page, "accounts", "--owner", "1001")
	if len(page.Accounts) != 1 || page.Accounts[0].ID != "wallet:1001:USD" {
		t.Errorf("accounts of 1001: %+v", page)
	}
	s.json(&page, "accounts", "--kind", "merchant", "--limit", "1")
	if len(page.Accounts) != 1 || page.Accounts[0].ID != "merchant:shop:USD" || !page.Accounts[0].OverdraftUnlimited {
		t.Errorf("merchants: %+v", page)
	}

	// Locked both ways by default: a deposit is refused.
	s.json(&a, "lock", "wallet:1001:USD", "--id", "lock-1", "--reason", "fraud check")
	if !a.LockedDebits || !a.LockedCredits || a.LockReason != "fraud check" {
		t.Errorf("locked %+v", a)
	}
	s.fails(testAdminKey, 1, "coffer deposit: account_locked: ", "deposit", "--id", "dep-1", "--owner", "1001", "--asset", "USD", "--amount", "5")
	s.json(&a, "unlock", "wallet:1001:USD", "--id", "unlock-1")
	if a.LockedDebits || a.LockedCredits {
		t.Errorf("unlocked %+v", a)
	}
	wantLines(t, s.ok("lock", "wallet:1001:USD", "--id", "lock-2", "--reason", "dispute", "--debits"), "locked     debits: dispute")
	// dep-1 keeps its refusal; a new id is a new deposit.
	s.ok("deposit", "--id", "dep-2", "--owner", "1001", "--asset", "USD", "--amount", "5")
	s.wantBalance("1001", "USD", "5.00", "5.00", "0.00")
}

func TestWalletCommands(t *testing.T) {
	t.Parallel()
	s := setup(t)
	var res client.TransferResult
	s.json(&res, "deposit", "--id", "dep-1", "--owner", "alice", "--asset", "USD", "--amount", "100",
		"--source", "bank", "--meta", "batch=7", "--meta", "note=first")
	if res.Transfer.Type != "deposit" || res.Transfer.Amount != "100.00" || res.Transfer.Metadata["note"] != "first" {
		t.Errorf("deposit %+v", res.Transfer)
	}
	wantLines(t, s.ok("balances", "alice"), "ACCOUNT", "wallet:alice:USD  100.00 USD  100.00 USD  0.00 USD")

	// Withdrawals: held, then completed or failed.
	s.json(&res, "withdraw", "--id", "wd-1", "--owner", "alice", "--asset", "USD", "--amount", "30",
		"--destination", "iban:DE02", "--timeout", "10m")
	if res.Transfer.State != "pending" || res.Transfer.ExpiresAt == nil ||
		res.Transfer.ExpiresAt.Sub(res.Transfer.CreatedAt.Time) != 10*time.Minute {
		t.Errorf("withdrawal %+v", res.Transfer)
	}
	s.wantBalance("alice", "USD", "100.00", "70.00", "30.00")
	wantLines(t, s.ok("withdraw-complete", "wd-1", "--id", "wd-1-done"), "wd-1", "posted")
	s.ok("withdraw", "--id", "wd-2", "--owner", "alice", "--asset", "USD", "--amount", "10", "--destination", "iban:DE02")
	s.ok("withdraw-fail", "wd-2", "--id", "wd-2-failed")
	s.wantBalance("alice", "USD", "70.00", "70.00", "0.00")

	// A payment with a fee, refunded in part.
	s.json(&res, "pay", "--id", "pay-1", "--owner", "alice", "--merchant", "shop", "--asset", "USD",
		"--amount", "40", "--fee", "1.20", "--order", "order-77")
	if res.Fee == nil || res.Fee.Amount != "1.20" || res.Transfer.Reference != "order-77" {
		t.Errorf("payment %+v fee %+v", res.Transfer, res.Fee)
	}
	wantLines(t, s.ok("refund", "pay-1", "--id", "ref-1", "--amount", "10", "--reason", "damaged"),
		"payment pay-1: 10.00 USD of 40.00 USD refunded")
	s.wantBalance("alice", "USD", "40.00", "40.00", "0.00")
	var shop client.Account
	s.json(&shop, "account", "merchant:shop:USD")
	if shop.Balance != "28.80" {
		t.Errorf("merchant balance %s, want 28.80", shop.Balance)
	}

	// An exchange, once an adjustment has filled the pool.
	s.ok("adjust", "system:exchange:GOLD", "--id", "fund-pool", "--direction", "credit", "--amount", "1000", "--reason", "seed")
	s.json(&res, "exchange", "--id", "ex-1", "--owner", "alice", "--from", "USD", "--to", "GOLD", "--amount", "10", "--rate", "3.5")
	if res.Counter == nil || res.Counter.Amount != "35" || res.Rate != "3.5" {
		t.Errorf("exchange %+v counter %+v", res.Transfer, res.Counter)
	}
	wantLines(t, s.ok("exchange", "--id", "ex-2", "--owner", "alice", "--from", "USD", "--to", "GOLD", "--amount", "2",
		"--counter-amount", "5"), "rate 2.5 GOLD per USD")
	s.wantBalance("alice", "GOLD", "40", "40", "0")
	s.fails(testAdminKey, 2, "exactly one of --rate and --counter-amount", "exchange", "--id", "ex-3", "--owner", "alice",
		"--from", "USD", "--to", "GOLD", "--amount", "1")

	// Holds: captured in part, or released.
	s.ok("hold", "--id", "hold-1", "--owner", "alice", "--asset", "USD", "--amount", "20", "--merchant", "hotel", "--reference", "booking-9")
	s.wantBalance("alice", "USD", "28.00", "8.00", "20.00")
	s.json(&res, "capture", "hold-1", "--id", "capture-1", "--amount", "15")
	if res.Transfer.State != "posted" || res.Transfer.PostedAmount != "15.00" {
		t.Errorf("capture %+v", res.Transfer)
	}
	s.ok("hold", "--id", "hold-2", "--owner", "alice", "--asset", "USD", "--amount", "5", "--timeout", "1h")
	wantLines(t, s.ok("release", "hold-2", "--id", "release-2"), "hold-2", "voided")
	s.wantBalance("alice", "USD", "13.00", "13.00", "0.00")

	// Adjustments need an admin key's role; the money rules are the server's.
	s.ok("adjust", "wallet:alice:USD", "--id", "adj-1", "--direction", "debit", "--amount", "3", "--reason", "fee correction",
		"--counter", "system:fees:USD")
	s.wantBalance("alice", "USD", "10.00", "10.00", "0.00")
	s.fails(testAdminKey, 2, `--timeout: "1.5s" is not a positive whole number of seconds`, "hold", "--id", "hold-3",
		"--owner", "alice", "--asset", "USD", "--amount", "1", "--timeout", "1.5s")

	// A refused payment is found among the operations, by owner and by its code.
	s.fails(testAdminKey, 1, "insufficient_funds", "pay", "--id", "pay-big", "--owner", "alice", "--merchant", "shop",
		"--asset", "USD", "--amount", "500", "--order", "o-9")
	wantLines(t, s.ok("operations", "--owner", "alice", "--status", "rejected"),
		"ID  ", "pay-big  payment  rejected  alice  wallet:alice:USD  500.00 USD")
	var page client.OperationPage
	s.json(&page, "operations", "--code", "insufficient_funds")
	if len(page.Operations) != 1 || page.Operations[0].ID != "pay-big" || page.HasMore {
		t.Errorf("operations --code insufficient_funds: %+v", page)
	}
	wantLines(t, s.ok("operation", "pay-big"), "insufficient_funds: ")
	wantLines(t, s.ok("operation", "dep-1"), "dep-1  deposit  done")
}

func TestTransferCommands(t *testing.T) {
	t.Parallel()
	s := setup(t)
	s.ok("deposit", "--id", "dep-1", "--owner", "alice", "--asset", "USD", "--amount", "100")
	s.ok("account-create", "--kind", "wallet", "--owner", "bob", "--asset", "USD")

	var res client.TransferResult
	s.json(&res, "transfer", "--id", "t-1", "--from", "wallet:alice:USD", "--to", "wallet:bob:USD", "--amount", "12.5",
		"--reference", "rent", "--meta", "month=may")
	if res.Transfer.State != "posted" || res.Transfer.Amount != "12.50" || res.Transfer.Type != "transfer" {
		t.Errorf("transfer %+v", res.Transfer)
	}
	s.ok("transfer", "--id", "t-2", "--from", "wallet:alice:USD", "--to", "wallet:bob:USD", "--amount", "20", "--pending", "--timeout", "1h")
	s.wantBalance("alice", "USD", "87.50", "67.50", "20.00")
	s.json(&res, "transfer-post", "t-2", "--amount", "5", "--id", "post-t-2")
	if res.Transfer.PostedAmount != "5.00" {
		t.Errorf("posted %+v", res.Transfer)
	}
	s.ok("transfer", "--id", "t-3", "--from", "wallet:alice:USD", "--to", "wallet:bob:USD", "--amount", "7", "--pending")
	s.ok("transfer-void", "t-3", "--id", "void-t-3")
	s.wantBalance("alice", "USD", "82.50", "82.50", "0.00")
	s.wantBalance("bob", "USD", "17.50", "17.50", "0.00")

	wantLines(t, s.ok("transfer-get", "t-1"), "transfer    t-1", "amount      12.50 USD", "reference   rent", "meta month  may")
	var page client.TransferPage
	s.json(&page, "transfers", "--account", "wallet:bob:USD", "--order", "desc")
	if len(page.Transfers) != 3 || page.Transfers[0].ID != "t-3" || page.Transfers[0].State != "voided" {
		t.Errorf("bob's transfers %+v", page.Transfers)
	}
	s.json(&page, "transfers", "--reference", "rent", "--from", "2000-01-01")
	if len(page.Transfers) != 1 || page.Transfers[0].ID != "t-1" {
		t.Errorf("rent transfers %+v", page.Transfers)
	}
	wantLines(t, s.ok("transfers", "--type", "transfer", "--limit", "1"), "t-1", "more: --cursor ")

	// A batch on its own: one transfer is refused, the other made, and the command fails.
	file := filepath.Join(t.TempDir(), "batch.json")
	writeBatch(t, file, []client.TransferRequest{
		{ID: "b-1", DebitAccountID: "wallet:bob:USD", CreditAccountID: "wallet:alice:USD", Amount: "1"},
		{ID: "b-2", DebitAccountID: "wallet:bob:USD", CreditAccountID: "wallet:alice:USD", Amount: "1000"},
	})
	out := s.fails(testAdminKey, 1, "1 of 2 transfers failed", "transfer-batch", "--file", file)
	wantLines(t, out, "b-1  posted", "b-2  insufficient_funds")
	s.wantBalance("bob", "USD", "16.50", "16.50", "0.00")

	// An atomic batch: all or none.
	a1 := client.TransferRequest{ID: "a-1", DebitAccountID: "wallet:bob:USD", CreditAccountID: "wallet:alice:USD", Amount: "1"}
	writeBatch(t, file, []client.TransferRequest{a1,
		{ID: "a-2", DebitAccountID: "wallet:bob:USD", CreditAccountID: "wallet:alice:USD", Amount: "1000"}})
	s.fails(testAdminKey, 1, "coffer transfer-batch: insufficient_funds: ", "transfer-batch", "--file", file, "--atomic", "--id", "batch-1")
	s.fails(testAdminKey, 1, "not_found", "transfer-get", "a-1")
	writeBatch(t, file, []client.TransferRequest{a1,
		{ID: "a-3", DebitAccountID: "wallet:bob:USD", CreditAccountID: "wallet:alice:USD", Amount: "2"}})
	var batch client.BatchResponse
	s.json(&batch, "transfer-batch", "--file", file, "--atomic", "--id", "batch-2")
	if batch.Mode != "atomic" || len(batch.Results) != 2 || batch.Results[1].Transfer.Amount != "2.00" {
		t.Errorf("atomic batch %+v", batch)
	}
	s.wantBalance("bob", "USD", "13.50", "13.50", "0.00")
	s.fails(testAdminKey, 2, "--id is required with --atomic", "transfer-batch", "--file", file, "--atomic")
}

func writeBatch(t *testing.T, file string, ts []client.TransferRequest) {
	t.Helper()
	data, err := json.Marshal(ts)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestHistoryAndEvents(t *testing.T) {
	t.Parallel()
	s := setup(t)
	s.ok("deposit", "--id", "dep-1", "--owner", "alice", "--asset", "USD", "--amount", "10")
	s.ok("deposit", "--id", "dep-2", "--owner", "alice", "--asset", "USD", "--amount", "2.5")

	out := s.ok("history", "wallet:alice:USD", "--limit", "1")
	wantLines(t, out, "account wallet:alice:USD, balance 12.50 USD", "dep-1", "0.00 -> 10.00 USD", "more: --cursor ")
	cursor := strings.TrimSpace(out[strings.Index(out, "more: --cursor ")+len("more: --cursor "):])
	var page client.EntryPage
	s.json(&page, "history", "wallet:alice:USD", "--cursor", cursor, "--type", "deposit")
	if len(page.Entries) != 1 || page.Entries[0].TransferID != "dep-2" || page.Entries[0].BalanceBefore != "10.00" ||
		page.Entries[0].BalanceAfter != "12.50" {
		t.Errorf("second page %+v", page)
	}
	s.json(&page, "history", "wallet:alice:USD", "--order", "desc", "--to", "2000-01-01T00:00:00Z")
	if len(page.Entries) != 0 {
		t.Errorf("entries before 2000: %+v", page.Entries)
	}

	var events client.EventPage
	s.json(&events, "events")
	if len(events.Events) == 0 || events.HasMore || events.NextAfter != 0 {
		t.Fatalf("events %+v", events)
	}
	last := events.Events[len(events.Events)-1]
	var rest client.EventPage
	s.json(&rest, "events", "--after", strconv.FormatUint(last.Seq-1, 10), "--limit", "5")
	if len(rest.Events) != 1 || rest.Events[0].ID != last.ID {
		t.Errorf("events after %d: %+v", last.Seq-1, rest)
	}
	wantLines(t, s.ok("events", "--limit", "1"), "SEQ", "more: --after 1")
}

func TestKeyCommands(t *testing.T) {
	t.Parallel()
	s := setup(t)
	out := s.ok("key-create", "--name", "ops", "--role", "operator")
	wantLines(t, out, "ops", "operator", "secret: ck_", "shown only this once")
	secret := strings.Fields(out[strings.Index(out, "secret: "):])[1]

	var keys client.KeyPage
	s.json(&keys, "keys")
	if len(keys.Keys) != 1 || keys.Keys[0].Name != "ops" || keys.Keys[0].RevokedAt != nil {
		t.Fatalf("keys %+v", keys)
	}
	// The operator key moves money but may not adjust.
	if code, _, errOut := s.as(secret, "deposit", "--id", "dep-1", "--owner", "alice", "--asset", "USD", "--amount", "1"); code != 0 {
		t.Fatalf("deposit with the operator key: exit %d %s", code, errOut)
	}
	s.fails(secret, 1, "coffer adjust: forbidden: ", "adjust", "wallet:alice:USD", "--id", "adj-1", "--direction", "credit",
		"--amount", "1", "--reason", "try")

	var k client.Key
	s.json(&k, "key-revoke", keys.Keys[0].ID)
	if k.RevokedAt == nil {
		t.Errorf("revoked %+v", k)
	}
	s.fails(secret, 1, "coffer balances: unauthorized: ", "balances", "alice")
	s.fails(testAdminKey, 2, `--role: "root" must be one of admin, operator, reader`, "key-create", "--name", "x", "--role", "root")
}

func TestHealthAndVerifyRemote(t *testing.T) {
	t.Parallel()
	s := setup(t)
	wantLines(t, s.ok("health"), "healthz  ok", "readyz   ok")
	s.ok("deposit", "--id", "dep-1", "--owner", "alice", "--asset", "USD", "--amount", "10")
	wantLines(t, s.ok("verify-remote"), " accounts, 1 transfers, 2 entries", "ok: no violations")
	var rep client.VerifyReport
	s.json(&rep, "verify-remote")
	if !rep.OK || rep.Transfers != 1 {
		t.Errorf("report %+v", rep)
	}

	// Broken behind the server's back, the ledger fails verification: exit 1, violations printed.
	db, err := sql.Open("sqlite3", s.database)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE accounts SET credits_posted = '999999' WHERE id = 'wallet:alice:USD'`); err != nil {
		t.Fatal(err)
	}
	out := s.fails(testAdminKey, 1, "coffer verify-remote: ", "verify-remote")
	wantLines(t, out, "VIOLATION balance_mismatch account=wallet:alice:USD")
	out = s.fails(testAdminKey, 1, "violations", "verify-remote", "--json")
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.OK || len(rep.Violations) == 0 {
		t.Errorf("report %+v, %v", rep, err)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	s := setup(t)
	deposit := []string{"deposit", "--id", "dep-1", "--owner", "alice", "--asset", "USD", "--amount", "10"}
	for _, tc := range []struct {
		name string
		key  string
		args []string
		code int
		want string
	}{
		{"missing flag", testAdminKey, []string{"deposit", "--id", "dep-1", "--owner", "alice", "--asset", "USD"},
			2, "coffer deposit: --amount is required: how much comes in, in major units (12.50)\nRun 'coffer deposit --help' for usage.\n"},
		{"missing argument", testAdminKey, []string{"refund", "--id", "r-1"}, 2, "coffer refund: takes 1 argument, PAYMENT_ID; none was given\n"},
		{"two arguments", testAdminKey, []string{"refund", "p-1", "p-2", "--id", "r-1"}, 2, `coffer refund: takes 1 argument, PAYMENT_ID; got "p-1" "p-2"`},
		{"unknown flag", testAdminKey, []string{"assets", "--colour"}, 2, "coffer assets: unknown flag: --colour\nRun 'coffer assets --help' for usage.\n"},
		{"bad metadata", testAdminKey, append(deposit, "--meta", "novalue"), 2, `coffer deposit: --meta: "novalue" is not key=value`},
		{"bad limit", testAdminKey, []string{"accounts", "--limit", "ten"}, 2, `coffer accounts: --limit: "ten" is not a whole number`},
		{"insufficient funds", testAdminKey, []string{"withdraw", "--id", "wd-1", "--owner", "alice", "--asset", "USD",
			"--amount", "10.01", "--destination", "bank"}, 1, "coffer withdraw: insufficient_funds: "},
		{"invalid amount", testAdminKey, []string{"pay", "--id", "p-1", "--owner", "alice", "--merchant", "m", "--asset", "USD",
			"--amount", "1.001", "--order", "o"}, 1, "coffer pay: invalid: "},
		{"asset again", testAdminKey, []string{"asset-create", "--code", "USD", "--scale", "3"}, 1,
			`coffer asset-create: conflict: asset USD already exists, with scale 2`},
		{"wrong key", "not-a-key", []string{"balances", "alice"}, 1, "coffer balances: unauthorized: "},
		{"no key", "", []string{"assets"}, 2, "coffer assets: no API key: give --key, set COFFER_API_KEY, or set client.key in the --config file"},
		// Every write takes its operation id, a post or void too.
		{"capture without id", testAdminKey, []string{"capture", "hold-1"}, 2, "coffer capture: --id is required: the operation id"},
		{"lock without id", testAdminKey, []string{"lock", "wallet:alice:USD", "--reason", "r"}, 2, "coffer lock: --id is required: the operation id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "insufficient funds" {
				s.ok(deposit...)
			}
			if code, out, errOut := s.as(tc.key, tc.args...); code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q, stdout %q; want exit %d and %q", code, errOut, out, tc.code, tc.want)
			}
		})
	}
	code, _, errOut := cli("health", "--addr", "http://127.0.0.1:1")
	if code != 1 || !strings.Contains(errOut, "coffer health: unavailable: ") {
		t.Errorf("no server: exit %d, %q", code, errOut)
	}
	// An address that is not HTTP is a usage error, found before anything is sent.
	// A password in the address is masked in the message.
	for addr, shown := range map[string]string{"ftp://x": "ftp://x", "x": "x", "http://": "http://", "http://u:p@host:1": "http://u:***@host:1"} {
		code, _, errOut = cli("health", "--addr", addr)
		if want := fmt.Sprintf("coffer health: --addr: %q is not an http:// or https:// URL, or a host:port", shown); code != 2 || !strings.Contains(errOut, want) {
			t.Errorf("--addr %s: exit %d, %q; want exit 2 and %q", addr, code, errOut, want)
		}
	}
}

// TestJSONErrors: with --json an error is printed as JSON on stdout too (the server's answer as
// it sent it, or the same envelope when there was none), and the command still fails with the
// sentence on stderr. A usage error prints no JSON: nothing was sent.
func TestJSONErrors(t *testing.T) {
	t.Parallel()
	s := setup(t)
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		wantCode string
	}{
		{"not found", []string{"capture", "nope", "--id", "c-1", "--json", "--addr", s.addr, "--key", testAdminKey}, 1, "not_found"},
		{"unauthorized", []string{"assets", "--json", "--addr", s.addr, "--key", "wrong-key"}, 1, "unauthorized"},
		{"no server", []string{"assets", "--json", "--addr", "http://127.0.0.1:1", "--key", "k"}, 1, "unavailable"},
	} {
		code, out, errOut := cli(tc.args...)
		var e client.ErrorResponse
		if err := json.Unmarshal([]byte(out), &e); code != tc.code || err != nil || e.Error.Code != tc.wantCode || e.Error.Message == "" ||
			!strings.Contains(errOut, ": "+tc.wantCode+": ") {
			t.Errorf("%s: exit %d, stdout %q (%v), stderr %q; want exit %d and %s in both", tc.name, code, out, err, errOut, tc.code, tc.wantCode)
		}
	}
	code, out, _ := cli("assets", "--json", "--addr", "ftp://x", "--key", "k")
	if code != 2 || out != "" {
		t.Errorf("usage error with --json: exit %d, stdout %q", code, out)
	}
}
