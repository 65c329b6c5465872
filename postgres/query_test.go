package postgres_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

func ids[T any](items []T, id func(T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}

func transferIDs(ts []coffer.Transfer) []string {
	return ids(ts, func(t coffer.Transfer) string { return t.ID })
}

func TestAccounts(t *testing.T) {
	s, ctx := setup(t)
	var accounts []*coffer.Account
	for _, id := range []string{"b", "a", "C", "d", "e"} {
		a := account(id, 0)
		if id == "d" || id == "e" {
			a.Asset, a.Owner = "EUR", "u-a"
		}
		accounts = append(accounts, a)
	}
	accounts[4].Kind = coffer.KindMerchant
	save(t, s, &coffer.Changes{NewAccounts: accounts})

	tests := []struct {
		name string
		f    coffer.AccountFilter
		want []string
	}{
		{"all, bytewise", coffer.AccountFilter{}, []string{"C", "a", "b", "d", "e"}},
		{"owner", coffer.AccountFilter{Owner: "u-a"}, []string{"a", "d", "e"}},
		{"owner and asset", coffer.AccountFilter{Owner: "u-a", Asset: "EUR"}, []string{"d", "e"}},
		{"kind", coffer.AccountFilter{Kind: coffer.KindMerchant}, []string{"e"}},
		{"page", coffer.AccountFilter{AfterID: "a", Limit: 2}, []string{"b", "d"}},
		{"last page", coffer.AccountFilter{AfterID: "d", Limit: 2}, []string{"e"}},
	}
	for _, tt := range tests {
		got, err := s.Accounts(ctx, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, tt.name, ids(got, func(a coffer.Account) string { return a.ID }), tt.want)
	}
}

func TestTransfers(t *testing.T) {
	s, ctx := setup(t)
	// t0..t9 a minute apart; t3 and t4 share a time, so the id breaks the tie.
	var ts []*coffer.Transfer
	for i := range 10 {
		created := at(time.Duration(i) * time.Minute)
		if i == 4 {
			created = ts[3].CreatedAt
		}
		tr := transfer(fmt.Sprintf("t%d", i), "x", "y", 1, created)
		ts = append(ts, tr)
	}
	ts[6].Type, ts[8].Type = coffer.TypeRefund, coffer.TypeRefund
	ts[7].Reference, ts[9].Reference = "order-1", "order-1"
	save(t, s, &coffer.Changes{NewTransfers: ts})

	tests := []struct {
		name string
		f    coffer.TransferFilter
		want []string
	}{
		{"all", coffer.TransferFilter{}, []string{"t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"}},
		{"desc", coffer.TransferFilter{Desc: true, Limit: 3}, []string{"t9", "t8", "t7"}},
		{"type", coffer.TransferFilter{Type: coffer.TypeRefund}, []string{"t6", "t8"}},
		{"reference", coffer.TransferFilter{Reference: "order-1"}, []string{"t7", "t9"}},
		{"time range", coffer.TransferFilter{From: at(2 * time.Minute), To: at(5 * time.Minute)},
			[]string{"t2", "t3", "t4"}},
		{"cursor inside a tie", coffer.TransferFilter{AfterTime: ts[3].CreatedAt, AfterID: "t3", Limit: 2},
			[]string{"t4", "t5"}},
		{"cursor desc inside a tie", coffer.TransferFilter{AfterTime: ts[4].CreatedAt, AfterID: "t4", Desc: true},
			[]string{"t3", "t2", "t1", "t0"}},
		{"type and cursor", coffer.TransferFilter{AfterTime: ts[3].CreatedAt, AfterID: "t3",
			Type: coffer.TypeTransfer, Limit: 3}, []string{"t4", "t5", "t7"}},
	}
	for _, tt := range tests {
		got, err := s.Transfers(ctx, tt.f)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		equal(t, tt.name, transferIDs(got), tt.want)
	}

	// Paging through everything with the cursor, both ways, visits every transfer once.
	for _, desc := range []bool{false, true} {
		var seen []string
		f := coffer.TransferFilter{Desc: desc, Limit: 3}
		for {
			page, err := s.Transfers(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			seen = append(seen, transferIDs(page)...)
			last := page[len(page)-1]
			f.AfterTime, f.AfterID = last.CreatedAt, last.ID
		}
		want := []string{"t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"}
		if desc {
			slices.Reverse(want)
		}
		equal(t, fmt.Sprintf("paged, desc=%v", desc), seen, want)
	}
}

func TestEntries(t *testing.T) {
	s, ctx := setup(t)
	var es []coffer.Entry
	for i := 1; i <= 6; i++ {
		e := coffer.Entry{AccountID: "a", Seq: uint64(i), TransferID: fmt.Sprintf("t%d", i),
			Type: coffer.TypeDeposit, Phase: coffer.PhasePosted, Side: coffer.Credit,
			Amount: coffer.AmountFromInt64(1), CreatedAt: at(time.Duration(i) * time.Minute)}
		if i%3 == 0 {
			e.Type = coffer.TypeFee
		}
		es = append(es, e)
	}
	es = append(es, coffer.Entry{AccountID: "b", Seq: 1, TransferID: "t1", CreatedAt: now})
	save(t, s, &coffer.Changes{Entries: es})

	seqs := func(es []coffer.Entry) []string {
		return ids(es, func(e coffer.Entry) string { return fmt.Sprint(e.Seq) })
	}
	tests := []struct {
		name string
		f    coffer.EntryFilter
		want []string
	}{
		{"all", coffer.EntryFilter{AccountID: "a"}, []string{"1", "2", "3", "4", "5", "6"}},
		{"after", coffer.EntryFilter{AccountID: "a", AfterSeq: 4}, []string{"5", "6"}},
		{"desc after", coffer.EntryFilter{AccountID: "a", AfterSeq: 4, Desc: true, Limit: 2}, []string{"3", "2"}},
		{"type", coffer.EntryFilter{AccountID: "a", Type: coffer.TypeFee}, []string{"3", "6"}},
		{"time range", coffer.EntryFilter{AccountID: "a", From: at(2 * time.Minute), To: at(4 * time.Minute)},
			[]string{"2", "3"}},
		{"other account", coffer.EntryFilter{AccountID: "b"}, []string{"1"}},
		{"no account", coffer.EntryFilter{AccountID: "none"}, []string{}},
	}
	for _, tt := range tests {
		got, err := s.Entries(ctx, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, tt.name, seqs(got), tt.want)
	}
}

func TestPageSizeLimits(t *testing.T) {
	s, ctx := setup(t)
	var es []coffer.Entry
	for i := 1; i <= coffer.ListRowsMax+1; i++ {
		es = append(es, coffer.Entry{AccountID: "a", Seq: uint64(i), CreatedAt: now})
	}
	save(t, s, &coffer.Changes{Entries: es})
	for limit, want := range map[int]int{0: coffer.PageSizeDefault, -1: coffer.PageSizeDefault, 7: 7,
		coffer.ListRowsMax + 1: coffer.ListRowsMax} {
		got, err := s.Entries(ctx, coffer.EntryFilter{AccountID: "a", Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != want {
			t.Errorf("Limit %d: %d entries; want %d", limit, len(got), want)
		}
	}
}

func TestExpiredTransfers(t *testing.T) {
	s, ctx := setup(t)
	pending := func(id string, expires *time.Time) *coffer.Transfer {
		tr := transfer(id, "a", "b", 1, now)
		tr.State, tr.Pending, tr.ExpiresAt = coffer.StatePending, true, expires
		return tr
	}
	voided := pending("voided", ptr(at(time.Minute)))
	voided.State = coffer.StateVoided
	save(t, s, &coffer.Changes{NewTransfers: []*coffer.Transfer{
		pending("late", ptr(at(3*time.Minute))),
		pending("b-first", ptr(at(time.Minute))),
		pending("a-first", ptr(at(time.Minute))),
		pending("at-now", ptr(at(2*time.Minute))),
		pending("never", nil),
		voided,
		transfer("posted", "a", "b", 1, now),
	}})
	got, err := s.ExpiredTransfers(ctx, at(2*time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "expired", got, []string{"a-first", "b-first", "at-now"})
	got, err = s.ExpiredTransfers(ctx, at(2*time.Minute), 1)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "expired, limit 1", got, []string{"a-first"})
}

func TestScan(t *testing.T) {
	s, ctx := setup(t)
	save(t, s, &coffer.Changes{
		NewAccounts:  []*coffer.Account{account("b", 0), account("a", 0)},
		NewTransfers: []*coffer.Transfer{transfer("t2", "a", "b", 1, now), transfer("t1", "a", "b", 1, at(time.Second))},
		Entries: []coffer.Entry{{AccountID: "b", Seq: 1, CreatedAt: now}, {AccountID: "a", Seq: 2, CreatedAt: now},
			{AccountID: "a", Seq: 1, CreatedAt: now}},
	})
	var seen []string
	err := s.Scan(ctx, coffer.Scanner{
		Account:  func(a coffer.Account) error { seen = append(seen, "account "+a.ID); return nil },
		Transfer: func(tr coffer.Transfer) error { seen = append(seen, "transfer "+tr.ID); return nil },
		Entry: func(e coffer.Entry) error {
			seen = append(seen, fmt.Sprintf("entry %s/%d", e.AccountID, e.Seq))
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "scanned", seen, []string{"account a", "account b", "transfer t1", "transfer t2",
		"entry a/1", "entry a/2", "entry b/1"})

	stop := errors.New("stop")
	n := 0
	err = s.Scan(ctx, coffer.Scanner{Transfer: func(coffer.Transfer) error { n++; return stop }})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("Scan after the function's error: err = %v after %d calls; want stop after 1", err, n)
	}
}

func TestKeys(t *testing.T) {
	s, ctx := setup(t)
	k1 := coffer.Key{ID: "k1", Name: "ops", Role: coffer.RoleOperator, Hash: "h1", CreatedAt: now}
	k2 := coffer.Key{ID: "k2", Name: "admin", Role: coffer.RoleAdmin, Hash: "h2", CreatedAt: at(time.Second)}
	for _, k := range []coffer.Key{k2, k1} {
		if err := s.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	for _, dup := range []coffer.Key{{ID: "k1", Hash: "h9", CreatedAt: now}, {ID: "k9", Hash: "h1", CreatedAt: now}} {
		if err := s.CreateKey(ctx, dup); coffer.ErrorCode(err) != coffer.ECONFLICT {
			t.Errorf("CreateKey(%s, %s) again: err = %v; want conflict", dup.ID, dup.Hash, err)
		}
	}
	got, err := s.KeyByHash(ctx, "h2")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "key by hash", got, k2)

	if err := s.RevokeKey(ctx, "k1", at(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeKey(ctx, "k1", at(time.Hour)); coffer.ErrorCode(err) != coffer.ENOTFOUND {
		t.Errorf("revoking twice: err = %v; want not found", err)
	}
	k1.RevokedAt = ptr(at(time.Minute))
	keys, err := s.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "keys", keys, []coffer.Key{k1, k2})
}

func TestAssets(t *testing.T) {
	s, ctx := setup(t)
	usd := coffer.Asset{Code: "USD", Scale: 2, CreatedAt: now}
	eth := coffer.Asset{Code: "ETH", Scale: 18, CreatedAt: now}
	save(t, s, &coffer.Changes{NewAssets: []coffer.Asset{usd, eth}})
	got, err := s.Assets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "assets", got, []coffer.Asset{eth, usd})
	if err := s.Ping(ctx); err != nil {
		t.Error(err)
	}
}
