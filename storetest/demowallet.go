package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

// testDemoWallets checks the wallet demo profile's numbers: one per owner and asset, kept
// across calls and concurrent callers, found by number, never reused; and reconciliation
// numbers that grow.
func testDemoWallets(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	ds, ok := s.(coffer.DemoWalletStore)
	if !ok {
		t.Fatalf("%T does not implement coffer.DemoWalletStore", s)
	}
	at := time.Date(2024, 12, 22, 9, 15, 24, 996000, time.UTC)
	a, created, err := ds.PutDemoWallet(ctx, "20241222", "USD", at)
	if err != nil || !created || a.ID == 0 || a.Owner != "20241222" || a.Asset != "USD" || !a.CreatedAt.Equal(at) {
		t.Fatalf("PutDemoWallet = %+v, %v, %v; want a new wallet numbered above 0", a, created, err)
	}
	if got := a.AccountID(); got != "wallet:20241222:USD" {
		t.Fatalf("AccountID = %q", got)
	}
	again, created, err := ds.PutDemoWallet(ctx, "20241222", "USD", at.Add(time.Hour))
	if err != nil || created || again != a {
		t.Fatalf("PutDemoWallet again = %+v, %v, %v; want %+v, not new", again, created, err, a)
	}
	// Concurrent callers for one new wallet all get the one number.
	var wg sync.WaitGroup
	ids := make([]uint64, 8)
	news := make([]bool, 8)
	for i := range ids {
		wg.Go(func() {
			w, isNew, err := ds.PutDemoWallet(ctx, "7", "EUR", at)
			if err != nil {
				t.Errorf("PutDemoWallet concurrently: %v", err)
			}
			ids[i], news[i] = w.ID, isNew
		})
	}
	wg.Wait()
	newCount := 0
	for i := range ids {
		if ids[i] != ids[0] {
			t.Fatalf("concurrent PutDemoWallet gave numbers %v; want one", ids)
		}
		if news[i] {
			newCount++
		}
	}
	if newCount != 1 || ids[0] == a.ID {
		t.Fatalf("concurrent PutDemoWallet: %d new, number %d (first wallet %d); want exactly one new, another number", newCount, ids[0], a.ID)
	}
	got, err := ds.DemoWallet(ctx, a.ID)
	if err != nil || got != a {
		t.Fatalf("DemoWallet(%d) = %+v, %v; want %+v", a.ID, got, err, a)
	}
	for _, id := range []uint64{0, 999_999, 1 << 63, 1<<64 - 1} {
		if _, err := ds.DemoWallet(ctx, id); coffer.ErrorCode(err) != coffer.ENOTFOUND {
			t.Fatalf("DemoWallet(%d) error = %v; want not_found", id, err)
		}
	}
	r1, err := ds.AddDemoReconciliation(ctx, a.ID, at)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := ds.AddDemoReconciliation(ctx, a.ID, at)
	if err != nil || r2 <= r1 || r1 == 0 {
		t.Fatalf("AddDemoReconciliation = %d then %d, %v; want growing numbers above 0", r1, r2, err)
	}
}
