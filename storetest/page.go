package storetest

import (
	"fmt"
	"testing"

	"github.com/cofferhq/coffer"
)

// testPageSize checks every list's default and largest page on more rows than the largest.
func testPageSize(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	const n = coffer.PageSizeMax + 10
	ids := setup(t, s, "alice", "bob")
	c := &coffer.Changes{}
	for i := range n {
		c.NewAccounts = append(c.NewAccounts, wallet(fmt.Sprintf("u%05d", i)))
		c.NewTransfers = append(c.NewTransfers, transfer(fmt.Sprintf("t%05d", i), ids[0], ids[1], 1, i))
		c.Entries = append(c.Entries, entry(ids[1], uint64(i+1), fmt.Sprintf("t%05d", i), 1, i))
		c.Events = append(c.Events, event(fmt.Sprintf("t%05d", i), i))
	}
	save(t, s, c)

	for _, tt := range []struct {
		limit, want int
	}{
		{0, coffer.PageSizeDefault},
		{-1, coffer.PageSizeDefault},
		{7, 7},
		{coffer.PageSizeMax, coffer.PageSizeMax},
		{coffer.PageSizeMax + 1, coffer.ListRowsMax},
		{1 << 30, coffer.ListRowsMax},
	} {
		t.Run(fmt.Sprintf("limit %d", tt.limit), func(t *testing.T) {
			as, err := s.Accounts(ctx, coffer.AccountFilter{Limit: tt.limit})
			if err != nil {
				t.Fatalf("Accounts: %v", err)
			}
			ts, err := s.Transfers(ctx, coffer.TransferFilter{Limit: tt.limit})
			if err != nil {
				t.Fatalf("Transfers: %v", err)
			}
			tas, err := s.AccountTransfers(ctx, coffer.AccountTransferFilter{AccountID: ids[1], Limit: tt.limit, Desc: true})
			if err != nil {
				t.Fatalf("Transfers: %v", err)
			}
			es, err := s.Entries(ctx, coffer.EntryFilter{AccountID: ids[1], Limit: tt.limit})
			if err != nil {
				t.Fatalf("Entries: %v", err)
			}
			evs, err := s.Events(ctx, 0, tt.limit)
			if err != nil {
				t.Fatalf("Events: %v", err)
			}
			for what, got := range map[string]int{
				"Accounts": len(as), "Transfers": len(ts), "Transfers of an account": len(tas),
				"Entries": len(es), "Events": len(evs),
			} {
				if got != tt.want {
					t.Errorf("%s with limit %d: %d rows, want %d", what, tt.limit, got, tt.want)
				}
			}
		})
	}
}
