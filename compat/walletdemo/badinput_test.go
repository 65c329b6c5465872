package walletdemo_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBadInput sends bad input to every endpoint: each gets a clear error in the profile's
// shape (error, code, message, param), and nothing changes: no event, no wallet.
func TestBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		c := e.demo
		wid := strconv.FormatUint(id(t, c.createWallet("1", "USD").object(t, http.StatusOK)), 10)
		c.deposit(wid, `"5"`, "seed").object(t, http.StatusOK)
		before := snapshot(t, e)
		long := strings.Repeat("a", 101)
		end := time.Now().Add(-time.Second).UTC().Format(time.RFC3339Nano)
		future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		tests := []struct {
			name, method, path, body string
			status                   int
			code, param, oldWords    string
		}{
			{"wallet: no body", "POST", "/api/wallets", "", 400, "invalid", "", ""},
			{"wallet: no user", "POST", "/api/wallets", `{"currency":"USD"}`, 400, "invalid", "user_id", ""},
			{"wallet: user negative", "POST", "/api/wallets", `{"user_id":-1,"currency":"USD"}`, 400, "invalid", "user_id", ""},
			{"wallet: user fraction", "POST", "/api/wallets", `{"user_id":1.5,"currency":"USD"}`, 400, "invalid", "user_id", ""},
			{"wallet: user string", "POST", "/api/wallets", `{"user_id":"1","currency":"USD"}`, 400, "invalid", "user_id", ""},
			{"wallet: no currency", "POST", "/api/wallets", `{"user_id":2}`, 400, "invalid", "currency", ""},
			{"wallet: unknown currency", "POST", "/api/wallets", `{"user_id":2,"currency":"XXX"}`, 400, "invalid", "currency", ""},
			{"wallet: unknown member", "POST", "/api/wallets", `{"user_id":2,"currency":"USD","balance":"9"}`, 400, "invalid", "balance", ""},
			{"wallet: duplicate member", "POST", "/api/wallets", `{"user_id":2,"user_id":3,"currency":"USD"}`, 400, "invalid", "user_id", ""},
			{"wallet: not an object", "POST", "/api/wallets", `[1]`, 400, "invalid", "", ""},
			{"get: not a number", "GET", "/api/wallets/abc", "", 400, "invalid", "id", ""},
			{"get: zero", "GET", "/api/wallets/0", "", 400, "invalid", "id", ""},
			{"get: unknown", "GET", "/api/wallets/999999", "", 404, "not_found", "", "wallet not found"},
			{"get: query", "GET", "/api/wallets/" + wid + "?x=1", "", 400, "invalid", "x", ""},
			{"deposit: unknown wallet", "POST", "/api/wallets/999999/deposit", `{"amount":"1","tx_hash":"b1"}`, 404, "not_found", "", "wallet not found"},
			{"deposit: negative", "POST", "/api/wallets/" + wid + "/deposit", `{"amount":"-1","tx_hash":"b2"}`, 400, "invalid", "amount", "invalid deposit amount"},
			{"deposit: zero", "POST", "/api/wallets/" + wid + "/deposit", `{"amount":0,"tx_hash":"b3"}`, 400, "invalid", "amount", "invalid deposit amount"},
			{"deposit: too many decimals", "POST", "/api/wallets/" + wid + "/deposit", `{"amount":"0.001","tx_hash":"b4"}`, 400, "invalid", "amount", "invalid deposit amount"},
			{"deposit: exponent", "POST", "/api/wallets/" + wid + "/deposit", `{"amount":1e2,"tx_hash":"b5"}`, 400, "invalid", "amount", "invalid deposit amount"},
			{"deposit: not a number", "POST", "/api/wallets/" + wid + "/deposit", `{"amount":"ten","tx_hash":"b6"}`, 400, "invalid", "amount", "invalid deposit amount"},
			{"deposit: amount true", "POST", "/api/wallets/" + wid + "/deposit", `{"amount":true,"tx_hash":"b7"}`, 400, "invalid", "amount", "invalid deposit amount"},
			{"deposit: too large", "POST", "/api/wallets/" + wid + "/deposit", `{"amount":"1` + strings.Repeat("0", 40) + `","tx_hash":"b8"}`, 400, "invalid", "amount", "invalid deposit amount"},
			{"deposit: no amount", "POST", "/api/wallets/" + wid + "/deposit", `{"tx_hash":"b9"}`, 400, "invalid", "amount", "invalid deposit amount"},
			{"deposit: no hash", "POST", "/api/wallets/" + wid + "/deposit", `{"amount":"1"}`, 400, "invalid", "tx_hash", ""},
			{"deposit: long hash", "POST", "/api/wallets/" + wid + "/deposit", `{"amount":"1","tx_hash":"` + long + `"}`, 400, "invalid", "tx_hash", ""},
			{"deposit: hash with slash", "POST", "/api/wallets/" + wid + "/deposit", `{"amount":"1","tx_hash":"a/b"}`, 400, "invalid", "tx_hash", ""},
			{"deposit: hash with space", "POST", "/api/wallets/" + wid + "/deposit", `{"amount":"1","tx_hash":"a b"}`, 400, "invalid", "tx_hash", ""},
			{"deposit: null", "POST", "/api/wallets/" + wid + "/deposit", `{"amount":null,"tx_hash":"b10"}`, 400, "invalid", "amount", "invalid deposit amount"},
			{"deposit: description control", "POST", "/api/wallets/" + wid + "/deposit", `{"amount":"1","tx_hash":"b11","description":"a\u0007"}`, 400, "invalid", "description", ""},
			{"withdraw: negative", "POST", "/api/wallets/" + wid + "/withdraw", `{"amount":-1,"tx_hash":"c2"}`, 400, "invalid", "amount", "invalid withdraw amount"},
			{"withdraw: too many decimals", "POST", "/api/wallets/" + wid + "/withdraw", `{"amount":0.001,"tx_hash":"c3"}`, 400, "invalid", "amount", "invalid withdraw amount"},
			{"withdraw: no hash", "POST", "/api/wallets/" + wid + "/withdraw", `{"amount":"1"}`, 400, "invalid", "tx_hash", ""},
			{"withdraw: unknown wallet", "POST", "/api/wallets/999999/withdraw", `{"amount":"1","tx_hash":"c4"}`, 404, "not_found", "", "wallet not found"},
			{"withdraw: same hash as a deposit", "POST", "/api/wallets/" + wid + "/withdraw", `{"amount":"5","tx_hash":"seed"}`, 409, "conflict", "", "transaction already processed"},
			{"transactions: bad start", "GET", "/api/wallets/" + wid + "/transactions?start_time=yesterday", "", 400, "invalid", "start_time", ""},
			{"transactions: start after end", "GET", "/api/wallets/" + wid + "/transactions?start_time=" + end + "&end_time=2020-01-01T00:00:00Z", "", 400, "invalid", "start_time", ""},
			{"transactions: page 0", "GET", "/api/wallets/" + wid + "/transactions?page=0", "", 400, "invalid", "page", ""},
			{"transactions: page size", "GET", "/api/wallets/" + wid + "/transactions?page_size=101", "", 400, "invalid", "page_size", ""},
			{"transactions: deep offset", "GET", "/api/wallets/" + wid + "/transactions?offset=10001", "", 400, "invalid", "offset", ""},
			{"transactions: deep page", "GET", "/api/wallets/" + wid + "/transactions?page=9223372036854775807", "", 400, "invalid", "page", ""},
			{"transactions: both pagings", "GET", "/api/wallets/" + wid + "/transactions?page=1&limit=5", "", 400, "invalid", "offset", ""},
			{"transactions: negative limit", "GET", "/api/wallets/" + wid + "/transactions?limit=-1", "", 400, "invalid", "limit", ""},
			{"transactions: twice", "GET", "/api/wallets/" + wid + "/transactions?limit=1&limit=2", "", 400, "invalid", "limit", ""},
			{"transactions: unknown", "GET", "/api/wallets/" + wid + "/transactions?status=completed", "", 400, "invalid", "status", ""},
			{"reconcile: no start", "POST", "/api/wallets/" + wid + "/reconcile", `{"end_time":"` + end + `","external_balance":"5"}`, 400, "invalid", "start_time", ""},
			{"reconcile: no end", "POST", "/api/wallets/" + wid + "/reconcile", `{"start_time":"2020-01-01T00:00:00Z","external_balance":"5"}`, 400, "invalid", "end_time", ""},
			{"reconcile: future end", "POST", "/api/wallets/" + wid + "/reconcile", `{"start_time":"2020-01-01T00:00:00Z","end_time":"` + future + `","external_balance":"5"}`, 400, "invalid", "end_time", ""},
			{"reconcile: end before start", "POST", "/api/wallets/" + wid + "/reconcile", `{"start_time":"` + end + `","end_time":"2020-01-01T00:00:00Z","external_balance":"5"}`, 400, "invalid", "start_time", ""},
			{"reconcile: no balance", "POST", "/api/wallets/" + wid + "/reconcile", `{"start_time":"2020-01-01T00:00:00Z","end_time":"` + end + `"}`, 400, "invalid", "external_balance", ""},
			{"reconcile: balance decimals", "POST", "/api/wallets/" + wid + "/reconcile", `{"start_time":"2020-01-01T00:00:00Z","end_time":"` + end + `","external_balance":5.001}`, 400, "invalid", "external_balance", ""},
			{"reconcile: tolerance decimals", "POST", "/api/wallets/" + wid + "/reconcile", `{"start_time":"2020-01-01T00:00:00Z","end_time":"` + end + `","external_balance":"5","tolerance":"0.001"}`, 400, "invalid", "tolerance", ""},
			{"reconcile: tolerance negative", "POST", "/api/wallets/" + wid + "/reconcile", `{"start_time":"2020-01-01T00:00:00Z","end_time":"` + end + `","external_balance":"5","tolerance":"-1"}`, 400, "invalid", "tolerance", ""},
			{"reconcile: unknown wallet", "POST", "/api/wallets/999999/reconcile", `{"start_time":"2020-01-01T00:00:00Z","end_time":"` + end + `","external_balance":"5"}`, 404, "not_found", "", "wallet not found"},
			{"crypto deposit", "POST", "/api/crypto/wallets/" + wid + "/deposit", `{"tx_hash":"0xabc"}`, 501, "not_available", "", ""},
			{"crypto withdraw", "POST", "/api/crypto/wallets/" + wid + "/withdraw", `{"to_address":"0xabc","amount":"1"}`, 501, "not_available", "", ""},
		}
		for _, tt := range tests {
			a := c.do(tt.method, tt.path, tt.body)
			m, ok := a.body.(map[string]any)
			if a.status != tt.status || !ok {
				t.Errorf("%s: status %d, want %d: %s", tt.name, a.status, tt.status, a.raw)
				continue
			}
			checkError(t, tt.name, m, tt.code, tt.param, tt.oldWords)
		}
		// A reader's key may read but not write; no key, a wrong key: refused, in the same shape.
		for _, tt := range []struct {
			name   string
			c      docClient
			status int
			code   string
		}{
			{"no key", docClient{t: t, base: c.base}, 401, "unauthorized"},
			{"unknown key", docClient{t: t, base: c.base, key: "nope"}, 401, "unauthorized"},
			{"empty gateway header", docClient{t: t, base: c.base, key: " ", header: keyHeader}, 401, "unauthorized"},
			{"reader", e.reader, 403, "forbidden"},
		} {
			a := tt.c.deposit(wid, `"1"`, "auth-"+tt.name)
			m, ok := a.body.(map[string]any)
			if a.status != tt.status || !ok {
				t.Errorf("%s: status %d, want %d: %s", tt.name, a.status, tt.status, a.raw)
				continue
			}
			checkError(t, tt.name, m, tt.code, "", "")
		}
		after := snapshot(t, e)
		if after != before {
			t.Fatalf("bad input changed the ledger: before %+v, after %+v", before, after)
		}
		// The reader reads; the gateway's header carries a key as well as Authorization does.
		e.reader.transactions(wid, "").array(t, http.StatusOK)
		gateway := docClient{t: t, base: c.base, key: e.operator, header: keyHeader}
		gateway.deposit(wid, `"1"`, "by-gateway").object(t, http.StatusOK)
		if w := gateway.do("GET", "/api/wallets/"+wid, "").object(t, http.StatusOK); w["Balance"] != "6" {
			t.Errorf("after a deposit through the gateway's header: balance %v, want 6", w["Balance"])
		}
	})
}

func checkError(t *testing.T, name string, m map[string]any, code, param, oldWords string) {
	t.Helper()
	msg, _ := m["message"].(string)
	want := map[string]any{"error": msg, "code": code, "message": msg}
	if oldWords != "" {
		want["error"] = oldWords
	}
	if param != "" {
		want["param"] = param
	}
	if len(msg) < 10 {
		t.Errorf("%s: message %q does not say what is wrong", name, msg)
	}
	if got := keys(m); !equal(got, keys(want)) {
		t.Errorf("%s: members %v, want %v: %v", name, got, keys(want), m)
		return
	}
	for k, w := range want {
		if m[k] != w {
			t.Errorf("%s: %s = %#v, want %#v (%v)", name, k, m[k], w, m)
		}
	}
}

func equal(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

// ledgerState is what bad input must not change: the last event and the wallets' numbers. (An
// overdraft is not bad input: it is a refused operation, recorded with its event, and
// TestPromises checks it.)
type ledgerState struct {
	lastEvent uint64
	wallets   string
}

func snapshot(t *testing.T, e *env) ledgerState {
	t.Helper()
	page, err := e.v1.Events(t.Context(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var st ledgerState
	if n := len(page.Events); n > 0 {
		st.lastEvent = page.Events[n-1].Seq
	}
	// A new wallet would take the next number: ask for one and compare after.
	for i := uint64(1); i < 10; i++ {
		a := e.demo.do("GET", "/api/wallets/"+strconv.FormatUint(i, 10), "")
		if a.status == http.StatusOK {
			b, _ := json.Marshal(a.body.(map[string]any)["ID"])
			st.wallets += string(b) + ","
		}
	}
	return st
}
