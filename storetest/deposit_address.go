package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cofferhq/coffer"
)

func depositAddressStore(t *testing.T, s coffer.Store) coffer.DepositAddressStore {
	t.Helper()
	ds, ok := s.(coffer.DepositAddressStore)
	if !ok {
		t.Fatalf("%T does not implement coffer.DepositAddressStore", s)
	}
	return ds
}

// fakeDerive stands for the XPub: a mixed-case address per index, like an EIP-55 checksummed one.
func fakeDerive(i uint32) (string, error) { return fmt.Sprintf("0xAbCd%036x", i), nil }

func assign(t *testing.T, ds coffer.DepositAddressStore, chain, owner string) (coffer.DepositAddress, bool) {
	t.Helper()
	a, created, err := ds.AssignDepositAddress(t.Context(), chain, owner, fakeDerive)
	if err != nil {
		t.Fatalf("AssignDepositAddress %s %s: %v", chain, owner, err)
	}
	return a, created
}

// testDepositAddresses checks assignment (one index per owner across chains, the next for a new
// owner, idempotent), a derive error storing nothing, the listing's order, filters and cursor,
// and the case-insensitive lookup.
func testDepositAddresses(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	ds := depositAddressStore(t, s)

	boom := errors.New("boom")
	if _, _, err := ds.AssignDepositAddress(ctx, "ethereum", "zed", func(uint32) (string, error) { return "", boom }); !errors.Is(err, boom) {
		t.Fatalf("AssignDepositAddress with a failing derive: %v, want boom", err)
	}

	alice, created := assign(t, ds, "ethereum", "alice")
	if !created || alice.Index != 0 || alice.Address != "0xAbCd"+strings.Repeat("0", 36) || alice.CreatedAt.IsZero() {
		t.Fatalf("alice's first address: %+v created %v, want index 0 (the failed derive took none), created", alice, created)
	}
	again, created := assign(t, ds, "ethereum", "alice")
	if created || again != alice {
		t.Fatalf("alice again: %+v created %v, want %+v not created", again, created, alice)
	}
	bsc, created := assign(t, ds, "bsc", "alice")
	if !created || bsc.Index != 0 || bsc.Address != alice.Address || bsc.Chain != "bsc" {
		t.Fatalf("alice on bsc: %+v created %v, want the same index and address", bsc, created)
	}
	bob, _ := assign(t, ds, "bsc", "bob")
	if bob.Index != 1 {
		t.Fatalf("bob's index %d, want 1", bob.Index)
	}
	bobEth, _ := assign(t, ds, "ethereum", "bob")

	all, err := ds.DepositAddresses(ctx, coffer.DepositAddressFilter{})
	if err != nil {
		t.Fatalf("DepositAddresses: %v", err)
	}
	if want := []coffer.DepositAddress{bsc, alice, bob, bobEth}; !slices.Equal(all, want) {
		t.Fatalf("DepositAddresses:\n got %+v\nwant %+v", all, want)
	}
	page, err := ds.DepositAddresses(ctx, coffer.DepositAddressFilter{After: &coffer.DepositAddressKey{Index: 0, Chain: "ethereum"}, Limit: 1})
	if err != nil || !slices.Equal(page, []coffer.DepositAddress{bob}) {
		t.Fatalf("DepositAddresses after alice's last, limit 1: %+v, %v; want bob's on bsc", page, err)
	}
	mine, err := ds.DepositAddresses(ctx, coffer.DepositAddressFilter{Owner: "bob", Chain: "ethereum"})
	if err != nil || !slices.Equal(mine, []coffer.DepositAddress{bobEth}) {
		t.Fatalf("DepositAddresses of bob on ethereum: %+v, %v", mine, err)
	}

	found, err := ds.LookupDepositAddresses(ctx, "ethereum", []string{strings.ToLower(alice.Address), strings.ToUpper("0x" + bobEth.Address[2:]),
		bsc.Address, "0x" + strings.Repeat("0", 40)})
	if err != nil {
		t.Fatalf("LookupDepositAddresses: %v", err)
	}
	slices.SortFunc(found, func(a, b coffer.DepositAddress) int { return int(a.Index) - int(b.Index) })
	if want := []coffer.DepositAddress{alice, bobEth}; !slices.Equal(found, want) {
		t.Fatalf("LookupDepositAddresses on ethereum:\n got %+v\nwant %+v", found, want)
	}
	many := make([]string, 1200) // more than a query's chunk, where a store chunks
	for i := range many {
		many[i] = fmt.Sprintf("0x%040x", i+1000)
	}
	many[1100] = bob.Address
	many[100] = strings.ToLower(bob.Address) // given twice, in two chunks, answered once
	found, err = ds.LookupDepositAddresses(ctx, "bsc", many)
	if err != nil || !slices.Equal(found, []coffer.DepositAddress{bob}) {
		t.Fatalf("LookupDepositAddresses of 1200: %+v, %v; want bob's", found, err)
	}
	_, err = ds.LookupDepositAddresses(ctx, "bsc", make([]string, coffer.DepositAddressLookupMax+1))
	wantCode(t, "LookupDepositAddresses above the limit", err, coffer.EINVALID)
}

// testDepositAddressRaces checks that concurrent assignments for one owner give one address,
// and that concurrent owners each get an index of their own, without gaps.
func testDepositAddressRaces(t *testing.T, s coffer.Store) {
	ds := depositAddressStore(t, s)
	const n = 8
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		same    []coffer.DepositAddress
		created int
		indexes []int
	)
	for i := range n {
		wg.Go(func() {
			a, c := assign(t, ds, "ethereum", "carol")
			o, _ := assign(t, ds, "ethereum", fmt.Sprintf("owner-%d", i))
			mu.Lock()
			defer mu.Unlock()
			same = append(same, a)
			if c {
				created++
			}
			indexes = append(indexes, int(o.Index))
		})
	}
	wg.Wait()
	if created != 1 {
		t.Errorf("%d of %d concurrent calls for carol created her address, want 1", created, n)
	}
	for _, a := range same[1:] {
		if a != same[0] {
			t.Fatalf("carol has two addresses: %+v and %+v", same[0], a)
		}
	}
	indexes = append(indexes, int(same[0].Index))
	slices.Sort(indexes)
	for i, idx := range indexes {
		if idx != i {
			t.Fatalf("the indexes of %d owners are %v, want 0 to %d once each", n+1, indexes, n)
		}
	}
}
