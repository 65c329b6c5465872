package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cofferhq/coffer/client"
)

// browserEnv names the browser the dashboard's test drives: empty skips it, "require" uses
// Debian's Chromium at /usr/bin/chromium and fails when it (or Node.js, or web/node_modules)
// is missing, and a path names another Chromium. The Makefile sets it to require.
const browserEnv = "COFFER_TEST_BROWSER"

// webDir is the dashboard's sources, from this package's folder.
const webDir = "../../web"

// browserSetup returns the Chromium to drive, skipping or failing the test as browserEnv says
// when something it needs is missing.
func browserSetup(t *testing.T) string {
	t.Helper()
	mode := os.Getenv(browserEnv)
	if mode == "" {
		t.Skip(browserEnv + " is not set: the browser tests are off")
	}
	chromium := mode
	if mode == "require" {
		chromium = "/usr/bin/chromium"
	}
	var missing []string
	if _, err := os.Stat(chromium); err != nil {
		missing = append(missing, "Chromium at "+chromium+" (apt-get install chromium)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "node (apt-get install nodejs npm)")
	}
	if _, err := os.Stat(filepath.Join(webDir, "node_modules", "playwright-core")); err != nil {
		missing = append(missing, "web/node_modules (npm ci --prefix web)")
	}
	if len(missing) > 0 {
		t.Fatalf("%s=%s, and these are missing: %s", browserEnv, mode, strings.Join(missing, "; "))
	}
	return chromium
}

// dashboardSeen is what web/test/dashboard.mjs reports it saw.
type dashboardSeen struct {
	PageErrors      []string          `json:"pageErrors"`
	Shots           []string          `json:"shots"`
	Totals          []string          `json:"totals"`
	Nav             []string          `json:"nav"`
	FirstTab        string            `json:"firstTab"`
	FocusOutline    string            `json:"focusOutline"`
	Wallets         []string          `json:"wallets"`
	AccountHeading  string            `json:"accountHeading"`
	Balances        []string          `json:"balances"`
	Entries         []string          `json:"entries"`
	TransferHeading string            `json:"transferHeading"`
	TransferLife    []string          `json:"transferLife"`
	Pages           map[string]string `json:"pages"`
	Redelivered     string            `json:"redelivered"`
	Deliveries      []string          `json:"deliveries"`
	Approvals       string            `json:"approvals"`
	ReaderNav       []string          `json:"readerNav"`
	ReaderWho       string            `json:"readerWho"`
	WrongKey        string            `json:"wrongKey"`
	Approved        string            `json:"approved"`
}

// hasSetting says whether serve has a setting of that flag.
func hasSetting(flag string) bool {
	for _, s := range settings {
		if s.flag == flag {
			return true
		}
	}
	return false
}

// TestDashboardBrowser drives the dashboard in headless Chromium against a real server on
// SQLite: it signs in, finds an owner's wallet after a deposit and a payment and reads its
// balances and entries, opens a transfer, visits every page, redelivers a webhook delivery,
// signs in again as a reader, and takes screenshots, which must not be blank.
func TestDashboardBrowser(t *testing.T) {
	chromium := browserSetup(t)
	t.Parallel()
	var received atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(hook.Close)
	// Maker-checker approvals, where this build has them: the page approves an adjustment
	// that another admin key asked for.
	approvals := hasSetting("approvals")
	var extra []string
	if approvals {
		extra = append(extra, "--approvals")
	}
	srv := startServer(t, filepath.Join(t.TempDir(), "coffer.db"), testAdminKey, extra...)
	ctx := context.Background()
	admin := client.New(srv.URL(), testAdminKey)
	if _, err := admin.CreateAsset(ctx, client.CreateAssetRequest{Code: "USD", Scale: 2}); err != nil {
		t.Fatal(err)
	}
	wh, err := admin.CreateWebhook(ctx, client.CreateWebhookRequest{URL: hook.URL + "/hook", Events: []string{"transfer.created"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Deposit(ctx, client.DepositRequest{ID: "dep-1", Owner: "alice", Asset: "USD", Amount: "100.00"}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Pay(ctx, client.PaymentRequest{ID: "pay-1", Owner: "alice", Merchant: "shop", Asset: "USD",
		Amount: "25.00", Fee: "0.75", OrderID: "o-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Deposit(ctx, client.DepositRequest{ID: "dep-2", Owner: "bob", Asset: "USD", Amount: "10.00"}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Hold(ctx, client.HoldRequest{ID: "hold-1", Owner: "bob", Asset: "USD", Amount: "4.00", TimeoutSeconds: 3600}); err != nil {
		t.Fatal(err)
	}
	reader, err := admin.CreateKey(ctx, client.CreateKeyRequest{Name: "viewer", Role: "reader"})
	if err != nil {
		t.Fatal(err)
	}
	if approvals {
		maker, err := admin.CreateKey(ctx, client.CreateKeyRequest{Name: "maker", Role: "admin"})
		if err != nil {
			t.Fatal(err)
		}
		// Sent raw: the answer is a request for approval (202), not a transfer.
		body := `{"id": "adj-1", "account_id": "wallet:alice:USD", "direction": "credit", "amount": "5.00", "reason": "goodwill"}`
		req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/v1/adjustments", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+maker.Secret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("adjustment with approvals on: %d, want 202", resp.StatusCode)
		}
	}
	// The page redelivers a delivery, so one must be there first.
	deadline := time.Now().Add(30 * time.Second)
	for {
		p, err := admin.WebhookDeliveries(ctx, wh.ID, client.WebhookDeliveriesQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Attempts) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no webhook delivery within 30s")
		}
		time.Sleep(50 * time.Millisecond) // polling a condition with a deadline
	}

	shots := t.TempDir()
	cmd := exec.Command("node", "test/dashboard.mjs")
	cmd.Dir = webDir
	cmd.Env = append(os.Environ(), "COFFER_UI_URL="+srv.URL(), "COFFER_UI_ADMIN="+testAdminKey,
		"COFFER_UI_READER="+reader.Secret, "COFFER_UI_OWNER=alice", "COFFER_UI_WEBHOOK="+wh.ID,
		"COFFER_UI_SHOTS="+shots, "CHROMIUM="+chromium)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("the browser script failed: %v\n%s", err, stderr.String())
	}
	var seen dashboardSeen
	if err := json.Unmarshal(stdout.Bytes(), &seen); err != nil {
		t.Fatalf("the browser script's report: %v\n%s", err, stdout.String())
	}

	if len(seen.PageErrors) > 0 {
		t.Errorf("the page logged errors: %q", seen.PageErrors)
	}
	// The totals: alice's wallet keeps 75.00 and bob's 10.00 (4.00 of it held), the merchant
	// 24.25 (the fee taken out), and the system accounts (world -110.00, fees 0.75) make the
	// sum zero.
	if want := "USD\t85.00\t24.25\t-109.25\t0.00 ✓\t6"; !slices.Contains(seen.Totals, want) {
		t.Errorf("totals %q, want the row %q", seen.Totals, want)
	}
	if want := []string{"wallet:alice:USD\tUSD\t75.00\t75.00\t0.00\t0.00"}; !slices.Equal(seen.Wallets, want) {
		t.Errorf("alice's wallets %q, want %q", seen.Wallets, want)
	}
	if seen.AccountHeading != "Account wallet:alice:USD" {
		t.Errorf("account page %q", seen.AccountHeading)
	}
	for _, want := range []string{"Balance: 75.00 USD", "Available: 75.00 USD", "Held: 0.00 USD", "Incoming: 0.00 USD", "Entries: 2"} {
		if !slices.Contains(seen.Balances, want) {
			t.Errorf("account fields %q lack %q", seen.Balances, want)
		}
	}
	// Newest first: seq, time, transfer, type, phase, amount, balance before, after, available after.
	entry := regexp.MustCompile(`^(\d+)\t[0-9-]+ [0-9:]+Z\t(\S+)\t(\w+)\t(\w+)\t(\S+)\t(\S+)\t(\S+)\t(\S+)$`)
	var entries [][]string
	for _, e := range seen.Entries {
		m := entry.FindStringSubmatch(e)
		if m == nil {
			t.Fatalf("entry row %q", e)
		}
		entries = append(entries, m[1:])
	}
	want := [][]string{
		{"2", "pay-1", "payment", "posted", "−25.00", "100.00", "75.00", "75.00"},
		{"1", "dep-1", "deposit", "posted", "+100.00", "0.00", "100.00", "100.00"},
	}
	if !slices.EqualFunc(entries, want, slices.Equal) {
		t.Errorf("entries %q, want %q", entries, want)
	}
	if seen.TransferHeading != "Transfer pay-1" || len(seen.TransferLife) != 1 || !strings.HasPrefix(seen.TransferLife[0], "created ") {
		t.Errorf("transfer page %q, life %q", seen.TransferHeading, seen.TransferLife)
	}
	// The hold, with the time it has left: an hour less the seconds the test took so far.
	if text := seen.Pages["Holds and withdrawals"]; !regexp.MustCompile(`hold-1\thold\t4\.00 USD\twallet:bob:USD\t.*\t(59m \d+s|1h)`).MatchString(text) {
		t.Errorf("holds and withdrawals page: %q", text)
	}
	for _, name := range []string{"Holds and withdrawals", "Deposits", "Payouts", "Reconciliations"} {
		if text := seen.Pages[name]; text == "" || strings.Contains(text, "internal") {
			t.Errorf("page %s: %q", name, text)
		}
	}

	// The redelivery reached the endpoint and is in its deliveries.
	if !regexp.MustCompile(`^Redelivered evt_\d+: delivered \(HTTP 204\)\.$`).MatchString(seen.Redelivered) {
		t.Errorf("redelivery said %q", seen.Redelivered)
	}
	p, err := admin.WebhookDeliveries(ctx, wh.ID, client.WebhookDeliveriesQuery{})
	if err != nil {
		t.Fatal(err)
	}
	redeliveries := 0
	for _, a := range p.Attempts {
		if a.Redelivery && a.Outcome == "delivered" {
			redeliveries++
		}
	}
	if redeliveries != 1 {
		t.Errorf("%d redeliveries delivered, want 1: %+v", redeliveries, p.Attempts)
	}

	if approvals {
		// Approved in the page, the adjustment is applied: alice has 5.00 more.
		if !strings.HasPrefix(seen.Approved, "adj-1: approved") {
			t.Errorf("approval said %q; the page showed %q", seen.Approved, seen.Approvals)
		}
		bs, err := admin.Balances(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if len(bs.Balances) != 1 || bs.Balances[0].Balance != "80.00" {
			t.Errorf("alice after the approved adjustment: %+v, want 80.00", bs.Balances)
		}
	} else if !strings.Contains(seen.Approvals, "no approvals API") {
		t.Errorf("approvals page %q", seen.Approvals)
	}
	// Each role sees only its pages.
	for _, page := range []string{"Webhooks", "Approvals"} {
		if !slices.Contains(seen.Nav, page) || slices.Contains(seen.ReaderNav, page) {
			t.Errorf("%s: in the admin's navigation %q and not the reader's %q", page, seen.Nav, seen.ReaderNav)
		}
	}
	if seen.ReaderWho != "Signed in: reader" {
		t.Errorf("reader signed in as %q", seen.ReaderWho)
	}
	if !strings.Contains(seen.WrongKey, "unauthorized") {
		t.Errorf("a wrong key said %q", seen.WrongKey)
	}
	if seen.FirstTab != "Skip to content" || seen.FocusOutline == "none" {
		t.Errorf("first Tab reached %q, outline %q", seen.FirstTab, seen.FocusOutline)
	}

	// The screenshots show something: a blank or failed page has a handful of colours, a
	// rendered one with text, tables and charts hundreds (anti-aliasing included).
	shotsWant := 4 // overview, account, webhook, sign-in; and approvals where they are
	if approvals {
		shotsWant++
	}
	if len(seen.Shots) != shotsWant {
		t.Errorf("%d screenshots, want %d", len(seen.Shots), shotsWant)
	}
	for _, path := range seen.Shots {
		if n := distinctColours(t, path); n < 100 {
			t.Errorf("%s: %d distinct colours, looks blank", filepath.Base(path), n)
		}
	}
}

// distinctColours counts the colours of a PNG.
func distinctColours(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(seen)
}

// TestDashboardBuilt holds the committed build (ui/dist) to the sources: web/build.mjs run
// again into a temporary folder gives the same bytes. It needs web/node_modules, so it runs
// with the browser tests.
func TestDashboardBuilt(t *testing.T) {
	browserSetup(t)
	t.Parallel()
	out := t.TempDir()
	cmd := exec.Command("node", "build.mjs", "--out", out)
	cmd.Dir = webDir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	for _, name := range []string{"index.html", "assets/app.js", "assets/app.css"} {
		built, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		committed, err := os.ReadFile(filepath.Join("../../ui/dist", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(built, committed) {
			t.Errorf("ui/dist/%s differs from a build of web/: run make ui and commit ui/dist", name)
		}
	}
}
