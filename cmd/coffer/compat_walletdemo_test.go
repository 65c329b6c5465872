package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeCompat: --compat wallet-demo serves the demo's contract on the API's listener, with
// the key in Authorization or in --compat-key-header's header, and never without one; without
// --compat the paths are not found; a name that is no profile stops serve.
func TestServeCompat(t *testing.T) {
	t.Parallel()
	p := startServer(t, filepath.Join(t.TempDir(), "coffer.db"), testAdminKey,
		"--compat", "wallet-demo", "--compat-key-header", "x-api-key")
	call := func(method, path, body string, header ...string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, "http://"+p.addr+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	bearer := []string{"Authorization", "Bearer " + testAdminKey}
	if code, body := call("POST", "/v1/assets", `{"code":"USD","scale":2}`, bearer...); code != http.StatusCreated {
		t.Fatalf("create USD: %d %s", code, body)
	}
	code, body := call("POST", "/api/wallets", `{"user_id":20241222,"currency":"USD"}`, "X-Api-Key", testAdminKey)
	if code != http.StatusOK || !strings.Contains(body, `"UserID":20241222`) || !strings.Contains(body, `"Balance":"0"`) {
		t.Fatalf("create wallet through the gateway's header: %d %s", code, body)
	}
	if code, body := call("POST", "/api/wallets/1/deposit", `{"amount":"100","tx_hash":"a1"}`, bearer...); code != http.StatusOK ||
		body != `{"message":"deposit successful"}`+"\n" {
		t.Fatalf("deposit: %d %q", code, body)
	}
	if code, body := call("GET", "/api/wallets/1", ""); code != http.StatusUnauthorized || !strings.Contains(body, `"code":"unauthorized"`) {
		t.Fatalf("no key: %d %s", code, body)
	}
	if code, body := call("GET", "/v1/accounts/wallet:20241222:USD", "", bearer...); code != http.StatusOK ||
		!strings.Contains(body, `"balance":"100.00"`) {
		t.Fatalf("/v1 account: %d %s", code, body)
	}
	if code, _ := call("GET", "/compat/wallet-demo/openapi.json", ""); code != http.StatusOK {
		t.Fatalf("the profile's OpenAPI document: %d", code)
	}

	plain := startServer(t, filepath.Join(t.TempDir(), "coffer.db"), testAdminKey)
	req, _ := http.NewRequest("POST", "http://"+plain.addr+"/api/wallets", strings.NewReader(`{"user_id":1,"currency":"USD"}`))
	req.Header.Set("Authorization", "Bearer "+testAdminKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("without --compat, POST /api/wallets: %d, want 404", resp.StatusCode)
	}

	code, _, errOut := runWith(map[string]string{"COFFER_COMPAT": "wallet-demo,nope", "COFFER_ADMIN_KEY": testAdminKey,
		"COFFER_DATABASE": filepath.Join(t.TempDir(), "coffer.db"), "COFFER_LISTEN": "127.0.0.1:0"}, "serve")
	if code != 2 || !strings.Contains(errOut, `"nope", which is not a profile: the profiles are wallet-demo, coin-wallet`) {
		t.Fatalf("COFFER_COMPAT with an unknown name: exit %d, stderr %q", code, errOut)
	}
}
