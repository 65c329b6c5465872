package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/chainview"
	"github.com/cofferhq/coffer/chain/watch"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/sqlite"
)

// TestChainWatchCommands lists deposits and chains from a server that watches the chain dev,
// whose watcher's deposits, cursor and lease the test puts in through the store: serve wires
// no chains yet, so the test builds the server itself.
func TestChainWatchCommands(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "coffer.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	cfg := chain.Config{
		Chains: []chain.Chain{{Name: "dev", ID: 1337, Confirmations: 3, RPC: []string{"https://u:secret-pw@node.example/key123456"}}},
		Assets: []chain.Asset{{Code: "ETH", Chain: "dev", Decimals: 18}},
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	l := ledger.New(store, ledger.Config{Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { l.Close() })
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Ledger: l, AdminKey: testAdminKey, Logger: slog.New(slog.DiscardHandler),
		Chains: &chainview.Service{Config: cfg, Store: store, Leases: store}}))
	t.Cleanup(srv.Close)
	rd, err := client.New(srv.URL, testAdminKey).CreateKey(ctx, client.CreateKeyRequest{Name: "reports", Role: "reader"})
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, addr: strings.TrimPrefix(srv.URL, "http://")}

	if err := store.AcceptChainBlock(ctx, coffer.ChainBlock{Chain: "dev", Number: 20, Hash: "0x14", ParentHash: "0x13"}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 5, 20, 0, 0, 0, time.UTC)
	for i, owner := range []string{"alice", "bob"} {
		tx := fmt.Sprintf("0x%064x", i+1)
		if err := store.PutDeposit(ctx, coffer.Deposit{Key: "1337:" + tx + ":native", Chain: "dev", Asset: "ETH", TxHash: tx,
			From: "0x71c7656ec7ab88b098defb751b7401b5f6d8976f", To: "0x9858effd232b4033e47d90003d41ec34ecaeda94", Owner: owner,
			Amount: big.NewInt(25e16), Status: coffer.DepositPending, BlockNumber: 19, BlockHash: "0x13",
			CreatedAt: at.Add(time.Duration(i) * time.Second), UpdatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	progress, _ := json.Marshal(watch.Progress{Chain: "dev", Block: 20, Head: 24, At: at})
	if _, _, err := store.ClaimLease(ctx, watch.DutyName("dev"), "app-1/42/x", time.Minute, progress); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := s.as(rd.Secret, "deposits", "--owner", "alice", "--status", "pending", "--chain", "dev", "--asset", "ETH",
		"--address", "0x9858EfFD232B4033E47d90003D41EC34EcaEda94", "--tx", fmt.Sprintf("0x%064x", 1))
	if code != 0 || !strings.Contains(out, "CONFIRMATIONS") || !strings.Contains(out, "0.250000000000000000 ETH") ||
		!strings.Contains(out, "2/3") || !strings.Contains(out, "0x9858EfFD232B4033E47d90003D41EC34EcaEda94") || strings.Contains(out, "bob") {
		t.Fatalf("deposits: exit %d, stdout %q, stderr %q; want alice's deposit at 2 of 3 confirmations", code, out, errOut)
	}
	var page client.ChainDepositPage
	s.json(&page, "deposits", "--limit", "1")
	if len(page.Deposits) != 1 || page.Deposits[0].Owner != "bob" || !page.HasMore {
		t.Fatalf("deposits --limit 1: %+v; want bob's, newest, and more", page)
	}
	out = s.ok("deposits", "--limit", "1", "--cursor", page.NextCursor)
	if !strings.Contains(out, "alice") || strings.Contains(out, "more:") {
		t.Fatalf("the second page: %q", out)
	}
	s.fails(rd.Secret, 1, "checksum", "deposits", "--address", "0x9858efFD232B4033E47d90003D41EC34EcaEda94")

	out = s.ok("chains")
	if !strings.Contains(out, "LAG") || !strings.Contains(out, "running on app-1/42/x") || !strings.Contains(out, "dev") ||
		!strings.Contains(out, "24") {
		t.Fatalf("chains: %q", out)
	}
	out = s.ok("chains", "--json")
	if strings.Contains(out, "secret-pw") || strings.Contains(out, "key123456") || !strings.Contains(out, `"lag": 4`) {
		t.Fatalf("chains --json: %s", out)
	}
	s.fails(rd.Secret, 1, "forbidden", "chains")
}
