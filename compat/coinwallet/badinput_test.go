package coinwallet_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/compat/coinwallet"
	"github.com/cofferhq/coffer/internal/importrule"
	"github.com/cofferhq/coffer/internal/testdb"
)

// TestBadInput: every endpoint answers bad input with 400 invalid, the field named, and
// changes nothing: no balance, no record, and the transaction id stays free.
func TestBadInput(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		wantBalances(t, "recharge", e.do("POST", "/api/wallet/v1/recharge", coinBody(1001, "gold", 100, "ok-1", "android")), 100, 0, 0)
		snapshot := func() (any, any) {
			return e.balancesOf(1001), object(t, e.do("GET", "/api/wallet/v1/stream?uid=1001&limit=100", ""))
		}
		b0, s0 := snapshot()
		good := map[string]any{"uid": 1001, "coin_type": "gold", "coin_num": 5, "transaction_id": "bad-1", "platform": "android"}
		with := func(k string, v any) string {
			m := map[string]any{}
			for k, v := range good {
				m[k] = v
			}
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
			var buf bytes.Buffer
			json.NewEncoder(&buf).Encode(m)
			return strings.TrimSpace(buf.String())
		}
		raw := func(s string) json.RawMessage { return json.RawMessage(s) }
		writes := []struct {
			name, body, param string
		}{
			{"fraction", with("coin_num", raw("1.5")), "coin_num"},
			{"whole fraction", with("coin_num", raw("1.0")), "coin_num"},
			{"exponent", with("coin_num", raw("1e2")), "coin_num"},
			{"float sum", with("coin_num", raw("0.30000000000000004")), "coin_num"},
			{"string number", with("coin_num", "5"), "coin_num"},
			{"zero", with("coin_num", 0), "coin_num"},
			{"negative", with("coin_num", -5), "coin_num"},
			{"huge", with("coin_num", raw("170141183460469231731687303715884105728")), "coin_num"},
			{"no coin_num", with("coin_num", nil), "coin_num"},
			{"coin type", with("coin_type", "bronze"), "coin_type"},
			{"coin type case", with("coin_type", "GOLD"), "coin_type"},
			{"platform", with("platform", "symbian"), "platform"},
			{"no platform", with("platform", nil), "platform"},
			{"uid zero", with("uid", 0), "uid"},
			{"uid string", with("uid", "1001"), "uid"},
			{"uid fraction", with("uid", raw("1001.5")), "uid"},
			{"no uid", with("uid", nil), "uid"},
			{"no transaction id", with("transaction_id", nil), "transaction_id"},
			{"slash in transaction id", with("transaction_id", "a/b"), "transaction_id"},
			{"space in transaction id", with("transaction_id", "a b"), "transaction_id"},
			{"long transaction id", with("transaction_id", strings.Repeat("t", 101)), "transaction_id"},
			{"unknown member", with("memo", "x"), "memo"},
			{"iap off iOS", with("coin_type", "iap_gold"), "coin_type"},
			{"not JSON", `{"uid":`, ""},
			{"empty", ``, ""},
		}
		for _, path := range []string{"/api/wallet/v1/recharge", "/api/wallet/v1/pay"} {
			for _, c := range writes {
				a := e.do("POST", path, c.body)
				if c.param == "" {
					if a.status != http.StatusBadRequest || object(t, a)["error"].(map[string]any)["code"] != "invalid" {
						t.Errorf("%s %s: %d %s, want 400 invalid", path, c.name, a.status, a.body)
					}
					continue
				}
				wantError(t, path+" "+c.name, a, http.StatusBadRequest, "invalid", c.param)
			}
		}
		ex := func(mod map[string]any) string {
			m := map[string]any{"uid": 1001, "src_coin_type": "gold", "src_coin_num": 10, "dest_coin_type": "silver",
				"dest_coin_num": 10, "transaction_id": "bad-2", "platform": "android"}
			for k, v := range mod {
				m[k] = v
			}
			b, _ := json.Marshal(m)
			return string(b)
		}
		for _, c := range []struct {
			name, body, param string
		}{
			{"same type", ex(map[string]any{"dest_coin_type": "gold"}), "dest_coin_type"},
			{"into iap_gold", ex(map[string]any{"dest_coin_type": "iap_gold"}), "dest_coin_type"},
			{"iap off iOS", ex(map[string]any{"src_coin_type": "iap_gold", "dest_coin_type": "gold"}), "src_coin_type"},
			{"src fraction", ex(map[string]any{"src_coin_num": json.RawMessage("2.5")}), "src_coin_num"},
			{"dest zero", ex(map[string]any{"dest_coin_num": 0}), "dest_coin_num"},
			{"src type", ex(map[string]any{"src_coin_type": "copper"}), "src_coin_type"},
			{"coin_type member", ex(map[string]any{"coin_type": "gold"}), "coin_type"},
		} {
			wantError(t, "exchange "+c.name, e.do("POST", "/api/wallet/v1/exchange", c.body), http.StatusBadRequest, "invalid", c.param)
		}
		// A rate outside the pair's band, and a pair without one: refused before the ledger, the
		// id left free.
		a := e.do("POST", "/api/wallet/v1/exchange", ex(map[string]any{"dest_coin_num": 1000}))
		if a.status != http.StatusBadRequest {
			t.Errorf("exchange outside the band: %d %s", a.status, a.body)
		}
		a = e.do("POST", "/api/wallet/v1/exchange", ex(map[string]any{"src_coin_type": "silver", "dest_coin_type": "gold"}))
		if a.status != http.StatusBadRequest {
			t.Errorf("exchange of a pair with no band: %d %s", a.status, a.body)
		}
		for _, c := range []struct{ name, path, param string }{
			{"detail without uid", "/api/wallet/v1/detail?platform=ios", "uid"},
			{"detail without platform", "/api/wallet/v1/detail?uid=1001", "platform"},
			{"detail platform", "/api/wallet/v1/detail?uid=1001&platform=wp", "platform"},
			{"detail uid", "/api/wallet/v1/detail?uid=abc&platform=ios", "uid"},
			{"detail uid twice", "/api/wallet/v1/detail?uid=1&uid=2&platform=ios", "uid"},
			{"detail unknown", "/api/wallet/v1/detail?uid=1001&platform=ios&x=1", "x"},
			{"stream without uid", "/api/wallet/v1/stream", "uid"},
			{"stream offset", "/api/wallet/v1/stream?uid=1001&offset=-1", "offset"},
			{"stream offset bound", "/api/wallet/v1/stream?uid=1001&offset=10001", "offset"},
			{"stream limit zero", "/api/wallet/v1/stream?uid=1001&limit=0", "limit"},
			{"stream limit bound", "/api/wallet/v1/stream?uid=1001&limit=101", "limit"},
			{"stream unknown", "/api/wallet/v1/stream?uid=1001&platform=ios", "platform"},
		} {
			wantError(t, c.name, e.do("GET", c.path, ""), http.StatusBadRequest, "invalid", c.param)
		}
		wantError(t, "a write with a query", e.do("POST", "/api/wallet/v1/pay?uid=1001", with("transaction_id", "bad-3")),
			http.StatusBadRequest, "invalid", "uid")
		if b1, s1 := snapshot(); !reflect.DeepEqual(b0, b1) || !reflect.DeepEqual(s0, s1) {
			t.Errorf("bad input changed something: balances %v -> %v, stream %v -> %v", b0, b1, s0, s1)
		}
		// The ids the refused requests named are still free.
		wantBalances(t, "pay with bad-1", e.do("POST", "/api/wallet/v1/pay", coinBody(1001, "gold", 5, "bad-1", "android")), 95, 0, 0)
		wantBalances(t, "exchange with bad-2", e.do("POST", "/api/wallet/v1/exchange", ex(nil)), 85, 0, 10)
		e.verify()
	})
}

// TestKeys: no request without a key; a reader reads but does not write; a gateway's header
// carries the key when the server names it.
func TestKeys(t *testing.T) {
	e := setup(t, testdb.SQLite(t), "X-Api-Key")
	body := coinBody(1, "gold", 5, "k-1", "pc")
	wantError(t, "no key", e.send("POST", "/api/wallet/v1/recharge", body, nil), http.StatusUnauthorized, "unauthorized", "")
	wantError(t, "no key on a read", e.send("GET", "/api/wallet/v1/detail?uid=1&platform=pc", "", nil), http.StatusUnauthorized, "unauthorized", "")
	wantError(t, "a wrong key", e.send("POST", "/api/wallet/v1/recharge", body, map[string]string{"X-Api-Key": "nope"}),
		http.StatusUnauthorized, "unauthorized", "")
	wantError(t, "an empty gateway header", e.send("POST", "/api/wallet/v1/recharge", body, map[string]string{"X-Api-Key": " "}),
		http.StatusUnauthorized, "unauthorized", "")
	wantError(t, "a reader writes", e.send("POST", "/api/wallet/v1/recharge", body, map[string]string{"X-Api-Key": e.readerKey}),
		http.StatusForbidden, "forbidden", "")
	wantError(t, "two keys", e.send("POST", "/api/wallet/v1/recharge", body,
		map[string]string{"X-Api-Key": e.operatorKey, "Authorization": "Bearer " + e.operatorKey}), http.StatusBadRequest, "invalid", "")
	wantBalances(t, "the gateway's header", e.send("POST", "/api/wallet/v1/recharge", body, map[string]string{"X-Api-Key": e.operatorKey}), 5, 0, 0)
	if a := e.send("GET", "/api/wallet/v1/detail?uid=1&platform=pc", "", map[string]string{"X-Api-Key": e.readerKey}); a.status != http.StatusOK {
		t.Errorf("a reader reads: %d %s", a.status, a.body)
	}
	if a := e.send("GET", "/api/wallet/v1/stream?uid=1", "", map[string]string{"Authorization": "Bearer " + e.readerKey}); a.status != http.StatusOK {
		t.Errorf("Bearer still works: %d %s", a.status, a.body)
	}
}

// TestOpenAPI: the profile's document is served to anyone, and describes exactly the
// endpoints the profile serves, each with its role and the errors every operation may answer.
func TestOpenAPI(t *testing.T) {
	e := setup(t, testdb.SQLite(t), "")
	a := e.send("GET", coinwallet.PathOpenAPI, "", nil)
	if a.status != http.StatusOK || !bytes.Equal(a.body, coinwallet.OpenAPI()) {
		t.Fatalf("GET %s: %d", coinwallet.PathOpenAPI, a.status)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Role      string         `json:"x-role"`
			Responses map[string]any `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(a.body, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"post " + coinwallet.PathRecharge: "operator", "post " + coinwallet.PathPay: "operator",
		"post " + coinwallet.PathExchange: "operator", "get " + coinwallet.PathDetail: "reader",
		"get " + coinwallet.PathStream: "reader",
	}
	got := map[string]string{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			got[method+" "+path] = op.Role
			for _, status := range []string{"200", "400", "401", "403", "500", "503"} {
				if op.Responses[status] == nil {
					t.Errorf("%s %s lacks a %s answer", method, path, status)
				}
			}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the document's operations %v, want %v", got, want)
	}
}

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: the root, the
// ledger it translates onto, the client's error envelope and the strict decoder.
func TestImports(t *testing.T) {
	importrule.Check(t, "compat/coinwallet", "github.com/cofferhq/coffer", "github.com/cofferhq/coffer/ledger",
		"github.com/cofferhq/coffer/client", "github.com/cofferhq/coffer/internal/strict")
}
