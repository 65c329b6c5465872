package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestQueryParameters sends query strings a route does not take, or takes once, or that do not
// decode: each is refused with invalid, naming the parameter, and changes nothing.
func TestQueryParameters(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.deposit("d-1", "alice", "USD", "1")
	cases := []struct {
		name, method, path, body, param string
	}{
		{"unknown on accounts", "GET", "/v1/accounts?state=pending", "", "state"},
		{"unknown on transfers", "GET", "/v1/transfers?offset=10", "", "offset"},
		{"owner on events", "GET", "/v1/events?owner=alice", "", "owner"},
		{"unknown on an account", "GET", "/v1/accounts/wallet:alice:USD?expand=entries", "", "expand"},
		{"unknown on balances", "GET", "/v1/owners/alice/balances?asset=USD", "", "asset"},
		{"unknown on entries", "GET", "/v1/accounts/wallet:alice:USD/entries?reference=x", "", "reference"},
		{"empty value of an unknown one", "GET", "/v1/transfers?owner=", "", "owner"},
		{"case of a known one", "GET", "/v1/accounts?Limit=5", "", "Limit"},
		{"limit twice", "GET", "/v1/accounts?limit=1&limit=2", "", "limit"},
		{"cursor twice", "GET", "/v1/transfers?cursor=a&cursor=a", "", "cursor"},
		{"bad escape in a value", "GET", "/v1/accounts?limit=%zz", "", "limit"},
		{"bad escape in a value of an unknown one", "GET", "/v1/accounts?x=%zz", "", "x"},
		{"bad escape in a name", "GET", "/v1/accounts?%zz=1", "", ""},
		{"semicolon", "GET", "/v1/accounts?limit=1;kind=wallet", "", ""},
		{"a query on a write", "POST", "/v1/deposits?dry_run=true", `{"id":"q-1","owner":"alice","asset":"USD","amount":"1"}`, "dry_run"},
	}
	before := e.state("alice")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := e.raw(c.method, c.path, adminKey, c.body)
			wantEnvelope(t, status, body, http.StatusBadRequest, "invalid")
			if got := paramOf(t, body); got != c.param {
				t.Errorf("param %q, want %q: %s", got, c.param, body)
			}
		})
	}
	if after := e.state("alice"); after != before {
		t.Errorf("refused queries changed\n%s\nto\n%s", before, after)
	}
	// What the routes take still works, escaped or not.
	for _, path := range []string{"/v1/accounts?owner=alice&limit=1", "/v1/accounts?owner=%61lice", "/v1/accounts?",
		"/v1/accounts?&limit=2&", "/v1/transfers?account_id=" + url.QueryEscape("wallet:alice:USD") + "&order=desc"} {
		if status, body := e.raw("GET", path, adminKey, ""); status != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, status, body)
		}
	}
}

// TestPaging lists every listing two items to a page over exactly four items: two pages, the
// first with has_more and a cursor, the last with neither, so that a cursor never leads to an
// empty page.
func TestPaging(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for i := range 4 {
		e.deposit(fmt.Sprint("p-", i), fmt.Sprint("pager-", i), "GOLD", "1")
	}
	for i := range 4 {
		status, body := e.raw("POST", "/v1/transfers", adminKey, fmt.Sprintf(
			`{"id":"r-%d","debit_account_id":"system:world:ETH","credit_account_id":"system:fees:ETH","amount":"1","reference":"four"}`, i))
		if status != http.StatusCreated {
			t.Fatalf("transfer: %d %s", status, body)
		}
	}
	// setup made two keys and three assets.
	for _, add := range []struct{ path, body string }{
		{"/v1/keys", `{"name":"k-3","role":"reader"}`}, {"/v1/keys", `{"name":"k-4","role":"reader"}`},
		{"/v1/assets", `{"code":"EUR","scale":2}`},
	} {
		if status, body := e.raw("POST", add.path, adminKey, add.body); status != http.StatusCreated {
			t.Fatalf("%s: %d %s", add.path, status, body)
		}
	}
	events := e.eventCount()

	for _, l := range []struct {
		name, base, filter, items, next, nextParam string
	}{
		{"accounts", "/v1/accounts", "asset=GOLD&kind=wallet&", "accounts", "next_cursor", "cursor"},
		{"entries", "/v1/accounts/system:fees:ETH/entries", "", "entries", "next_cursor", "cursor"},
		{"transfers", "/v1/transfers", "reference=four&", "transfers", "next_cursor", "cursor"},
		{"transfers of an account", "/v1/transfers", "account_id=system:fees:ETH&", "transfers", "next_cursor", "cursor"},
		{"events", "/v1/events", fmt.Sprintf("after=%d&", events-4), "events", "next_after", "after"},
		{"assets", "/v1/assets", "", "assets", "next_cursor", "cursor"},
		{"keys", "/v1/keys", "", "keys", "next_cursor", "cursor"},
	} {
		t.Run(l.name, func(t *testing.T) {
			query := l.filter
			for page := 1; ; page++ {
				status, body := e.raw("GET", l.base+"?"+query+"limit=2", adminKey, "")
				if status != http.StatusOK {
					t.Fatalf("page %d: %d %s", page, status, body)
				}
				var p map[string]json.RawMessage
				json.Unmarshal(body, &p)
				var items []json.RawMessage
				json.Unmarshal(p[l.items], &items)
				var more bool
				if err := json.Unmarshal(p["has_more"], &more); err != nil {
					t.Fatalf("page %d has no has_more: %s", page, body)
				}
				next, hasNext := p[l.next]
				switch {
				case len(items) != 2:
					t.Fatalf("page %d has %d items, want 2: %s", page, len(items), body)
				case page == 1 && (!more || !hasNext):
					t.Fatalf("the first page says no more follow: %s", body)
				case page == 2 && (more || hasNext):
					t.Fatalf("the last page says more follow: %s", body)
				case page == 2:
					return
				}
				cursor := l.nextParam + "=" + url.QueryEscape(strings.Trim(string(next), `"`)) + "&"
				if l.nextParam == "after" {
					query = cursor
				} else {
					query = l.filter + cursor
				}
			}
		})
	}
}
