package storetest

import (
	"math/big"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

func chainReconStore(t *testing.T, s coffer.Store) interface {
	coffer.ChainReconciliationStore
	coffer.SendStore
	coffer.LeaseStore
} {
	t.Helper()
	cs, ok := s.(interface {
		coffer.ChainReconciliationStore
		coffer.SendStore
		coffer.LeaseStore
	})
	if !ok {
		t.Fatalf("%T does not implement coffer.ChainReconciliationStore", s)
	}
	return cs
}

// testChainReconciliations checks a chain reconciliation's round trip with its lines (amounts
// past 2^128 and negative ones exact), a taken id refused without a trace, the listing newest
// first by chain and status with its cursor, and the chain's last one.
func testChainReconciliations(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	cs := chainReconStore(t, s)
	_, err := cs.ChainReconciliation(ctx, "none")
	wantCode(t, "ChainReconciliation of none", err, coffer.ENOTFOUND)
	_, err = cs.LastChainReconciliation(ctx, "dev")
	wantCode(t, "LastChainReconciliation of none", err, coffer.ENOTFOUND)

	huge, _ := new(big.Int).SetString("115792089237316195423570985008687907853269984665640564039457584007913129639935", 10)
	neg := new(big.Int).Neg(huge)
	lines := []coffer.ChainReconLine{
		{Kind: coffer.ChainReconBalance, Address: sendFrom, Asset: "ETH", OnChain: huge, Ledger: big.NewInt(0), Difference: huge},
		{Kind: coffer.ChainReconChainOnly, Address: sendTo, Asset: "USDT", TxHash: "0xab00", OnChain: big.NewInt(-5),
			Ledger: big.NewInt(0), Difference: big.NewInt(-5)},
		{Kind: coffer.ChainReconLedgerOnly, Address: sendTo, Asset: "ETH", TxHash: "0x01", OnChain: big.NewInt(0), Ledger: huge, Difference: neg},
	}
	recs := []coffer.ChainReconciliation{
		{ID: "r1", Chain: "dev", BlockNumber: 10, BlockHash: "0xb10", FromBlock: 1, Status: coffer.ReconMismatched, Addresses: 3,
			Assets: 2, Lines: lines, Omitted: 4, CreatedBy: "key-1", CreatedAt: t0},
		{ID: "r2", Chain: "dev", BlockNumber: 20, BlockHash: "0xb20", FromBlock: 11, Status: coffer.ReconMatched, Addresses: 3,
			Assets: 2, CreatedAt: t0.Add(time.Second)},
		{ID: "r3", Chain: "other", BlockNumber: 5, BlockHash: "0xo5", FromBlock: 1, Status: coffer.ReconMatched, Addresses: 1,
			Assets: 1, CreatedAt: t0.Add(2 * time.Second)},
	}
	for _, r := range recs {
		if err := cs.PutChainReconciliation(ctx, r); err != nil {
			t.Fatalf("PutChainReconciliation %s: %v", r.ID, err)
		}
	}
	taken := recs[1]
	taken.Lines = lines
	wantCode(t, "PutChainReconciliation of a taken id", cs.PutChainReconciliation(ctx, taken), coffer.ECONFLICT)
	got, err := cs.ChainReconciliation(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	want := recs[0]
	if got.ID != want.ID || got.Chain != want.Chain || got.BlockNumber != 10 || got.BlockHash != "0xb10" || got.FromBlock != 1 ||
		got.Status != coffer.ReconMismatched || got.Addresses != 3 || got.Assets != 2 || got.Omitted != 4 ||
		got.CreatedBy != "key-1" || !got.CreatedAt.Equal(t0) || len(got.Lines) != len(lines) {
		t.Fatalf("ChainReconciliation = %+v", got)
	}
	for i, l := range got.Lines {
		w := lines[i]
		if l.Kind != w.Kind || l.Address != w.Address || l.Asset != w.Asset || l.TxHash != w.TxHash ||
			l.OnChain.Cmp(w.OnChain) != 0 || l.Ledger.Cmp(w.Ledger) != 0 || l.Difference.Cmp(w.Difference) != 0 {
			t.Fatalf("line %d = %+v, want %+v", i, l, w)
		}
	}
	if r2, err := cs.ChainReconciliation(ctx, "r2"); err != nil || len(r2.Lines) != 0 {
		t.Fatalf("r2 after a refused put with its id = %+v, %v", r2, err)
	}

	ids := func(f coffer.ChainReconciliationFilter) []string {
		t.Helper()
		list, err := cs.ChainReconciliations(ctx, f)
		if err != nil {
			t.Fatalf("ChainReconciliations(%+v): %v", f, err)
		}
		var out []string
		for _, r := range list {
			if len(r.Lines) != 0 {
				t.Fatalf("a listing carries lines: %+v", r)
			}
			out = append(out, r.ID)
		}
		return out
	}
	wantIDs(t, "all", ids(coffer.ChainReconciliationFilter{}), []string{"r3", "r2", "r1"})
	wantIDs(t, "dev", ids(coffer.ChainReconciliationFilter{Chain: "dev"}), []string{"r2", "r1"})
	wantIDs(t, "matched", ids(coffer.ChainReconciliationFilter{Status: coffer.ReconMatched}), []string{"r3", "r2"})
	wantIDs(t, "after r2", ids(coffer.ChainReconciliationFilter{After: &coffer.ReconciliationCursor{CreatedAt: recs[1].CreatedAt, ID: "r2"}}), []string{"r1"})
	wantIDs(t, "limit", ids(coffer.ChainReconciliationFilter{Limit: 1}), []string{"r3"})
	if last, err := cs.LastChainReconciliation(ctx, "dev"); err != nil || last.ID != "r2" {
		t.Fatalf("LastChainReconciliation = %+v, %v", last, err)
	}
}

// testMinedSendIntents checks that the intents mined in a range of blocks are listed, by block,
// confirmed and failed ones alike, and no other.
func testMinedSendIntents(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	cs := chainReconStore(t, s)
	l, _, err := cs.ClaimLease(ctx, "send:dev", "a", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	fence := coffer.Fence{Lease: l.Name, Token: l.Token}
	for i, c := range []struct {
		id    string
		block uint64
		state coffer.SendState
	}{{"p1", 12, coffer.SendConfirmed}, {"p2", 10, coffer.SendFailed}, {"p3", 30, coffer.SendConfirmed}, {"p4", 0, ""}} {
		if err := cs.CreateSendIntent(ctx, sendIntent(c.id, big.NewInt(5), t0)); err != nil {
			t.Fatal(err)
		}
		a := sendAttempt(c.id, uint64(i), i+1)
		if err := cs.AddSendAttempt(ctx, a, fence); err != nil {
			t.Fatal(err)
		}
		if c.state == "" {
			continue
		}
		in, _ := cs.SendIntent(ctx, c.id)
		in.State, in.TxHash, in.BlockNumber, in.GasUsed, in.Fee = c.state, a.TxHash, c.block, 21_000, big.NewInt(7)
		if err := cs.FinishSendIntent(ctx, in, fence); err != nil {
			t.Fatal(err)
		}
	}
	got, err := cs.MinedSendIntents(ctx, "dev", 10, 29)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "p2" || got[1].ID != "p1" || got[1].BlockNumber != 12 || got[1].Fee.Int64() != 7 ||
		got[0].State != coffer.SendFailed {
		t.Fatalf("MinedSendIntents = %+v", got)
	}
	if got, err := cs.MinedSendIntents(ctx, "other", 0, 100); err != nil || len(got) != 0 {
		t.Fatalf("MinedSendIntents of another chain = %+v, %v", got, err)
	}
}
