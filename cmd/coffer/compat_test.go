package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serveCompat runs the server on database with the coin wallet profile on until the test ends,
// and returns its address, or the error it stopped with at start.
func serveCompat(t *testing.T, database string) (string, error) {
	t.Helper()
	cfg := Config{Listen: "127.0.0.1:0", Database: database, AdminKey: testAdminKey, ExpiryInterval: time.Hour,
		ShutdownTimeout: 10 * time.Second, Compat: []string{"coin-wallet"}, CompatKeyHeader: "X-Api-Key"}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- runServer(ctx, cfg, slog.New(slog.DiscardHandler), ready) }()
	select {
	case addr := <-ready:
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("server: %v", err)
			}
		})
		return addr, nil
	case err := <-done:
		cancel()
		return "", err
	}
}

// TestServeCoinWallet: serve --compat coin-wallet makes the coin assets and serves the
// contract with the key in the gateway's header; started again on the same database it finds
// the assets made, and a GOLD of another scale stops it with the reason.
func TestServeCoinWallet(t *testing.T) {
	db := filepath.Join(t.TempDir(), "coffer.db")
	for range 2 {
		addr, err := serveCompat(t, db)
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/wallet/v1/detail?uid=1001&platform=ios", nil)
		req.Header.Set("X-Api-Key", testAdminKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"spendable_gold":0`) {
			t.Fatalf("detail: %d %s", resp.StatusCode, body)
		}
	}

	s := setup(t) // GOLD at scale 0, as the profile makes it
	s.ok("asset-create", "--code", "SILVER", "--scale", "2")
	_, err := serveCompat(t, s.database)
	if err == nil || !strings.Contains(err.Error(), "SILVER") || !strings.Contains(err.Error(), "--compat coin-wallet") {
		t.Fatalf("serve on a database with SILVER at scale 2: %v, want an error naming the asset and the profile", err)
	}
}
