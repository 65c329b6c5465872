package storetest

import (
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strings"
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

// testDepositListing checks ListDeposits: newest first (ties by key, descending), each filter
// alone and together, and paging by the cursor through every row once.
func testDepositListing(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	cs := chainWatchStore(t, s)
	if got, err := cs.ListDeposits(ctx, coffer.DepositQuery{}); err != nil || len(got) != 0 {
		t.Fatalf("ListDeposits of none = %+v, %v", got, err)
	}
	var all []coffer.Deposit
	owners := []string{"alice", "bob", "carol"}
	statuses := []coffer.DepositStatus{coffer.DepositPending, coffer.DepositConfirmed, coffer.DepositOrphaned, coffer.DepositRefused}
	for i := range 24 {
		chain, id, asset := "dev", 1337, "USDT"
		if i%4 == 3 {
			chain, id, asset = "ethereum", 1, "ETH"
		}
		d := coffer.Deposit{
			Key: fmt.Sprintf("%d:0x%064x:%d", id, i/2, i%2), Chain: chain, Asset: asset,
			TxHash: fmt.Sprintf("0x%064x", i/2), From: "0xf", To: fmt.Sprintf("0x%040x", i%5),
			Owner: owners[i%3], Amount: big.NewInt(int64(i + 1)), Status: statuses[i%4],
			BlockNumber: uint64(i + 1), BlockHash: fmt.Sprintf("0x%064x", i+1),
			// Three deposits share each time, so that the key orders them.
			CreatedAt: at(i / 3), UpdatedAt: at(i / 3),
		}
		if err := cs.PutDeposit(ctx, d); err != nil {
			t.Fatalf("PutDeposit %s: %v", d.Key, err)
		}
		all = append(all, d)
	}
	slices.SortFunc(all, func(a, b coffer.Deposit) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.Key, a.Key)
	})
	queries := []coffer.DepositQuery{
		{},
		{Chain: "ethereum"},
		{Asset: "USDT"},
		{Owner: "bob"},
		{Address: fmt.Sprintf("0x%040x", 2)},
		{TxHash: fmt.Sprintf("0x%064x", 4)},
		{Status: coffer.DepositConfirmed},
		{Chain: "dev", Owner: "alice", Status: coffer.DepositPending},
		{Owner: "nobody"},
	}
	for _, q := range queries {
		var want []string
		for _, d := range all {
			if (q.Chain == "" || d.Chain == q.Chain) && (q.Asset == "" || d.Asset == q.Asset) &&
				(q.Owner == "" || d.Owner == q.Owner) && (q.Address == "" || d.To == q.Address) &&
				(q.TxHash == "" || d.TxHash == q.TxHash) && (q.Status == "" || d.Status == q.Status) {
				want = append(want, d.Key)
			}
		}
		got, err := cs.ListDeposits(ctx, q)
		if err != nil || !slices.Equal(depositKeys(got), want) {
			t.Fatalf("ListDeposits %+v = %v, %v\nwant %v", q, depositKeys(got), err, want)
		}
		var paged []string
		for page := q; ; {
			page.Limit = 2
			got, err := cs.ListDeposits(ctx, page)
			if err != nil {
				t.Fatalf("ListDeposits %+v: %v", page, err)
			}
			paged = append(paged, depositKeys(got)...)
			if len(got) < 2 || len(paged) > len(all) {
				break
			}
			last := got[len(got)-1]
			page.Before = &coffer.DepositCursor{CreatedAt: last.CreatedAt, Key: last.Key}
		}
		if !slices.Equal(paged, want) {
			t.Fatalf("ListDeposits %+v by pages of 2 = %v\nwant %v", q, paged, want)
		}
	}
	got, err := cs.ListDeposits(ctx, coffer.DepositQuery{Limit: 1})
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], all[0]) {
		t.Fatalf("ListDeposits limit 1 = %+v, %v\nwant %+v", got, err, all[0])
	}
}

func depositKeys(ds []coffer.Deposit) []string {
	keys := make([]string, len(ds))
	for i, d := range ds {
		keys[i] = d.Key
	}
	return keys
}
