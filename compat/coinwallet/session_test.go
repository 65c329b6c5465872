package coinwallet_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"testing"

	"github.com/cofferhq/coffer/client"
)

// The example session of the coin wallet's document, request by request, as a client written
// from the document alone sends it: the paths, methods and bodies of its curl examples, and the
// answer of its response example. The document's test user 1001 starts with 1000 gold, no
// iap_gold and 500 silver; here those are deposited through /v1 first.

// wantBalances checks an answer of recharge, pay or exchange: 200 and exactly the three
// balances of the document's response example.
func wantBalances(t testing.TB, what string, a answer, gold, iapGold, silver int) {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("%s: status %d, body %s; want 200", what, a.status, a.body)
	}
	got := object(t, a)
	want := map[string]any{"gold": num(gold), "iap_gold": num(iapGold), "silver": num(silver)}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: answer %s, want %v", what, a.body, want)
	}
}

// timeRE is a time as the API writes it: RFC 3339 in UTC, six decimals of the second.
var timeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)

func num(v int) any { return jsonNumber(fmt.Sprint(v)) }

func TestDocumentSession(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for _, d := range []client.DepositRequest{{ID: "seed-1001-gold", Owner: "1001", Asset: "GOLD", Amount: "1000"},
			{ID: "seed-1001-silver", Owner: "1001", Asset: "SILVER", Amount: "500"}} {
			if _, err := e.v1.Deposit(ctx, d); err != nil {
				t.Fatal(err)
			}
		}

		// 1. 充值接口 (recharge), and the document's response example.
		wantBalances(t, "recharge", e.do("POST", "/api/wallet/v1/recharge", `{
    "uid": 1001,
    "coin_type": "gold",
    "coin_num": 100,
    "transaction_id": "tid_1700000000",
    "platform": "android"
  }`), 1100, 0, 500)

		// 2. 查询余额 (detail).
		a := e.do("GET", "/api/wallet/v1/detail?uid=1001&platform=android", "")
		if a.status != http.StatusOK {
			t.Fatalf("detail: %d %s", a.status, a.body)
		}
		want := map[string]any{"uid": num(1001), "platform": "android", "gold": num(1100), "iap_gold": num(0),
			"silver": num(500), "spendable_gold": num(1100)}
		if got := object(t, a); !reflect.DeepEqual(got, want) {
			t.Fatalf("detail: %s, want %v", a.body, want)
		}

		// 3. 消费接口 (pay).
		wantBalances(t, "pay", e.do("POST", "/api/wallet/v1/pay", `{
    "uid": 1001,
    "coin_type": "gold",
    "coin_num": 50,
    "transaction_id": "tid_pay_1700000001",
    "platform": "android"
  }`), 1050, 0, 500)

		// 4. 兑换接口 (exchange).
		wantBalances(t, "exchange", e.do("POST", "/api/wallet/v1/exchange", `{
    "uid": 1001,
    "src_coin_type": "gold",
    "src_coin_num": 100,
    "dest_coin_type": "silver",
    "dest_coin_num": 100,
    "transaction_id": "tid_exchange_1700000002",
    "platform": "android"
  }`), 950, 0, 600)

		// 5. 查询流水 (stream): the three writes, newest first.
		a = e.do("GET", "/api/wallet/v1/stream?uid=1001&offset=0&limit=10", "")
		if a.status != http.StatusOK {
			t.Fatalf("stream: %d %s", a.status, a.body)
		}
		page := object(t, a)
		if page["offset"] != num(0) || page["limit"] != num(10) || page["has_more"] != false {
			t.Fatalf("stream: %s", a.body)
		}
		list := page["list"].([]any)
		wantItems := []struct {
			tid, op string
			request map[string]any
			gold    int
			silver  int
		}{
			{"tid_exchange_1700000002", "exchange", map[string]any{"uid": num(1001), "src_coin_type": "gold",
				"src_coin_num": num(100), "dest_coin_type": "silver", "dest_coin_num": num(100),
				"transaction_id": "tid_exchange_1700000002", "platform": "android"}, 950, 600},
			{"tid_pay_1700000001", "pay", map[string]any{"uid": num(1001), "coin_type": "gold", "coin_num": num(50),
				"transaction_id": "tid_pay_1700000001", "platform": "android"}, 1050, 500},
			{"tid_1700000000", "recharge", map[string]any{"uid": num(1001), "coin_type": "gold", "coin_num": num(100),
				"transaction_id": "tid_1700000000", "platform": "android"}, 1100, 500},
		}
		if len(list) != len(wantItems) {
			t.Fatalf("stream lists %d records, want %d: %s", len(list), len(wantItems), a.body)
		}
		for i, w := range wantItems {
			it := list[i].(map[string]any)
			if it["transaction_id"] != w.tid || it["op_type"] != w.op || it["status"] != "success" ||
				!reflect.DeepEqual(it["request"], w.request) || it["error"] != nil || !timeRE.MatchString(fmt.Sprint(it["created_at"])) ||
				!reflect.DeepEqual(it["balances"], map[string]any{"gold": num(w.gold), "iap_gold": num(0), "silver": num(w.silver)}) ||
				len(it) != 6 {
				t.Errorf("stream item %d: %v, want %+v", i, it, w)
			}
		}
	})
}
