package storetest

import (
	"fmt"
	"math/big"
	"reflect"
	"testing"

	"github.com/cofferhq/coffer"
)

func chainWatchStore(t *testing.T, s coffer.Store) coffer.ChainWatchStore {
	t.Helper()
	cs, ok := s.(coffer.ChainWatchStore)
	if !ok {
		t.Fatalf("%T does not implement coffer.ChainWatchStore", s)
	}
	return cs
}

func chainBlock(chain string, n uint64) coffer.ChainBlock {
	return coffer.ChainBlock{Chain: chain, Number: n, Hash: fmt.Sprintf("0x%064x", n), ParentHash: fmt.Sprintf("0x%064x", n-1)}
}

// testChainBlocks checks the watcher's blocks: the top, a taken number, abandon and prune, each
// chain apart.
func testChainBlocks(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	cs := chainWatchStore(t, s)
	_, err := cs.ChainTop(ctx, "dev")
	wantCode(t, "ChainTop of an empty chain", err, coffer.ENOTFOUND)
	for n := uint64(1); n <= 10; n++ {
		if err := cs.AcceptChainBlock(ctx, chainBlock("dev", n)); err != nil {
			t.Fatalf("AcceptChainBlock %d: %v", n, err)
		}
	}
	if err := cs.AcceptChainBlock(ctx, chainBlock("other", 99)); err != nil {
		t.Fatalf("AcceptChainBlock other: %v", err)
	}
	wantCode(t, "AcceptChainBlock twice", cs.AcceptChainBlock(ctx, chainBlock("dev", 5)), coffer.ECONFLICT)
	top, err := cs.ChainTop(ctx, "dev")
	if err != nil || top != chainBlock("dev", 10) {
		t.Fatalf("ChainTop = %+v, %v; want block 10", top, err)
	}
	if err := cs.AbandonChainBlocks(ctx, "dev", 7); err != nil {
		t.Fatalf("AbandonChainBlocks: %v", err)
	}
	if err := cs.PruneChainBlocks(ctx, "dev", 3); err != nil {
		t.Fatalf("PruneChainBlocks: %v", err)
	}
	bs, err := cs.ChainBlocks(ctx, "dev", 0)
	if err != nil {
		t.Fatalf("ChainBlocks: %v", err)
	}
	var want []coffer.ChainBlock
	for n := uint64(3); n <= 7; n++ {
		want = append(want, chainBlock("dev", n))
	}
	if !reflect.DeepEqual(bs, want) {
		t.Fatalf("ChainBlocks = %+v\nwant %+v", bs, want)
	}
	if bs, err := cs.ChainBlocks(ctx, "dev", 6); err != nil || len(bs) != 2 || bs[0].Number != 6 {
		t.Fatalf("ChainBlocks from 6 = %+v, %v", bs, err)
	}
	if top, err := cs.ChainTop(ctx, "other"); err != nil || top.Number != 99 {
		t.Fatalf("ChainTop other = %+v, %v", top, err)
	}
}

// testDeposits checks deposits: exact amounts beyond 64 bits, the upsert by key keeping the
// first CreatedAt, the listing by status and block.
func testDeposits(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	cs := chainWatchStore(t, s)
	_, err := cs.Deposit(ctx, "1337:0xnone:0")
	wantCode(t, "Deposit", err, coffer.ENOTFOUND)
	huge, _ := new(big.Int).SetString("115792089237316195423570985008687907853269984665640564039457584007913129639935", 10)
	ds := []coffer.Deposit{
		{Key: "1337:0xa:0", Chain: "dev", Asset: "USDT", TxHash: "0xa", From: "0xf", To: "0xt", Owner: "alice",
			Amount: big.NewInt(1_500_000), Status: coffer.DepositPending, BlockNumber: 5, BlockHash: "0xb5", CreatedAt: t0, UpdatedAt: t0},
		{Key: "1337:0xb:native", Chain: "dev", Asset: "ETH", TxHash: "0xb", From: "0xf", To: "0xt", Owner: "bob",
			Amount: new(big.Int).Lsh(big.NewInt(1), 100), Status: coffer.DepositPending, BlockNumber: 3, BlockHash: "0xb3", CreatedAt: t0, UpdatedAt: t0},
		{Key: "1337:0xc:0", Chain: "dev", Asset: "USDT", TxHash: "0xc", To: "0xt", Owner: "bob", Amount: huge,
			Status: coffer.DepositRefused, BlockNumber: 4, BlockHash: "0xb4", Reason: "too large", CreatedAt: t0, UpdatedAt: t0},
		{Key: "1:0xd:0", Chain: "ethereum", Asset: "USDT", TxHash: "0xd", To: "0xt", Owner: "bob", Amount: big.NewInt(1),
			Status: coffer.DepositPending, BlockNumber: 9, BlockHash: "0xb9", CreatedAt: t0, UpdatedAt: t0},
	}
	for _, d := range ds {
		if err := cs.PutDeposit(ctx, d); err != nil {
			t.Fatalf("PutDeposit %s: %v", d.Key, err)
		}
	}
	for _, d := range ds {
		got, err := cs.Deposit(ctx, d.Key)
		if err != nil || !reflect.DeepEqual(got, d) {
			t.Fatalf("Deposit %s = %+v, %v\nwant %+v", d.Key, got, err, d)
		}
	}
	moved := ds[0]
	moved.BlockNumber, moved.BlockHash, moved.ForkedAt = 0, "", 4
	moved.CreatedAt, moved.UpdatedAt = at(60), at(60)
	if err := cs.PutDeposit(ctx, moved); err != nil {
		t.Fatalf("PutDeposit again: %v", err)
	}
	moved.CreatedAt = t0
	if got, err := cs.Deposit(ctx, moved.Key); err != nil || !reflect.DeepEqual(got, moved) {
		t.Fatalf("Deposit after update = %+v, %v\nwant %+v", got, err, moved)
	}
	got, err := cs.Deposits(ctx, coffer.DepositFilter{Chain: "dev", Status: coffer.DepositPending})
	if err != nil || len(got) != 2 || got[0].Key != moved.Key || got[1].Key != ds[1].Key {
		t.Fatalf("Deposits pending = %+v, %v; want %s then %s", got, err, moved.Key, ds[1].Key)
	}
	got, err = cs.Deposits(ctx, coffer.DepositFilter{Chain: "dev", Status: coffer.DepositPending, BlockFrom: 1})
	if err != nil || len(got) != 1 || got[0].Key != ds[1].Key {
		t.Fatalf("Deposits pending from block 1 = %+v, %v; want %s", got, err, ds[1].Key)
	}
}
