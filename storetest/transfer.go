package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

func testTransferRoundTrip(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	ids := setup(t, s, "alice", "bob")
	alice, bob := ids[0], ids[1]

	hold := &coffer.Transfer{
		ID: "hold-1", DebitAccountID: alice, CreditAccountID: bob, Asset: "USD",
		Amount: amountMax, Type: coffer.TypeHold, State: coffer.StatePending,
		Pending: true, ExpiresAt: ptr(at(3600)),
		Group: "grp-1", Reference: "order-7",
		Metadata:  map[string]string{"order_id": "A-7", "note": `ünïcödé "quoted" \ {}`, "": "empty key"},
		CreatedAt: t0,
	}
	plain := transfer("plain-1", bob, alice, 1, 1)
	plain.Metadata = map[string]string{} // stored as none: read back nil
	captured := &coffer.Transfer{
		ID: "capture-1", DebitAccountID: alice, CreditAccountID: bob, Asset: "USD",
		Amount: amount2e64, Type: coffer.TypePayment, State: coffer.StatePosted,
		Pending: true, PostedAmount: amount(99), Refunded: amount(98), ExpiresAt: ptr(at(60)),
		CreatedAt: at(2), ResolvedAt: ptr(at(3).Add(time.Microsecond)),
	}
	save(t, s, &coffer.Changes{NewTransfers: []*coffer.Transfer{hold, plain, captured}})

	wantPlain := *plain
	wantPlain.Metadata = nil
	want := map[string]*coffer.Transfer{hold.ID: hold, plain.ID: &wantPlain, captured.ID: captured}
	for id, w := range want {
		got, err := s.Transfer(ctx, id)
		if err != nil {
			t.Fatalf("Transfer(%s): %v", id, err)
		}
		same(t, "Transfer("+id+")", got, *w)
	}
	err := s.Write(ctx, func(tx coffer.WriteTx) error {
		got, err := tx.Transfers(ctx, []string{"hold-1", "plain-1", "capture-1", "nope"})
		if err != nil {
			return err
		}
		same(t, "WriteTx.Transfers", got, want)
		return nil
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
}

// testTransferUpdate resolves a pending transfer, then refunds part of it.
func testTransferUpdate(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	ids := setup(t, s, "alice", "bob")
	hold := transfer("hold-1", ids[0], ids[1], 1000, 0)
	hold.Type, hold.State, hold.Pending, hold.ExpiresAt = coffer.TypeHold, coffer.StatePending, true, ptr(at(60))
	hold.Metadata = map[string]string{"k": "v"}
	save(t, s, &coffer.Changes{NewTransfers: []*coffer.Transfer{hold}})

	steps := []func(tr *coffer.Transfer){
		func(tr *coffer.Transfer) {
			tr.State, tr.PostedAmount, tr.ResolvedAt = coffer.StatePosted, amount(600), ptr(at(30))
		},
		func(tr *coffer.Transfer) { tr.Refunded = amount(250) },
		func(tr *coffer.Transfer) { tr.Refunded = amountMax },
	}
	for i, change := range steps {
		var want coffer.Transfer
		err := s.Write(ctx, func(tx coffer.WriteTx) error {
			if _, err := tx.LockAccounts(ctx, ids); err != nil {
				return err
			}
			m, err := tx.Transfers(ctx, []string{hold.ID})
			if err != nil {
				return err
			}
			tr := m[hold.ID]
			if tr == nil {
				return fmt.Errorf("Transfers did not return %s", hold.ID)
			}
			change(tr)
			want = *tr
			return tx.Save(ctx, &coffer.Changes{Transfers: []*coffer.Transfer{tr}})
		})
		if err != nil {
			t.Fatalf("update %d: %v", i+1, err)
		}
		got, err := s.Transfer(ctx, hold.ID)
		if err != nil {
			t.Fatalf("Transfer: %v", err)
		}
		same(t, fmt.Sprintf("transfer after update %d", i+1), got, want)
	}
}

// filterTransfers saves the transfers the filter tests list. Ties of CreatedAt are broken by id,
// and the rows are inserted in reverse, so an order by insertion shows.
func filterTransfers(t *testing.T, s coffer.Store) (b, c string) {
	ids := setup(t, s, "a", "b", "c")
	a, b, c := ids[0], ids[1], ids[2]
	ts := []*coffer.Transfer{
		transfer("t1", a, b, 1, 0),
		transfer("t2", b, c, 2, 1),
		transfer("t3", c, a, 3, 1),
		transfer("t4", a, c, 4, 2),
		transfer("t5", b, a, 5, 3),
		transfer("t6", a, b, 6, 3),
		transfer("t7", c, b, 7, 4),
		transfer("t8", a, a, 8, 5),
	}
	ts[0].Reference, ts[1].Reference, ts[3].Reference = "r1", "r2", "r1"
	ts[1].Type, ts[3].Type = coffer.TypePayment, coffer.TypePayment
	ts[2].Type, ts[5].Type, ts[7].Type = coffer.TypeDeposit, coffer.TypeRefund, coffer.TypeAdjustment
	var rev []*coffer.Transfer
	for i := len(ts) - 1; i >= 0; i-- {
		rev = append(rev, ts[i])
	}
	save(t, s, &coffer.Changes{NewTransfers: rev})
	return b, c
}

func testTransferFilter(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	b, c := filterTransfers(t, s)
	type filter = coffer.TransferFilter
	tests := []struct {
		name   string
		filter filter
		want   []string
	}{
		{"all", filter{}, []string{"t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8"}},
		{"desc", filter{Desc: true}, []string{"t8", "t7", "t6", "t5", "t4", "t3", "t2", "t1"}},
		{"type", filter{Type: coffer.TypePayment}, []string{"t2", "t4"}},
		{"reference", filter{Reference: "r1"}, []string{"t1", "t4"}},
		{"reference desc", filter{Reference: "r1", Desc: true}, []string{"t4", "t1"}},
		{"reference and type", filter{Reference: "r1", Type: coffer.TypePayment}, []string{"t4"}},
		{"reference and cursor", filter{Reference: "r1", AfterTime: at(0), AfterID: "t1"}, []string{"t4"}},
		{"from to half open", filter{From: at(1), To: at(3)}, []string{"t2", "t3", "t4"}},
		{"from", filter{From: at(3)}, []string{"t5", "t6", "t7", "t8"}},
		{"to", filter{To: at(1)}, []string{"t1"}},
		{"to a microsecond past", filter{To: at(1).Add(time.Microsecond)}, []string{"t1", "t2", "t3"}},
		{"after cursor on a tie", filter{AfterTime: at(1), AfterID: "t2"}, []string{"t3", "t4", "t5", "t6", "t7", "t8"}},
		{"after cursor between ids", filter{AfterTime: at(3), AfterID: "t50"}, []string{"t6", "t7", "t8"}},
		{"after cursor desc", filter{AfterTime: at(3), AfterID: "t6", Desc: true}, []string{"t5", "t4", "t3", "t2", "t1"}},
		{"cursor and range", filter{From: at(1), To: at(4), AfterTime: at(1), AfterID: "t3"}, []string{"t4", "t5", "t6"}},
		{"limit", filter{Limit: 2}, []string{"t1", "t2"}},
		{"past the end", filter{AfterTime: at(5), AfterID: "t8"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Transfers(ctx, tt.filter)
			if err != nil {
				t.Fatalf("Transfers: %v", err)
			}
			wantIDs(t, fmt.Sprintf("Transfers(%+v)", tt.filter), transferIDs(got), tt.want)
		})
	}
	t.Run("fields", func(t *testing.T) {
		got, err := s.Transfers(ctx, filter{Reference: "r2"})
		if err != nil {
			t.Fatalf("Transfers: %v", err)
		}
		want := transfer("t2", b, c, 2, 1)
		want.Type, want.Reference = coffer.TypePayment, "r2"
		same(t, "Transfers(r2)", got, []coffer.Transfer{*want})
	})
}

// testTransferPaging pages through listings two at a time with the cursor of the last transfer
// and expects the listing whole.
func testTransferPaging(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	filterTransfers(t, s)
	for name, f := range map[string]coffer.TransferFilter{
		"all":             {},
		"all desc":        {Desc: true},
		"time range":      {From: at(1), To: at(5)},
		"time range desc": {From: at(1), To: at(5), Desc: true},
	} {
		t.Run(name, func(t *testing.T) {
			whole, err := s.Transfers(ctx, f)
			if err != nil {
				t.Fatalf("Transfers: %v", err)
			}
			var paged []string
			page := f
			page.Limit = 2
			for range len(whole) + 1 {
				got, err := s.Transfers(ctx, page)
				if err != nil {
					t.Fatalf("Transfers: %v", err)
				}
				if len(got) == 0 {
					break
				}
				if len(got) > 2 {
					t.Fatalf("page of %d, limit 2", len(got))
				}
				paged = append(paged, transferIDs(got)...)
				last := got[len(got)-1]
				page.AfterTime, page.AfterID = last.CreatedAt, last.ID
			}
			wantIDs(t, "pages", paged, transferIDs(whole))
		})
	}
}

func testExpiredTransfers(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	ids := setup(t, s, "alice", "bob")
	pending := func(id string, expires *time.Time) *coffer.Transfer {
		tr := transfer(id, ids[0], ids[1], 10, 0)
		tr.Type, tr.State, tr.Pending, tr.ExpiresAt = coffer.TypeHold, coffer.StatePending, true, expires
		return tr
	}
	resolved := func(id string, state coffer.TransferState, expires time.Time) *coffer.Transfer {
		tr := pending(id, &expires)
		tr.State, tr.ResolvedAt = state, ptr(at(1))
		return tr
	}
	save(t, s, &coffer.Changes{NewTransfers: []*coffer.Transfer{
		pending("e1", ptr(at(10))), // exactly now
		pending("e2", ptr(at(5))),
		pending("e3", ptr(at(10).Add(time.Microsecond))), // not yet
		resolved("e4", coffer.StatePosted, at(1)),
		pending("e5", nil), // never expires
		pending("e6", ptr(at(7))),
		resolved("e7", coffer.StateVoided, at(2)),
		resolved("e8", coffer.StateExpired, at(3)),
		transfer("e9", ids[0], ids[1], 10, 0), // plain, posted
	}})

	now := at(10)
	got, err := s.ExpiredTransfers(ctx, now, 100)
	if err != nil {
		t.Fatalf("ExpiredTransfers: %v", err)
	}
	wantIDs(t, "ExpiredTransfers(now)", got, []string{"e2", "e6", "e1"})
	got, err = s.ExpiredTransfers(ctx, now, 2)
	if err != nil {
		t.Fatalf("ExpiredTransfers: %v", err)
	}
	wantIDs(t, "ExpiredTransfers(now, 2)", got, []string{"e2", "e6"})
	got, err = s.ExpiredTransfers(ctx, at(4), 100)
	if err != nil {
		t.Fatalf("ExpiredTransfers: %v", err)
	}
	wantIDs(t, "ExpiredTransfers(earlier)", got, nil)

	// Once expired, a transfer is no longer listed.
	err = s.Write(ctx, func(tx coffer.WriteTx) error {
		m, err := tx.Transfers(ctx, []string{"e2"})
		if err != nil {
			return err
		}
		m["e2"].State, m["e2"].ResolvedAt = coffer.StateExpired, ptr(now)
		return tx.Save(ctx, &coffer.Changes{Transfers: []*coffer.Transfer{m["e2"]}})
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	got, err = s.ExpiredTransfers(ctx, now, 100)
	if err != nil {
		t.Fatalf("ExpiredTransfers: %v", err)
	}
	wantIDs(t, "ExpiredTransfers after expiring e2", got, []string{"e6", "e1"})
}
