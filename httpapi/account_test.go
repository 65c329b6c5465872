package httpapi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

func TestAssets(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	a, err := e.admin.CreateAsset(ctx, client.CreateAssetRequest{Code: "USDT", Scale: 6})
	if err != nil {
		t.Fatal(err)
	}
	if a.Code != "USDT" || a.Scale != 6 || a.CreatedAt.IsZero() {
		t.Errorf("asset %+v", a)
	}
	as, err := e.reader.Assets(ctx, client.AssetsQuery{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, a := range as.Assets {
		got[a.Code] = a.Scale
	}
	if len(got) != 4 || got["USD"] != 2 || got["GOLD"] != 0 || got["ETH"] != 18 || got["USDT"] != 6 {
		t.Errorf("assets %v", got)
	}
	// Its system accounts come with it.
	if w := e.account("system:world:USDT"); !w.OverdraftUnlimited || w.Kind != "system" || w.Balance != "0.000000" {
		t.Errorf("world account %+v", w)
	}
	_, err = e.admin.CreateAsset(ctx, client.CreateAssetRequest{Code: "USDT", Scale: 2})
	wantCode(t, err, coffer.ECONFLICT)
	_, err = e.operator.CreateAsset(ctx, client.CreateAssetRequest{Code: "EUR", Scale: 2})
	wantCode(t, err, coffer.EFORBIDDEN)
}

func TestAccounts(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	// An account that may overdraw is an admin's to create.
	a, err := e.admin.CreateAccount(ctx, client.CreateAccountRequest{Kind: "wallet", Owner: "bob", Asset: "USD",
		OverdraftLimit: "50"})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "wallet:bob:USD" || a.OverdraftLimit != "50.00" || a.Balance != "0.00" || a.Seq != 0 || a.Kind != "wallet" {
		t.Errorf("account %+v", a)
	}
	_, err = e.operator.CreateAccount(ctx, client.CreateAccountRequest{Kind: "wallet", Owner: "bob", Asset: "USD"})
	wantCode(t, err, coffer.ECONFLICT)

	// The overdraft lets bob's available go to -50.00 and no further.
	if _, err := e.operator.CreateTransfer(ctx, client.TransferRequest{ID: "t-1", DebitAccountID: "wallet:bob:USD",
		CreditAccountID: "system:fees:USD", Amount: "50"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.operator.CreateTransfer(ctx, client.TransferRequest{ID: "t-2", DebitAccountID: "wallet:bob:USD",
		CreditAccountID: "system:fees:USD", Amount: "0.01"})
	wantCode(t, err, coffer.EINSUFFICIENTFUNDS)
	got := e.account("wallet:bob:USD")
	if got.Balance != "-50.00" || got.Available != "-50.00" || got.DebitsPosted != "50.00" || got.Seq != 1 {
		t.Errorf("bob %+v", got)
	}

	_, err = e.reader.Account(ctx, "wallet:nobody:USD")
	wantCode(t, err, coffer.ENOTFOUND)

	// Listing pages through by id with an opaque cursor.
	for i := range 5 {
		e.deposit(fmt.Sprintf("d-%d", i), fmt.Sprintf("user-%d", i), "GOLD", "1")
	}
	var ids []string
	q := client.AccountsQuery{Asset: "GOLD", Kind: "wallet", Limit: 2}
	for pages := 0; ; pages++ {
		p, err := e.reader.Accounts(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Accounts {
			ids = append(ids, a.ID)
		}
		if p.NextCursor == "" {
			break
		}
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		q.Cursor = p.NextCursor
	}
	if fmt.Sprint(ids) != "[wallet:user-0:GOLD wallet:user-1:GOLD wallet:user-2:GOLD wallet:user-3:GOLD wallet:user-4:GOLD]" {
		t.Errorf("listed %v", ids)
	}
	p, err := e.reader.Accounts(ctx, client.AccountsQuery{Owner: "world"})
	if err != nil || len(p.Accounts) != 3 {
		t.Errorf("world accounts %+v, %v", p, err)
	}
}

func TestLockAndUnlock(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("dep-1", "alice", "USD", "10")
	a, err := e.operator.LockAccount(ctx, "wallet:alice:USD", client.LockAccountRequest{ID: "lock-1", Debits: true, Reason: "fraud check"})
	if err != nil {
		t.Fatal(err)
	}
	if !a.LockedDebits || a.LockedCredits || a.LockReason != "fraud check" {
		t.Errorf("locked %+v", a)
	}
	_, err = e.operator.Pay(ctx, client.PaymentRequest{ID: "pay-1", Owner: "alice", Merchant: "shop", Asset: "USD", Amount: "1", OrderID: "o-1"})
	wantCode(t, err, coffer.ELOCKED)
	e.deposit("dep-2", "alice", "USD", "1") // credits still go in

	a, err = e.operator.UnlockAccount(ctx, "wallet:alice:USD", client.UnlockAccountRequest{ID: "unlock-1"})
	if err != nil {
		t.Fatal(err)
	}
	if a.LockedDebits || a.LockReason != "" {
		t.Errorf("unlocked %+v", a)
	}
	if _, err := e.operator.Pay(ctx, client.PaymentRequest{ID: "pay-2", Owner: "alice", Merchant: "shop", Asset: "USD", Amount: "1", OrderID: "o-1"}); err != nil {
		t.Fatal(err)
	}
	e.wantBalance("alice", "USD", "10.00", "10.00", "0.00", "0.00")

	_, err = e.operator.LockAccount(ctx, "wallet:nobody:USD", client.LockAccountRequest{ID: "lock-2", Credits: true, Reason: "x"})
	wantCode(t, err, coffer.ENOTFOUND)
}

func TestBalances(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("d-1", "carol", "USD", "1.5")
	e.deposit("d-2", "carol", "GOLD", "7")
	if _, err := e.operator.Hold(ctx, client.HoldRequest{ID: "h-1", Owner: "carol", Asset: "GOLD", Amount: "2"}); err != nil {
		t.Fatal(err)
	}
	bs, err := e.reader.Balances(ctx, "carol")
	if err != nil {
		t.Fatal(err)
	}
	want := []client.Balance{
		{Asset: "GOLD", AccountID: "wallet:carol:GOLD", Balance: "7", Available: "5", Held: "2", Incoming: "0"},
		{Asset: "USD", AccountID: "wallet:carol:USD", Balance: "1.50", Available: "1.50", Held: "0.00", Incoming: "0.00"},
	}
	if bs.Owner != "carol" || fmt.Sprint(bs.Balances) != fmt.Sprint(want) {
		t.Errorf("balances %+v", bs)
	}
	bs, err = e.reader.Balances(ctx, "nobody")
	if err != nil || len(bs.Balances) != 0 {
		t.Errorf("balances of nobody %+v, %v", bs, err)
	}
}

func TestEntries(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("d-1", "alice", "USD", "10")
	if _, err := e.operator.Hold(ctx, client.HoldRequest{ID: "h-1", Owner: "alice", Asset: "USD", Amount: "4"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.operator.CaptureHold(ctx, "h-1", client.PostRequest{Amount: "3"}); err != nil {
		t.Fatal(err)
	}
	p, err := e.reader.Entries(ctx, "wallet:alice:USD", client.EntriesQuery{})
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ seq, phase, side, amount, bb, ba, ab, aa string }
	var got []row
	for _, en := range p.Entries {
		got = append(got, row{fmt.Sprint(en.Seq), en.Phase, en.Side, en.Amount, en.BalanceBefore, en.BalanceAfter, en.AvailableBefore, en.AvailableAfter})
	}
	want := []row{
		{"1", "posted", "credit", "10.00", "0.00", "10.00", "0.00", "10.00"},
		{"2", "pending", "debit", "4.00", "10.00", "10.00", "10.00", "6.00"},
		{"3", "released", "debit", "4.00", "10.00", "10.00", "6.00", "10.00"},
		{"4", "posted", "debit", "3.00", "10.00", "7.00", "10.00", "7.00"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("entries\n got %v\nwant %v", got, want)
	}
	if p.Entries[1].TransferID != "h-1" || p.Entries[1].Type != "hold" {
		t.Errorf("entry %+v", p.Entries[1])
	}

	// Newest first, two at a time.
	var seqs []uint64
	q := client.EntriesQuery{Desc: true, Limit: 2}
	for range 4 {
		p, err := e.reader.Entries(ctx, "wallet:alice:USD", q)
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range p.Entries {
			seqs = append(seqs, en.Seq)
		}
		if p.NextCursor == "" {
			break
		}
		q.Cursor = p.NextCursor
	}
	if fmt.Sprint(seqs) != "[4 3 2 1]" {
		t.Errorf("desc seqs %v", seqs)
	}
	p, err = e.reader.Entries(ctx, "wallet:alice:USD", client.EntriesQuery{Type: "deposit"})
	if err != nil || len(p.Entries) != 1 {
		t.Errorf("deposit entries %+v, %v", p, err)
	}
	_, err = e.reader.Entries(ctx, "wallet:nobody:USD", client.EntriesQuery{})
	wantCode(t, err, coffer.ENOTFOUND)
}
