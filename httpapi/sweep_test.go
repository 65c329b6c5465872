package httpapi_test

import (
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/payout"
	"github.com/cofferhq/coffer/chain/sweep"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

type sweepStore interface {
	coffer.SendStore
	coffer.LeaseStore
}

// setupSweeps starts a server that sends on the chain dev (ETH, USDT) and puts in, as the
// sweeper does, three intents of the sweeps: alice's USDT sweep (queued) and its gas top-up
// (confirmed), and bob's ETH sweep (abandoned: its destination refused ether). It returns
// their ids newest first.
func setupSweeps(t *testing.T, kind testdb.Kind) (*env, []string) {
	t.Helper()
	store := kind.Open(t)
	usdt := common.HexToAddress("0x1000")
	cfg := chain.Config{
		Chains: []chain.Chain{{Name: "dev", ID: 1337, Confirmations: 3}},
		Assets: []chain.Asset{{Code: "ETH", Chain: "dev", Decimals: 18}, {Code: "USDT", Chain: "dev", Contract: &usdt, Decimals: 6}},
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	hot := common.HexToAddress("0x00000000000000000000000000000000000000a1")
	pl := ledger.New(store, ledger.Config{})
	t.Cleanup(func() { pl.Close() })
	svc, err := payout.New(payout.Config{Chains: cfg, Hot: map[string]common.Address{"dev": hot}, Ledger: pl,
		Store: store.(payout.Store)})
	if err != nil {
		t.Fatal(err)
	}
	e := setupWith(t, store, func(c *httpapi.Config) { c.Payouts = svc })
	ctx := t.Context()
	if _, err := e.admin.CreateAsset(ctx, client.CreateAssetRequest{Code: "USDT", Scale: 6}); err != nil {
		t.Fatal(err)
	}
	ss := store.(sweepStore)
	l, _, err := ss.ClaimLease(ctx, sweep.DutyName("dev"), "test", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	fence := coffer.Fence{Lease: l.Name, Token: l.Token}
	gasWallet := "0x00000000000000000000000000000000000000a2"
	t0 := time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)
	sw := sweep.ID("dev", aliceAddr, "USDT", 3)
	ins := []coffer.SendIntent{
		{ID: sweep.TopUpID(sw), Chain: "dev", From: gasWallet, To: aliceAddr, Asset: "ETH",
			Amount: big.NewInt(500_000_000_000_000), CreatedAt: t0.Add(time.Second)},
		{ID: sweep.ID("dev", bobAddr, "ETH", 2), Chain: "dev", From: bobAddr, To: strings.ToLower(hot.Hex()), Asset: "ETH",
			Amount: big.NewInt(1_999_895_000_000_000_000), CreatedAt: t0.Add(2 * time.Second)},
		{ID: sw, Chain: "dev", From: aliceAddr, To: strings.ToLower(hot.Hex()), Asset: "USDT", Contract: "0x0000000000000000000000000000000000001000",
			Amount: big.NewInt(2_500_000), CreatedAt: t0.Add(3 * time.Second)},
	}
	for _, in := range ins {
		if err := ss.CreateSendIntent(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	top := ins[0]
	a := coffer.SendAttempt{TxHash: txHash(7), IntentID: top.ID, Chain: "dev", From: gasWallet, Nonce: 4, Raw: []byte{2, 7},
		GasFeeCap: big.NewInt(5e9), GasTipCap: big.NewInt(1e9), Gas: 21_000}
	if err := ss.AddSendAttempt(ctx, a, fence); err != nil {
		t.Fatal(err)
	}
	top.State, top.TxHash, top.BlockNumber, top.GasUsed, top.Fee = coffer.SendConfirmed, a.TxHash, 42, 21_000, big.NewInt(21_000*3e9)
	if err := ss.FinishSendIntent(ctx, top, fence); err != nil {
		t.Fatal(err)
	}
	if err := ss.AbandonSendIntent(ctx, ins[1].ID, "the recipient refuses ether: the transfer's estimate reverted", fence); err != nil {
		t.Fatal(err)
	}
	return e, []string{ins[2].ID, ins[1].ID, ins[0].ID}
}

func sweepIDs(ss []client.Sweep) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}

// TestSweeps lists the sweeps and their top-ups through the client: newest first, by state,
// chain and address (either side, any case), paged; one by its id (a top-up's has a slash);
// the payouts' listing leaves them out. Bad input is 400 naming the parameter.
func TestSweeps(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			e, all := setupSweeps(t, kind)
			ctx := t.Context()
			for _, c := range []struct {
				q    client.SweepsQuery
				want []string
			}{
				{client.SweepsQuery{}, all},
				{client.SweepsQuery{Chain: "dev"}, all},
				{client.SweepsQuery{State: "failed"}, all[1:2]},
				{client.SweepsQuery{State: "queued"}, all[:1]},
				{client.SweepsQuery{State: "cancelled"}, []string{}},
				{client.SweepsQuery{Address: "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"}, []string{all[0], all[2]}},
				{client.SweepsQuery{Address: bobAddr}, all[1:2]},
				{client.SweepsQuery{Address: aliceAddr, State: "confirmed"}, all[2:]},
			} {
				page, err := e.reader.Sweeps(ctx, c.q)
				if err != nil {
					t.Fatalf("Sweeps(%+v): %v", c.q, err)
				}
				if got := sweepIDs(page.Sweeps); !slices.Equal(got, c.want) || page.HasMore {
					t.Errorf("Sweeps(%+v) = %v (more %v), want %v", c.q, got, page.HasMore, c.want)
				}
			}
			var paged []string
			q := client.SweepsQuery{Limit: 1}
			for {
				page, err := e.reader.Sweeps(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				paged = append(paged, sweepIDs(page.Sweeps)...)
				if !page.HasMore {
					break
				}
				q.Cursor = page.NextCursor
			}
			if !slices.Equal(paged, all) {
				t.Fatalf("by pages of 1: %v, want %v", paged, all)
			}

			top, err := e.reader.Sweep(ctx, all[2])
			if err != nil {
				t.Fatal(err)
			}
			if top.Kind != "gas_topup" || top.Sweep != all[0] || top.State != "confirmed" || top.Amount != "0.000500000000000000" ||
				top.Fee != "0.000063000000000000" || top.FeeAsset != "ETH" || top.TxHash != txHash(7) || top.BlockNumber != 42 ||
				top.GasUsed != 21_000 || top.Nonce == nil || *top.Nonce != 4 {
				t.Fatalf("the top-up: %+v", top)
			}
			bob, err := e.reader.Sweep(ctx, all[1])
			if err != nil {
				t.Fatal(err)
			}
			if bob.Kind != "sweep" || bob.Sweep != bob.ID || bob.State != "failed" || bob.Amount != "1.999895000000000000" ||
				!strings.Contains(bob.Reason, "refuses ether") || bob.Nonce != nil || bob.TxHash != "" || bob.Fee != "" {
				t.Fatalf("the abandoned sweep: %+v", bob)
			}
			alice, err := e.reader.Sweep(ctx, all[0])
			if err != nil || alice.Amount != "2.500000" || alice.State != "queued" || alice.Nonce != nil {
				t.Fatalf("alice's sweep: %+v, %v", alice, err)
			}
			_, err = e.reader.Sweep(ctx, "sweep/dev:nope")
			wantCode(t, err, coffer.ENOTFOUND)

			// The payouts are not the sweeps.
			payouts, err := e.reader.Payouts(ctx, client.PayoutsQuery{})
			if err != nil || len(payouts.Payouts) != 0 {
				t.Fatalf("payouts %+v, %v", payouts, err)
			}
			_, err = e.reader.Payout(ctx, all[0])
			wantCode(t, err, coffer.ENOTFOUND)

			wantBadQueries(t, e, "/v1/sweeps", []badQuery{
				{"unknown state", "state=done", "state"},
				{"short address", "address=0x9858", "address"},
				{"wrong checksum", "address=0x9858efFD232B4033E47d90003D41EC34EcaEda94", "address"},
				{"unknown chain", "chain=mars", "chain"},
				{"limit", "limit=0", "limit"},
				{"cursor", "cursor=bm9wZQ", "cursor"},
				{"unknown parameter", "owner=alice", "owner"},
			})
			status, raw := e.raw("GET", "/v1/sweeps", "", "")
			wantEnvelope(t, status, raw, 401, coffer.EUNAUTHORIZED)
		})
	}
}

// A server that sends on no chain keeps no sweeps, and says so.
func TestSweepsUnavailable(t *testing.T) {
	t.Parallel()
	e := setupWith(t, testdb.SQLite(t), nil)
	for _, path := range []string{"/v1/sweeps", "/v1/sweeps/sweep%2Fdev:x"} {
		status, raw := e.raw("GET", path, adminKey, "")
		wantEnvelope(t, status, raw, 503, coffer.EUNAVAILABLE)
	}
}
