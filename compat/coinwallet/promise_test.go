package coinwallet_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/ledger"
)

// recharge and pay bodies.
func coinBody(uid int, coinType string, num any, tid, platform string) string {
	return fmt.Sprintf(`{"uid":%d,"coin_type":%q,"coin_num":%v,"transaction_id":%q,"platform":%q}`, uid, coinType, num, tid, platform)
}

// balancesOf reads detail's three balances of uid.
func (e *env) balancesOf(uid int) [3]string {
	e.t.Helper()
	a := e.do("GET", fmt.Sprintf("/api/wallet/v1/detail?uid=%d&platform=android", uid), "")
	if a.status != http.StatusOK {
		e.t.Fatalf("detail: %d %s", a.status, a.body)
	}
	m := object(e.t, a)
	return [3]string{fmt.Sprint(m["gold"]), fmt.Sprint(m["iap_gold"]), fmt.Sprint(m["silver"])}
}

// verify checks the whole ledger as coffer verify does.
func (e *env) verify() {
	e.t.Helper()
	r, err := ledger.Verify(context.Background(), e.store)
	if err != nil {
		e.t.Fatal(err)
	}
	if !r.OK() {
		e.t.Fatalf("verify: %+v", r.Violations)
	}
}

// TestReplays: a replay gets the first answer's status and bytes, done or failed; another
// request under the same transaction id is a conflict and changes nothing.
func TestReplays(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		first := e.do("POST", "/api/wallet/v1/recharge", coinBody(7, "gold", 100, "r-1", "android"))
		wantBalances(t, "recharge", first, 100, 0, 0)
		pay := e.do("POST", "/api/wallet/v1/pay", coinBody(7, "gold", 30, "p-1", "android"))
		wantBalances(t, "pay", pay, 70, 0, 0)
		over := e.do("POST", "/api/wallet/v1/pay", coinBody(7, "gold", 71, "p-over", "android"))
		wantError(t, "overdraft", over, http.StatusPaymentRequired, "insufficient_funds", "")
		// A recharge later: the replays still answer what was answered first.
		wantBalances(t, "recharge", e.do("POST", "/api/wallet/v1/recharge", coinBody(7, "gold", 1, "r-2", "android")), 71, 0, 0)
		for _, c := range []struct {
			path, body string
			want       answer
		}{
			{"/api/wallet/v1/recharge", coinBody(7, "gold", 100, "r-1", "android"), first},
			{"/api/wallet/v1/pay", coinBody(7, "gold", 30, "p-1", "android"), pay},
			{"/api/wallet/v1/pay", coinBody(7, "gold", 71, "p-over", "android"), over},
		} {
			if got := e.do("POST", c.path, c.body); !reflect.DeepEqual(got, c.want) {
				t.Errorf("replay %s: %d %s, want %d %s", c.body, got.status, got.body, c.want.status, c.want.body)
			}
		}
		// The overdraft's replay is still refused though 71 gold would now cover it: its
		// outcome was fixed the first time.
		before := e.balancesOf(7)
		for _, c := range []struct{ path, body string }{
			{"/api/wallet/v1/recharge", coinBody(7, "gold", 101, "r-1", "android")},
			{"/api/wallet/v1/recharge", coinBody(7, "gold", 100, "r-1", "ios")},
			{"/api/wallet/v1/pay", coinBody(7, "gold", 100, "r-1", "android")},
			{"/api/wallet/v1/pay", coinBody(8, "gold", 30, "p-1", "android")},
			{"/api/wallet/v1/exchange", `{"uid":7,"src_coin_type":"gold","src_coin_num":1,"dest_coin_type":"silver","dest_coin_num":1,"transaction_id":"p-over","platform":"android"}`},
		} {
			wantError(t, "conflicting replay "+c.body, e.do("POST", c.path, c.body), http.StatusConflict, "conflict", "")
		}
		// An id /v1 used is taken too.
		if _, err := e.v1.Deposit(context.Background(), client.DepositRequest{ID: "v1-dep", Owner: "7", Asset: "SILVER", Amount: "5"}); err != nil {
			t.Fatal(err)
		}
		wantError(t, "an id of /v1", e.do("POST", "/api/wallet/v1/recharge", coinBody(7, "silver", 6, "v1-dep", "android")),
			http.StatusConflict, "conflict", "")
		if got := e.balancesOf(7); got != [3]string{before[0], before[1], "5"} {
			t.Errorf("balances after the conflicts: %v, want %v and 5 silver", got, before)
		}
		stream := object(t, e.do("GET", "/api/wallet/v1/stream?uid=7", ""))
		if n := len(stream["list"].([]any)); n != 4 {
			t.Errorf("stream lists %d records, want 4 (the conflicts are not records): %v", n, stream)
		}
		e.verify()
	})
}

// TestSameIDAtOnce: requests of one new transaction id at once are applied once and all get
// the same answer.
func TestSameIDAtOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		const n = 8
		answers := make([]answer, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				answers[i] = e.do("POST", "/api/wallet/v1/recharge", coinBody(21, "silver", 9, "same-1", "android"))
			})
		}
		wg.Wait()
		for i, a := range answers {
			if !reflect.DeepEqual(a, answers[0]) {
				t.Errorf("answer %d: %d %s; answer 0: %d %s", i, a.status, a.body, answers[0].status, answers[0].body)
			}
		}
		wantBalances(t, "the recharge at once", answers[0], 0, 0, 9)
		if got := e.balancesOf(21); got != [3]string{"0", "0", "9"} {
			t.Errorf("balances %v: applied more than once", got)
		}
		e.verify()
	})
}

// TestOverdraftRecorded: a refused payment moves nothing, is listed in the stream as failed
// with its reason, and stays refused.
func TestOverdraftRecorded(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		wantBalances(t, "recharge", e.do("POST", "/api/wallet/v1/recharge", coinBody(9, "silver", 10, "s-1", "pc")), 0, 0, 10)
		wantError(t, "overdraft", e.do("POST", "/api/wallet/v1/pay", coinBody(9, "silver", 11, "s-2", "pc")),
			http.StatusPaymentRequired, "insufficient_funds", "")
		wantError(t, "exchange overdraft", e.do("POST", "/api/wallet/v1/exchange",
			`{"uid":9,"src_coin_type":"gold","src_coin_num":1,"dest_coin_type":"silver","dest_coin_num":2,"transaction_id":"s-3","platform":"pc"}`),
			http.StatusPaymentRequired, "insufficient_funds", "")
		if got := e.balancesOf(9); got != [3]string{"0", "0", "10"} {
			t.Fatalf("balances %v after refusals", got)
		}
		page := object(t, e.do("GET", "/api/wallet/v1/stream?uid=9&limit=2", ""))
		list := page["list"].([]any)
		if len(list) != 2 || page["has_more"] != true {
			t.Fatalf("stream page: %v", page)
		}
		for i, tid := range []string{"s-3", "s-2"} {
			it := list[i].(map[string]any)
			errb, _ := it["error"].(map[string]any)
			if it["transaction_id"] != tid || it["status"] != "failed" || errb["code"] != "insufficient_funds" ||
				errb["message"] == "" || it["balances"] != nil {
				t.Errorf("failed record %d: %v", i, it)
			}
		}
		rest := object(t, e.do("GET", "/api/wallet/v1/stream?uid=9&offset=2&limit=2", ""))
		if l := rest["list"].([]any); len(l) != 1 || l[0].(map[string]any)["transaction_id"] != "s-1" || rest["has_more"] != false {
			t.Errorf("second page: %v", rest)
		}
		e.verify()
	})
}

// TestIOSRule: iap_gold is bought and spent on iOS only; gold paid on iOS draws on iap_gold
// first and on gold for the rest, all or none.
func TestIOSRule(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		wantBalances(t, "iap recharge", e.do("POST", "/api/wallet/v1/recharge", coinBody(5, "iap_gold", 30, "i-1", "ios")), 0, 30, 0)
		wantBalances(t, "gold recharge", e.do("POST", "/api/wallet/v1/recharge", coinBody(5, "gold", 100, "i-2", "android")), 100, 30, 0)
		wantError(t, "iap recharge off iOS", e.do("POST", "/api/wallet/v1/recharge", coinBody(5, "iap_gold", 1, "i-3", "android")),
			http.StatusBadRequest, "invalid", "coin_type")
		wantError(t, "iap pay off iOS", e.do("POST", "/api/wallet/v1/pay", coinBody(5, "iap_gold", 1, "i-4", "h5")),
			http.StatusBadRequest, "invalid", "coin_type")
		// Off iOS, gold draws on gold alone.
		wantBalances(t, "gold pay on android", e.do("POST", "/api/wallet/v1/pay", coinBody(5, "gold", 10, "i-5", "android")), 90, 30, 0)
		// On iOS, iap_gold first: all of it from iap_gold.
		wantBalances(t, "gold pay on iOS", e.do("POST", "/api/wallet/v1/pay", coinBody(5, "gold", 20, "i-6", "ios")), 90, 10, 0)
		d := object(t, e.do("GET", "/api/wallet/v1/detail?uid=5&platform=ios", ""))
		if d["spendable_gold"] != num(100) || d["gold"] != num(90) || d["iap_gold"] != num(10) {
			t.Errorf("detail on ios: %v", d)
		}
		d = object(t, e.do("GET", "/api/wallet/v1/detail?uid=5&platform=pc", ""))
		if d["spendable_gold"] != num(90) {
			t.Errorf("detail on pc: %v", d)
		}
		// Then the rest of iap_gold and the remainder from gold, linked.
		wantBalances(t, "split pay on iOS", e.do("POST", "/api/wallet/v1/pay", coinBody(5, "gold", 25, "i-7", "ios")), 75, 0, 0)
		ctx := context.Background()
		for id, want := range map[string]string{"i-7.iap_gold": "10", "i-7.gold": "15"} {
			tr, err := e.v1.Transfer(ctx, id)
			if err != nil {
				t.Fatalf("transfer %s: %v", id, err)
			}
			if tr.Amount != want || tr.Metadata["platform"] != "ios" || tr.Type != "payment" {
				t.Errorf("transfer %s: %+v, want %s paid on ios", id, tr, want)
			}
		}
		// More than both hold: refused as a whole, nothing drawn from either.
		wantBalances(t, "iap again", e.do("POST", "/api/wallet/v1/recharge", coinBody(5, "iap_gold", 5, "i-8", "ios")), 75, 5, 0)
		wantError(t, "split overdraft", e.do("POST", "/api/wallet/v1/pay", coinBody(5, "gold", 81, "i-9", "ios")),
			http.StatusPaymentRequired, "insufficient_funds", "")
		if got := e.balancesOf(5); got != [3]string{"75", "5", "0"} {
			t.Errorf("balances after a refused split pay: %v", got)
		}
		wantBalances(t, "exchange iap on iOS", e.do("POST", "/api/wallet/v1/exchange",
			`{"uid":5,"src_coin_type":"iap_gold","src_coin_num":5,"dest_coin_type":"gold","dest_coin_num":5,"transaction_id":"i-10","platform":"ios"}`),
			80, 0, 0)
		e.verify()
	})
}

// TestConcurrentPays: pays of one user at once never overdraw; each is done or recorded as
// failed, and the ledger agrees.
func TestConcurrentPays(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		wantBalances(t, "recharge", e.do("POST", "/api/wallet/v1/recharge", coinBody(3, "gold", 100, "c-0", "android")), 100, 0, 0)
		const n = 30 // 30 pays of 7: 14 fit in 100
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				statuses[i] = e.do("POST", "/api/wallet/v1/pay", coinBody(3, "gold", 7, fmt.Sprintf("c-%d", i+1), "android")).status
			})
		}
		wg.Wait()
		done, refused := 0, 0
		for _, s := range statuses {
			switch s {
			case http.StatusOK:
				done++
			case http.StatusPaymentRequired:
				refused++
			default:
				t.Errorf("a pay answered %d", s)
			}
		}
		if done != 14 || refused != n-14 {
			t.Errorf("%d done and %d refused, want 14 and %d", done, refused, n-14)
		}
		if got := e.balancesOf(3); got != [3]string{"2", "0", "0"} {
			t.Errorf("balances %v, want 2 gold", got)
		}
		page := object(t, e.do("GET", "/api/wallet/v1/stream?uid=3&limit=100", ""))
		failed := 0
		for _, it := range page["list"].([]any) {
			if it.(map[string]any)["status"] == "failed" {
				failed++
			}
		}
		if failed != refused || len(page["list"].([]any)) != n+1 {
			t.Errorf("stream: %d failed of %d records, want %d of %d", failed, len(page["list"].([]any)), refused, n+1)
		}
		e.verify()
	})
}

// TestSameLedgerAsV1: what the profile answers is what /v1 shows of the same accounts: the
// balances, and the entries whose last balance is the one the profile gives.
func TestSameLedgerAsV1(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		wantBalances(t, "recharge", e.do("POST", "/api/wallet/v1/recharge", coinBody(11, "gold", 40, "v-1", "h5")), 40, 0, 0)
		wantBalances(t, "exchange", e.do("POST", "/api/wallet/v1/exchange",
			`{"uid":11,"src_coin_type":"gold","src_coin_num":10,"dest_coin_type":"silver","dest_coin_num":30,"transaction_id":"v-2","platform":"h5"}`), 30, 0, 30)
		if _, err := e.v1.Deposit(ctx, client.DepositRequest{ID: "v-3", Owner: "11", Asset: "SILVER", Amount: "4"}); err != nil {
			t.Fatal(err)
		}
		wantBalances(t, "pay", e.do("POST", "/api/wallet/v1/pay", coinBody(11, "silver", 14, "v-4", "h5")), 30, 0, 20)
		got := e.balancesOf(11)
		for i, asset := range []string{"GOLD", "IAP_GOLD", "SILVER"} {
			id := "wallet:11:" + asset
			a, err := e.v1.Account(ctx, id)
			if asset == "IAP_GOLD" {
				if err == nil || coffer.ErrorCode(err) != coffer.ENOTFOUND {
					t.Errorf("%s: %v, %v; want none made", id, a, err)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Available != got[i] || a.Balance != got[i] {
				t.Errorf("%s: /v1 shows %s available, %s balance; the profile %s", id, a.Available, a.Balance, got[i])
			}
			page, err := e.v1.Entries(ctx, id, client.EntriesQuery{Desc: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Entries) == 0 || page.Entries[0].BalanceAfter != got[i] {
				t.Errorf("%s: the last entry %+v does not end at %s", id, page.Entries, got[i])
			}
		}
		tr, err := e.v1.Transfer(ctx, "v-4")
		if err != nil {
			t.Fatal(err)
		}
		if tr.DebitAccountID != "wallet:11:SILVER" || tr.CreditAccountID != "merchant:coin-wallet:SILVER" ||
			tr.Amount != "14" || tr.Metadata["platform"] != "h5" {
			t.Errorf("the pay through /v1: %+v", tr)
		}
		e.verify()
	})
}
