package walletdemo_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/compat/walletdemo"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

const (
	adminKey  = "walletdemo-test-admin"
	keyHeader = "X-Api-Key"
)

// env is a real server on a fresh store: /v1 and the profile on one listener, USD (2
// decimals) and BTC (8) created, an operator's and a reader's key.
type env struct {
	store    coffer.Store
	ledger   *ledger.Ledger
	v1       *client.Client // the admin's
	demo     docClient      // the operator's key, as Bearer
	reader   docClient
	operator string
	routes   []walletdemo.Route
}

func setup(t *testing.T, kind testdb.Kind) *env {
	t.Helper()
	store := kind.Open(t)
	l := ledger.New(store, ledger.Config{})
	t.Cleanup(func() { l.Close() })
	api := httpapi.New(httpapi.Config{Ledger: l, AdminKey: adminKey})
	p := walletdemo.New(walletdemo.Config{Ledger: l, Store: store.(walletdemo.Store),
		Authenticate: func(r *http.Request, need coffer.Role) (string, error) { return api.Authenticate(r, need, keyHeader) }})
	for _, rt := range p.Routes() {
		api.Mount(rt.Pattern, rt.Handler)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	ctx := t.Context()
	v1 := client.New(srv.URL, adminKey)
	for _, a := range []client.CreateAssetRequest{{Code: "USD", Scale: 2}, {Code: "BTC", Scale: 8}} {
		if _, err := v1.CreateAsset(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	op, err := v1.CreateKey(ctx, client.CreateKeyRequest{Name: "demo-operator", Role: "operator"})
	if err != nil {
		t.Fatal(err)
	}
	rd, err := v1.CreateKey(ctx, client.CreateKeyRequest{Name: "demo-reader", Role: "reader"})
	if err != nil {
		t.Fatal(err)
	}
	return &env{store: store, ledger: l, v1: v1, operator: op.Secret, routes: p.Routes(),
		demo:   docClient{t: t, base: srv.URL, key: op.Secret},
		reader: docClient{t: t, base: srv.URL, key: rd.Secret}}
}

// forEachStore runs the test on SQLite and, where it is reachable, PostgreSQL.
func forEachStore(t *testing.T, test func(t *testing.T, e *env)) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			test(t, setup(t, kind))
		})
	}
}

// keys returns an object's member names, sorted.
func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkObject checks that m has exactly the members of want, each equal; a want of anyInt
// asks for a whole JSON number above 0, anyTime for an RFC 3339 time.
func checkObject(t *testing.T, what string, m map[string]any, want map[string]any) {
	t.Helper()
	if got, w := keys(m), keys(want); !slices.Equal(got, w) {
		t.Fatalf("%s: members %v, want %v", what, got, w)
	}
	for k, w := range want {
		got := m[k]
		switch w {
		case anyInt:
			n, ok := got.(json.Number)
			if v, err := strconv.ParseUint(string(n), 10, 64); !ok || err != nil || v == 0 {
				t.Errorf("%s: %s = %#v, want a whole number above 0", what, k, got)
			}
		case anyTime:
			s, ok := got.(string)
			if _, err := time.Parse(time.RFC3339Nano, s); !ok || err != nil {
				t.Errorf("%s: %s = %#v, want an RFC 3339 time", what, k, got)
			}
		default:
			if got != w {
				t.Errorf("%s: %s = %#v (%T), want %#v (%T)", what, k, got, got, w, w)
			}
		}
	}
}

type placeholder string

const (
	anyInt  placeholder = "a whole number"
	anyTime placeholder = "a time"
)

func num(n uint64) json.Number { return json.Number(strconv.FormatUint(n, 10)) }

func id(t *testing.T, m map[string]any) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(string(m["ID"].(json.Number)), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestDocumentSession replays the document's example session request by request and checks
// every member of every answer.
func TestDocumentSession(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		c := e.demo
		w := c.createWallet("20241222", "USD").object(t, http.StatusOK)
		checkObject(t, "create wallet", w, map[string]any{"ID": anyInt, "CreatedAt": anyTime, "UpdatedAt": anyTime,
			"UserID": json.Number("20241222"), "Currency": "USD", "Balance": "0"})
		wid := strconv.FormatUint(id(t, w), 10)

		dep := c.deposit(wid, `"100"`, docHashDeposit).object(t, http.StatusOK)
		checkObject(t, "deposit", dep, map[string]any{"message": "deposit successful"})
		wd := c.withdraw(wid, `"50"`, docHashWithdraw).object(t, http.StatusOK)
		checkObject(t, "withdraw", wd, map[string]any{"message": "withdrawal successful"})

		txs := c.transactions(wid, "").array(t, http.StatusOK)
		if len(txs) != 2 {
			t.Fatalf("transactions: %d, want 2: %v", len(txs), txs)
		}
		tx := map[string]any{"ID": anyInt, "CreatedAt": anyTime, "UpdatedAt": anyTime, "WalletID": json.Number(wid),
			"Type": "withdraw", "Amount": "50", "BalanceBefore": "100", "BalanceAfter": "50", "Status": "completed",
			"TxHash": docHashWithdraw, "Description": ""}
		checkObject(t, "transactions[0]", txs[0], tx)
		tx["Type"], tx["Amount"], tx["BalanceBefore"], tx["BalanceAfter"], tx["TxHash"] = "deposit", "100", "0", "100", docHashDeposit
		checkObject(t, "transactions[1]", txs[1], tx)
		if id(t, txs[0]) <= id(t, txs[1]) {
			t.Errorf("transactions are not newest first: IDs %d then %d", id(t, txs[0]), id(t, txs[1]))
		}

		got := c.do("GET", "/api/wallets/"+wid, "").object(t, http.StatusOK)
		checkObject(t, "get wallet", got, map[string]any{"ID": json.Number(wid), "CreatedAt": w["CreatedAt"], "UpdatedAt": anyTime,
			"UserID": json.Number("20241222"), "Currency": "USD", "Balance": "50"})
		// The same user and currency again is the same wallet.
		again := c.createWallet("20241222", "USD").object(t, http.StatusOK)
		if again["ID"] != w["ID"] || again["Balance"] != "50" {
			t.Errorf("create wallet again = %v; want wallet %v with balance 50", again, w["ID"])
		}
		checkLedger(t, e, "20241222", "USD", "50.00")
	})
}

// checkLedger checks the wallet through /v1: its balance, entries whose last balance agrees,
// and the ledger verified clean.
func checkLedger(t *testing.T, e *env, owner, asset, balance string) {
	t.Helper()
	ctx := t.Context()
	a, err := e.v1.Account(ctx, "wallet:"+owner+":"+asset)
	if err != nil {
		t.Fatal(err)
	}
	if a.Balance != balance || a.Available != balance {
		t.Errorf("/v1 account: balance %s available %s, want %s", a.Balance, a.Available, balance)
	}
	page, err := e.v1.Entries(ctx, a.ID, client.EntriesQuery{Desc: true, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 1 || page.Entries[0].BalanceAfter != balance {
		t.Errorf("/v1 last entry = %+v, want balance after %s", page.Entries, balance)
	}
	rep, err := ledger.Verify(ctx, e.store)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("verify: %v", rep.Violations)
	}
}

// TestPromises checks Coffer's promises through the profile.
func TestPromises(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		c := e.demo
		wid := strconv.FormatUint(id(t, c.createWallet("7", "USD").object(t, http.StatusOK)), 10)

		// No float: 0.1 as a JSON number and 0.2 as a string make exactly 0.3.
		c.deposit(wid, `0.1`, "h-1").object(t, http.StatusOK)
		c.deposit(wid, `"0.2"`, "h-2").object(t, http.StatusOK)
		w := c.do("GET", "/api/wallets/"+wid, "").object(t, http.StatusOK)
		if w["Balance"] != "0.3" {
			t.Fatalf("0.1 + 0.2 = %v, want exactly 0.3", w["Balance"])
		}
		checkLedger(t, e, "7", "USD", "0.30")

		// A replay answers the first outcome and changes nothing.
		for range 2 {
			checkObject(t, "replayed deposit", c.deposit(wid, `0.1`, "h-1").object(t, http.StatusOK),
				map[string]any{"message": "deposit successful"})
		}
		// The same tx hash with another amount, as a withdrawal, or on another wallet: refused.
		other := strconv.FormatUint(id(t, c.createWallet("8", "USD").object(t, http.StatusOK)), 10)
		for _, a := range []answer{c.deposit(wid, `0.2`, "h-1"), c.withdraw(wid, `0.1`, "h-1"), c.deposit(other, `0.1`, "h-1")} {
			checkObject(t, "conflicting replay", a.object(t, http.StatusConflict), map[string]any{
				"error": "transaction already processed", "code": "conflict", "message": a.body.(map[string]any)["message"]})
		}

		// An overdraft is refused, in the demo's words, and so is its replay.
		for range 2 {
			a := c.withdraw(wid, `"0.31"`, "h-over").object(t, http.StatusBadRequest)
			if a["error"] != "insufficient balance" || a["code"] != "insufficient_funds" {
				t.Fatalf("overdraft: %v", a)
			}
		}
		checkLedger(t, e, "7", "USD", "0.30")

		// Concurrent withdrawals on one wallet never overdraw: 30 cents, 12 of 3 cents.
		var wg sync.WaitGroup
		statuses := make([]int, 12)
		for i := range statuses {
			wg.Go(func() { statuses[i] = c.withdraw(wid, `"0.03"`, fmt.Sprintf("w-%d", i)).status })
		}
		wg.Wait()
		ok := 0
		for _, s := range statuses {
			switch s {
			case http.StatusOK:
				ok++
			case http.StatusBadRequest:
			default:
				t.Fatalf("concurrent withdrawal answered %d", s)
			}
		}
		if ok != 10 {
			t.Fatalf("%d of 12 withdrawals of 0.03 from 0.30 went through, want 10", ok)
		}
		checkLedger(t, e, "7", "USD", "0.00")

		// The listing agrees with /v1's entries: every posted one, newest first.
		txs := c.transactions(wid, "?page_size=100").array(t, http.StatusOK)
		page, err := e.v1.Entries(t.Context(), "wallet:7:USD", client.EntriesQuery{Desc: true, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var posted []client.Entry
		for _, en := range page.Entries {
			if en.Phase == "posted" {
				posted = append(posted, en)
			}
		}
		if len(txs) != len(posted) || len(txs) != 12 {
			t.Fatalf("%d transactions, %d posted entries; want 12 of each", len(txs), len(posted))
		}
		for i, en := range posted {
			tx := txs[i]
			if string(tx["ID"].(json.Number)) != strconv.FormatUint(en.Seq, 10) || tx["BalanceAfter"] != trim(en.BalanceAfter) ||
				tx["BalanceBefore"] != trim(en.BalanceBefore) || tx["Amount"] != trim(en.Amount) {
				t.Errorf("transaction %d = %v; /v1 entry %+v", i, tx, en)
			}
		}
		// Paging: offset and limit, page and page_size, bounded.
		second := c.transactions(wid, "?page=2&page_size=5").array(t, http.StatusOK)
		byOffset := c.transactions(wid, "?offset=5&limit=5").array(t, http.StatusOK)
		if len(second) != 5 || second[0]["ID"] != txs[5]["ID"] || byOffset[4]["ID"] != txs[9]["ID"] {
			t.Errorf("page 2 of 5 = %v, offset 5 limit 5 = %v; want transactions 5 to 9", second, byOffset)
		}
		if rest := c.transactions(wid, "?offset=10").array(t, http.StatusOK); len(rest) != 2 {
			t.Errorf("offset 10: %d transactions, want 2", len(rest))
		}
	})
}

// trim writes a /v1 amount as the demo writes it.
func trim(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
