package walletdemo_test

// docClient speaks the wallet demo's contract as its document (reference 002, "关于本地测试")
// shows it, and nothing of Coffer's code: the paths, the bodies, and answers read as plain
// JSON, numbers kept as their text so that a float would show.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

type docClient struct {
	t      *testing.T
	base   string
	key    string // sent as "Authorization: Bearer"
	header string // if set, the key goes in this header instead
}

// answer is one response: its status and its body decoded with numbers as json.Number.
type answer struct {
	status int
	body   any
	raw    string
}

func (c docClient) do(method, path, body string, headers ...string) answer {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case c.header != "":
		req.Header.Set(c.header, c.key)
	case c.key != "":
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		c.t.Fatalf("%s %s: Content-Type %q, body %s", method, path, ct, raw)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		c.t.Fatalf("%s %s: answer is not JSON: %v: %s", method, path, err, raw)
	}
	return answer{status: resp.StatusCode, body: v, raw: string(raw)}
}

// object returns the answer as an object, checking the status.
func (a answer) object(t *testing.T, status int) map[string]any {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.raw)
	}
	m, ok := a.body.(map[string]any)
	if !ok {
		t.Fatalf("answer is not an object: %s", a.raw)
	}
	return m
}

// array returns the answer as an array of objects, checking the status.
func (a answer) array(t *testing.T, status int) []map[string]any {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.raw)
	}
	items, ok := a.body.([]any)
	if !ok {
		t.Fatalf("answer is not an array: %s", a.raw)
	}
	out := make([]map[string]any, len(items))
	for i, it := range items {
		if out[i], ok = it.(map[string]any); !ok {
			t.Fatalf("item %d is not an object: %s", i, a.raw)
		}
	}
	return out
}

// The document's example session: its requests, as the curl commands send them.
const (
	docHashDeposit  = "bd893a76c1dedb5d41a9c9df4c90df2a41c843c502a9091c827edd3900c975f6"
	docHashWithdraw = "bd893a76c1dedb5d41a9c9df4c90df2a41c843c502a9091c827edd3900c975f5"
)

func (c docClient) createWallet(userID, currency string) answer {
	return c.do("POST", "/api/wallets", `{"user_id": `+userID+`, "currency": "`+currency+`"}`)
}

func (c docClient) deposit(wallet, amount, hash string) answer {
	return c.do("POST", "/api/wallets/"+wallet+"/deposit", `{"amount": `+amount+`, "tx_hash": "`+hash+`"}`, "wallet_id", "1")
}

func (c docClient) withdraw(wallet, amount, hash string) answer {
	return c.do("POST", "/api/wallets/"+wallet+"/withdraw", `{"amount": `+amount+`, "tx_hash": "`+hash+`"}`, "wallet_id", "1")
}

func (c docClient) transactions(wallet, query string) answer {
	return c.do("GET", "/api/wallets/"+wallet+"/transactions"+query, "")
}
