package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

func testEntryRoundTrip(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	world := account(coffer.KindSystem, coffer.OwnerWorld, "USD")
	ids := setup(t, s, "alice")
	save(t, s, &coffer.Changes{NewAccounts: []*coffer.Account{world}})
	tr := transfer("dep-1", world.ID, ids[0], 0, 0)
	tr.Amount = amountMax
	want := []coffer.Entry{
		{
			AccountID: world.ID, Seq: 1, TransferID: tr.ID, Type: coffer.TypeDeposit,
			Phase: coffer.PhasePosted, Side: coffer.Debit, Amount: amountMax,
			BalanceBefore: amount(0), BalanceAfter: amountMin,
			AvailableBefore: amount(-1), AvailableAfter: amountMin,
			CreatedAt: t0,
		},
		{
			AccountID: world.ID, Seq: 2, TransferID: "hold-1", Type: coffer.TypeHold,
			Phase: coffer.PhasePending, Side: coffer.Credit, Amount: amount2e64,
			BalanceBefore: amountMin, BalanceAfter: coffer.MustMinor("-18446744073709551617"),
			AvailableBefore: amount(-9223372036854775807), AvailableAfter: amount(-1),
			CreatedAt: t0.Add(time.Microsecond),
		},
		{
			AccountID: world.ID, Seq: 3, TransferID: "hold-1", Type: coffer.TypeHold,
			Phase: coffer.PhaseReleased, Side: coffer.Credit, Amount: amount(1),
			BalanceBefore: amount(0), BalanceAfter: amount(0),
			AvailableBefore: amount(0), AvailableAfter: amount(0),
			CreatedAt: at(1),
		},
		{
			AccountID: ids[0], Seq: 1, TransferID: tr.ID, Type: coffer.TypeDeposit,
			Phase: coffer.PhasePosted, Side: coffer.Credit, Amount: amountMax,
			BalanceBefore: amount(0), BalanceAfter: amountMax,
			AvailableBefore: amount(0), AvailableAfter: amountMax,
			CreatedAt: t0,
		},
	}
	save(t, s, &coffer.Changes{NewTransfers: []*coffer.Transfer{tr}, Entries: want})

	got, err := s.Entries(ctx, coffer.EntryFilter{AccountID: world.ID})
	if err != nil {
		t.Fatalf("Entries: %v", err)
	}
	same(t, "Entries(world)", got, want[:3])
	got, err = s.Entries(ctx, coffer.EntryFilter{AccountID: ids[0]})
	if err != nil {
		t.Fatalf("Entries: %v", err)
	}
	same(t, "Entries(alice)", got, want[3:])
}

func testEntryFilter(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	ids := setup(t, s, "a", "b")
	a, b := ids[0], ids[1]
	types := []coffer.TransferType{"", coffer.TypeDeposit, coffer.TypeTransfer, coffer.TypePayment,
		coffer.TypeTransfer, coffer.TypeHold, coffer.TypeTransfer, coffer.TypePayment}
	secs := []int{0, 0, 1, 1, 2, 3, 4, 5}
	var es []coffer.Entry
	for seq := 7; seq >= 1; seq-- { // inserted in reverse, so an order by insertion shows
		e := entry(a, uint64(seq), fmt.Sprintf("t%d", seq), int64(seq), secs[seq])
		e.Type = types[seq]
		es = append(es, e)
	}
	es = append(es, entry(b, 1, "t1", 1, 0), entry(b, 2, "t2", 1, 1))
	save(t, s, &coffer.Changes{Entries: es})

	type filter = coffer.EntryFilter
	tests := []struct {
		name   string
		filter filter
		want   []uint64
	}{
		{"all", filter{AccountID: a}, []uint64{1, 2, 3, 4, 5, 6, 7}},
		{"desc", filter{AccountID: a, Desc: true}, []uint64{7, 6, 5, 4, 3, 2, 1}},
		{"type", filter{AccountID: a, Type: coffer.TypeTransfer}, []uint64{2, 4, 6}},
		{"type desc", filter{AccountID: a, Type: coffer.TypeTransfer, Desc: true}, []uint64{6, 4, 2}},
		{"from to half open", filter{AccountID: a, From: at(1), To: at(3)}, []uint64{2, 3, 4}},
		{"from", filter{AccountID: a, From: at(4)}, []uint64{6, 7}},
		{"to", filter{AccountID: a, To: at(1)}, []uint64{1}},
		{"after seq", filter{AccountID: a, AfterSeq: 3}, []uint64{4, 5, 6, 7}},
		{"after seq desc", filter{AccountID: a, AfterSeq: 3, Desc: true}, []uint64{2, 1}},
		{"after seq and type", filter{AccountID: a, AfterSeq: 2, Type: coffer.TypeTransfer}, []uint64{4, 6}},
		{"limit", filter{AccountID: a, Limit: 2}, []uint64{1, 2}},
		{"limit desc after seq", filter{AccountID: a, Limit: 2, AfterSeq: 6, Desc: true}, []uint64{5, 4}},
		{"past the end", filter{AccountID: a, AfterSeq: 7}, nil},
		{"other account", filter{AccountID: b}, []uint64{1, 2}},
		{"unknown account", filter{AccountID: "wallet:nobody:USD"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Entries(ctx, tt.filter)
			if err != nil {
				t.Fatalf("Entries: %v", err)
			}
			for _, e := range got {
				if e.AccountID != tt.filter.AccountID {
					t.Errorf("entry %s/%d listed for %s", e.AccountID, e.Seq, tt.filter.AccountID)
				}
			}
			if fmt.Sprint(entrySeqs(got)) != fmt.Sprint(tt.want) {
				t.Errorf("Entries(%+v): got seqs %v, want %v", tt.filter, entrySeqs(got), tt.want)
			}
		})
	}

	for _, desc := range []bool{false, true} {
		t.Run(fmt.Sprintf("paging desc=%v", desc), func(t *testing.T) {
			var seqs []uint64
			f := filter{AccountID: a, Desc: desc, Limit: 3}
			for range 8 {
				got, err := s.Entries(ctx, f)
				if err != nil {
					t.Fatalf("Entries: %v", err)
				}
				if len(got) == 0 {
					break
				}
				seqs = append(seqs, entrySeqs(got)...)
				f.AfterSeq = got[len(got)-1].Seq
			}
			want := tests[0].want
			if desc {
				want = tests[1].want
			}
			if fmt.Sprint(seqs) != fmt.Sprint(want) {
				t.Errorf("pages: got seqs %v, want %v", seqs, want)
			}
		})
	}
}
