package walletdemo_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/compat/walletdemo"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// BenchmarkDeposit measures a deposit through the profile against the same deposit through
// /v1, on one server and one SQLite store, one request at a time: what the translation costs
// (the wallet's number read, the demo's answer) beside the ledger's write.
func BenchmarkDeposit(b *testing.B) {
	store := testdb.SQLite(b)
	l := ledger.New(store, ledger.Config{})
	b.Cleanup(func() { l.Close() })
	api := httpapi.New(httpapi.Config{Ledger: l, AdminKey: adminKey})
	p := walletdemo.New(walletdemo.Config{Ledger: l, Store: store.(walletdemo.Store),
		Authenticate: func(r *http.Request, need coffer.Role) (string, error) { return api.Authenticate(r, need, "") }})
	for _, rt := range p.Routes() {
		api.Mount(rt.Pattern, rt.Handler)
	}
	srv := httptest.NewServer(api)
	b.Cleanup(srv.Close)
	ctx := context.Background()
	if _, err := client.New(srv.URL, adminKey).CreateAsset(ctx, client.CreateAssetRequest{Code: "USD", Scale: 2}); err != nil {
		b.Fatal(err)
	}
	post := func(path, body string) {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+adminKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			b.Fatalf("POST %s: %d", path, resp.StatusCode)
		}
	}
	post("/api/wallets", `{"user_id":1,"currency":"USD"}`)
	n := 0
	b.Run("v1", func(b *testing.B) {
		for b.Loop() {
			n++
			post("/v1/deposits", fmt.Sprintf(`{"id":"v1-%d","owner":"1","asset":"USD","amount":"1.00"}`, n))
		}
	})
	b.Run("walletdemo", func(b *testing.B) {
		for b.Loop() {
			n++
			post("/api/wallets/1/deposit", fmt.Sprintf(`{"amount":"1.00","tx_hash":"h-%d"}`, n))
		}
	})
}
