package storetest

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/cofferhq/coffer"
)

// accountTransfers saves transfers among three wallets with the entries the ledger would write:
// each transfer's creation entry on both of its accounts, then the entries of a hold's capture
// and of another hold's release, which must not list those transfers a second time. It returns
// the wallets' ids.
func accountTransfers(t *testing.T, s coffer.Store) (a, b, c string) {
	ids := setup(t, s, "a", "b", "c")
	a, b, c = ids[0], ids[1], ids[2]
	seq := map[string]uint64{}
	var es []coffer.Entry
	post := func(tr *coffer.Transfer, phase coffer.Phase, sec int) {
		for _, side := range []struct {
			id   string
			side coffer.Side
		}{{tr.DebitAccountID, coffer.Debit}, {tr.CreditAccountID, coffer.Credit}} {
			seq[side.id]++
			e := entry(side.id, seq[side.id], tr.ID, 1, sec)
			e.Type, e.Phase, e.Side = tr.Type, phase, side.side
			es = append(es, e)
		}
	}
	hold := func(id, debit, credit string, sec int, state coffer.TransferState) *coffer.Transfer {
		tr := transfer(id, debit, credit, 1, sec)
		tr.Type, tr.Pending, tr.State = coffer.TypeHold, true, state
		return tr
	}
	t1, t2, h3 := transfer("t1", a, b, 1, 0), transfer("t2", b, c, 2, 1), hold("h3", c, a, 1, coffer.StatePosted)
	t4, h5, t6 := transfer("t4", a, c, 4, 2), hold("h5", b, a, 3, coffer.StateVoided), transfer("t6", a, b, 6, 3)
	t7 := transfer("t7", c, b, 7, 4)
	t1.Reference, t2.Reference, t4.Reference = "r1", "r2", "r1"
	t2.Type, t4.Type, t6.Type = coffer.TypePayment, coffer.TypePayment, coffer.TypeRefund
	post(t1, coffer.PhasePosted, 0)
	post(t2, coffer.PhasePosted, 1)
	post(h3, coffer.PhasePending, 1)
	post(t4, coffer.PhasePosted, 2)
	post(h5, coffer.PhasePending, 3)
	post(t6, coffer.PhasePosted, 3)
	post(h3, coffer.PhaseReleased, 4)
	post(h3, coffer.PhasePosted, 4)
	post(t7, coffer.PhasePosted, 4)
	post(h5, coffer.PhaseReleased, 5)
	// Saved in reverse, so an order by insertion shows.
	trs := []*coffer.Transfer{t7, t6, h5, t4, h3, t2, t1}
	save(t, s, &coffer.Changes{NewTransfers: trs, Entries: es})
	return a, b, c
}

func testAccountTransfers(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	a, b, c := accountTransfers(t, s)
	type filter = coffer.AccountTransferFilter
	tests := []struct {
		name   string
		filter filter
		want   []string // transfer id and seq
	}{
		{"either side, once", filter{AccountID: a}, []string{"t1@1", "h3@2", "t4@3", "h5@4", "t6@5"}},
		{"desc", filter{AccountID: a, Desc: true}, []string{"t6@5", "h5@4", "t4@3", "h3@2", "t1@1"}},
		{"other account", filter{AccountID: b}, []string{"t1@1", "t2@2", "h5@3", "t6@4", "t7@5"}},
		{"type", filter{AccountID: b, Type: coffer.TypeTransfer}, []string{"t1@1", "t7@5"}},
		{"type hold", filter{AccountID: c, Type: coffer.TypeHold}, []string{"h3@2"}},
		{"reference", filter{AccountID: a, Reference: "r1"}, []string{"t1@1", "t4@3"}},
		{"reference on the other side", filter{AccountID: c, Reference: "r1"}, []string{"t4@3"}},
		{"from to half open", filter{AccountID: c, From: at(1), To: at(4)}, []string{"t2@1", "h3@2", "t4@3"}},
		{"from", filter{AccountID: c, From: at(2)}, []string{"t4@3", "t7@6"}},
		{"after", filter{AccountID: a, AfterSeq: 2}, []string{"t4@3", "h5@4", "t6@5"}},
		{"after desc", filter{AccountID: a, AfterSeq: 4, Desc: true}, []string{"t4@3", "h3@2", "t1@1"}},
		{"after a seq of no creation", filter{AccountID: c, AfterSeq: 4}, []string{"t7@6"}},
		{"limit", filter{AccountID: b, Limit: 2}, []string{"t1@1", "t2@2"}},
		{"limit desc", filter{AccountID: b, Limit: 2, Desc: true}, []string{"t7@5", "t6@4"}},
		{"past the end", filter{AccountID: a, AfterSeq: 5}, nil},
		{"past every seq a store holds", filter{AccountID: a, AfterSeq: math.MaxUint64}, nil},
		{"unknown account", filter{AccountID: "wallet:nobody:USD"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.AccountTransfers(ctx, tt.filter)
			if err != nil {
				t.Fatalf("AccountTransfers: %v", err)
			}
			var ids []string
			for _, at := range got {
				ids = append(ids, fmt.Sprintf("%s@%d", at.Transfer.ID, at.Seq))
			}
			wantIDs(t, fmt.Sprintf("AccountTransfers(%+v)", tt.filter), ids, tt.want)
		})
	}
	t.Run("fields", func(t *testing.T) {
		got, err := s.AccountTransfers(ctx, filter{AccountID: a, Type: coffer.TypeHold, Limit: 1})
		if err != nil {
			t.Fatalf("AccountTransfers: %v", err)
		}
		want := transfer("h3", c, a, 1, 1)
		want.Type, want.Pending, want.State = coffer.TypeHold, true, coffer.StatePosted
		same(t, "AccountTransfers(hold)", got, []coffer.AccountTransfer{{Seq: 2, Transfer: *want}})
	})
	t.Run("paging", func(t *testing.T) {
		for _, desc := range []bool{false, true} {
			f := filter{AccountID: b, Desc: desc}
			whole, err := s.AccountTransfers(ctx, f)
			if err != nil {
				t.Fatalf("AccountTransfers: %v", err)
			}
			var paged []coffer.AccountTransfer
			f.Limit = 2
			for range len(whole) + 1 {
				got, err := s.AccountTransfers(ctx, f)
				if err != nil {
					t.Fatalf("AccountTransfers: %v", err)
				}
				if len(got) == 0 {
					break
				}
				paged = append(paged, got...)
				f.AfterSeq = got[len(got)-1].Seq
			}
			same(t, fmt.Sprintf("pages (desc %v)", desc), paged, whole)
		}
	})
}

// testAccountTransfersLong lists an account of more entries than one page or one of a store's
// read spans holds, whole and filtered, both ways, a page at a time: every transfer once, in
// order, however the store divides its reads.
func testAccountTransfersLong(t *testing.T, s coffer.Store) {
	const n = 2_600
	ids := setup(t, s, "a", "b")
	a, b := ids[0], ids[1]
	c := &coffer.Changes{}
	for i := range n {
		tr := transfer(fmt.Sprintf("t%04d", i), a, b, 1, i/100)
		if i%10 == 3 {
			tr.Type = coffer.TypePayment
		}
		c.NewTransfers = append(c.NewTransfers, tr)
		for _, side := range []string{a, b} {
			e := entry(side, uint64(i+1), tr.ID, 1, i/100)
			e.Type = tr.Type
			c.Entries = append(c.Entries, e)
		}
	}
	save(t, s, c)
	type filter = coffer.AccountTransferFilter
	want := func(desc bool, keep func(i int) bool) []string {
		var out []string
		for i := range n {
			if keep(i) {
				out = append(out, fmt.Sprintf("t%04d@%d", i, i+1))
			}
		}
		if desc {
			slices.Reverse(out)
		}
		return out
	}
	all := func(int) bool { return true }
	tests := []struct {
		name   string
		filter filter
		keep   func(i int) bool
	}{
		{"whole", filter{AccountID: a, Limit: 1000}, all},
		{"whole, pages of 7", filter{AccountID: a, Limit: 7}, all},
		{"type", filter{AccountID: a, Type: coffer.TypePayment, Limit: 100}, func(i int) bool { return i%10 == 3 }},
		{"the last of the period", filter{AccountID: b, From: at(25), Limit: 30}, func(i int) bool { return i >= 2500 }},
		{"a period inside", filter{AccountID: b, From: at(11), To: at(14), Limit: 1000}, func(i int) bool { return i >= 1100 && i < 1400 }},
	}
	for _, tt := range tests {
		for _, desc := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s desc %v", tt.name, desc), func(t *testing.T) {
				f := tt.filter
				f.Desc = desc
				var got []string
				for range n + 1 {
					page, err := s.AccountTransfers(t.Context(), f)
					if err != nil {
						t.Fatalf("AccountTransfers: %v", err)
					}
					for _, at := range page {
						got = append(got, fmt.Sprintf("%s@%d", at.Transfer.ID, at.Seq))
					}
					if len(page) < f.Limit {
						break
					}
					f.AfterSeq = page[len(page)-1].Seq
				}
				wantIDs(t, fmt.Sprintf("AccountTransfers(%+v) in pages", tt.filter), got, want(desc, tt.keep))
			})
		}
	}
}
