package main

import (
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/chainview"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/compat/walletdemo"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// TestWalletDemoDepositStates: the crypto deposit endpoint answers each state the chain
// watcher records, on both stores: pending with its confirmations so far, confirmed (two
// deposits of one transaction to the address as one), orphaned and refused as not credited, a
// deposit of another asset or to another owner as paying no one of the wallet. The watcher's
// records and cursor are written into the store as the watcher writes them, so that each state
// is there for certain; TestDevChainWalletDemoCrypto has the watcher itself on the dev chain.
func TestWalletDemoDepositStates(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			store := kind.Open(t)
			cs := store.(chainStore)
			l := ledger.New(store, ledger.Config{})
			t.Cleanup(func() { l.Close() })
			api := httpapi.New(httpapi.Config{Ledger: l, AdminKey: testAdminKey})
			token := common.HexToAddress("0x5FbDB2315678afecb367f032d93F642f64180aa3")
			cfg := chain.Config{Chains: []chain.Chain{{Name: "dev", ID: 1337, Confirmations: 6}},
				Assets: []chain.Asset{{Code: "ETH", Chain: "dev", Decimals: 18}, {Code: "USDT", Chain: "dev", Contract: &token, Decimals: 6}}}
			p := walletdemo.New(walletdemo.Config{Ledger: l, Store: store.(walletdemo.Store),
				Authenticate: func(r *http.Request, need coffer.Role) (string, error) { return api.Authenticate(r, need, "") },
				Chains: walletDemoChains{chains: &chains{config: cfg, view: &chainview.Service{Config: cfg, Store: cs}},
					sends: store.(coffer.SendStore)}})
			for _, rt := range p.Routes() {
				api.Mount(rt.Pattern, rt.Handler)
			}
			srv := httptest.NewServer(api)
			t.Cleanup(srv.Close)
			addr := strings.TrimPrefix(srv.URL, "http://")
			ctx := t.Context()
			for _, a := range []client.CreateAssetRequest{{Code: "USDT", Scale: 6}, {Code: "ETH", Scale: 18}} {
				if _, err := client.New(srv.URL, testAdminKey).CreateAsset(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			if a := demoCall(t, addr, "POST", "/api/wallets", `{"user_id":7,"currency":"USDT"}`); a.status != http.StatusOK {
				t.Fatalf("create wallet: %d %s", a.status, a.body)
			}

			to, other, from := "0x"+strings.Repeat("0", 38)+"a7", "0x"+strings.Repeat("0", 37)+"b0b", "0x"+strings.Repeat("0", 38)+"f0"
			hash := func(b byte) string { return "0x" + strings.Repeat(string("0123456789abcdef"[b]), 64) }
			now := time.Now().UTC().Truncate(time.Microsecond)
			put := func(tx string, pos int, owner, asset string, amount int64, status coffer.DepositStatus, block uint64) {
				t.Helper()
				d := coffer.Deposit{Key: "1337:" + tx + ":" + string(rune('0'+pos)), Chain: "dev", Asset: asset, TxHash: tx,
					From: from, To: to, Owner: owner, Amount: big.NewInt(amount), Status: status,
					BlockNumber: block, BlockHash: hash(byte(block % 16)), CreatedAt: now, UpdatedAt: now}
				if owner != "7" {
					d.To = other
				}
				if status == coffer.DepositOrphaned {
					d.BlockNumber, d.BlockHash, d.ForkedAt = 0, "", block-1
				}
				if status == coffer.DepositRefused {
					d.Reason = "the amount does not fit the ledger"
				}
				if err := cs.PutDeposit(ctx, d); err != nil {
					t.Fatal(err)
				}
			}
			if err := cs.AcceptChainBlock(ctx, coffer.ChainBlock{Chain: "dev", Number: 12, Hash: hash(12), ParentHash: hash(11)}); err != nil {
				t.Fatal(err)
			}
			put(hash(1), 0, "7", "USDT", 2_500_000, coffer.DepositPending, 10) // 3 of 6
			put(hash(2), 0, "7", "USDT", 1_000_000, coffer.DepositConfirmed, 5)
			put(hash(2), 1, "7", "USDT", 250_000, coffer.DepositConfirmed, 5)
			put(hash(3), 0, "7", "USDT", 1_000_000, coffer.DepositOrphaned, 9)
			put(hash(4), 0, "7", "USDT", 1_000_000, coffer.DepositRefused, 4)
			put(hash(5), 0, "7", "ETH", 1_000_000, coffer.DepositConfirmed, 4)
			put(hash(6), 0, "bob", "USDT", 1_000_000, coffer.DepositConfirmed, 4)

			for _, tc := range []struct {
				tx                 string
				status             int
				code, param, words string
			}{
				{hash(1), 409, walletdemo.CodeAwaitingConfirmations, "", "has 3 of the 6 confirmations it needs"},
				{hash(3), 409, "conflict", "", "is orphaned and was not credited: its block was abandoned"},
				{hash(4), 409, "conflict", "", "is refused and was not credited: the amount does not fit the ledger"},
				{hash(5), 400, "invalid", "tx_hash", "pays no USDT to wallet 1's deposit address on chain dev"},
				{hash(6), 400, "invalid", "tx_hash", "pays no USDT to wallet 1's deposit address on chain dev"},
				{hash(7), 404, "not_found", "", "has seen no deposit in transaction"},
			} {
				a := demoCall(t, addr, "POST", "/api/crypto/wallets/1/deposit", `{"tx_hash":"`+tc.tx+`"}`)
				var e demoError
				a.decode(t, &e)
				if a.status != tc.status || e.Code != tc.code || e.Param != tc.param || !strings.Contains(e.Error, tc.words) {
					t.Errorf("%s: %d %s; want %d %s %q", tc.tx[:4], a.status, a.body, tc.status, tc.code, tc.words)
				}
			}
			a := demoCall(t, addr, "POST", "/api/crypto/wallets/1/deposit", `{"tx_hash":"`+hash(2)+`"}`)
			var got walletdemo.CryptoAnswer
			a.decode(t, &got)
			tr := got.Transaction
			if a.status != http.StatusOK || tr.Amount != "1.25" || tr.Status != "completed" || tr.Confirmations != 8 ||
				tr.BlockNumber != 5 || tr.TxHash != hash(2) || tr.ToAddress != common.HexToAddress(to).Hex() {
				t.Fatalf("confirmed: %d %s", a.status, a.body)
			}
		})
	}
}
