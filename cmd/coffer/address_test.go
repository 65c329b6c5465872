package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/address"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/internal/chaintest"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/sqlite"
)

// setupDeposits starts an API server with deposit addresses from the BIP39 test mnemonic on
// the chain dev (ETH) and bsc (BNB): serve configures no chains yet, so the test builds the
// server itself. It returns the server with an operator key and a reader key.
func setupDeposits(t *testing.T) (s *server, operatorKey, readerKey string) {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "coffer.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	xpub := chaintest.XPub(t)
	cfg := chain.Config{
		Chains: []chain.Chain{{Name: "dev", ID: 1337}, {Name: "bsc", ID: 56}},
		Assets: []chain.Asset{{Code: "ETH", Chain: "dev", Decimals: 18}, {Code: "BNB", Chain: "bsc", Decimals: 18}},
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	l := ledger.New(store, ledger.Config{Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { l.Close() })
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Ledger: l, AdminKey: testAdminKey, Logger: slog.New(slog.DiscardHandler),
		DepositAddresses: &address.Service{Config: cfg, Keys: xpub, Store: store}}))
	t.Cleanup(srv.Close)
	admin := client.New(srv.URL, testAdminKey)
	op, err := admin.CreateKey(t.Context(), client.CreateKeyRequest{Name: "ops", Role: "operator"})
	if err != nil {
		t.Fatal(err)
	}
	rd, err := admin.CreateKey(t.Context(), client.CreateKeyRequest{Name: "reports", Role: "reader"})
	if err != nil {
		t.Fatal(err)
	}
	return &server{t: t, addr: strings.TrimPrefix(srv.URL, "http://")}, op.Secret, rd.Secret
}

func TestAddressCommands(t *testing.T) {
	s, operatorKey, readerKey := setupDeposits(t)

	code, out, errOut := s.as(operatorKey, "address", "1001", "--chain", "dev")
	if code != 0 || !strings.Contains(out, "0x9858EfFD232B4033E47d90003D41EC34EcaEda94") || !strings.Contains(out, "dev") {
		t.Fatalf("address 1001 --chain dev: exit %d, stdout %q, stderr %q; want the golden address", code, out, errOut)
	}
	var a client.DepositAddress
	s.json(&a, "address", "1001", "--asset", "BNB")
	if a.Chain != "bsc" || a.Address != "0x9858EfFD232B4033E47d90003D41EC34EcaEda94" || a.Index != 0 {
		t.Fatalf("address 1001 --asset BNB: %+v; want the same address on bsc", a)
	}
	s.ok("address", "1002", "--chain", "dev")

	var page client.DepositAddressPage
	code, out, errOut = s.as(readerKey, "addresses", "1001", "--json")
	if code != 0 {
		t.Fatalf("addresses 1001: exit %d, stderr %q", code, errOut)
	}
	if err := json.Unmarshal([]byte(out), &page); err != nil || len(page.Addresses) != 2 || page.Addresses[0].Chain != "bsc" || page.Addresses[1].Chain != "dev" {
		t.Fatalf("addresses 1001: %q (%v); want bsc and dev", out, err)
	}
	out = s.ok("addresses", "1002", "--limit", "1")
	if !strings.Contains(out, "CHAIN") || !strings.Contains(out, "1002") {
		t.Fatalf("addresses 1002 as text: %q", out)
	}

	s.fails(operatorKey, 1, "mars", "address", "1001", "--chain", "mars")
	s.fails(operatorKey, 1, "a chain or an asset is required", "address", "1001")
	s.fails(readerKey, 1, "forbidden", "address", "1003", "--chain", "dev")
}
