package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

// fullAccount returns an account with every field set to something other than its zero value,
// amounts beyond int64 among them.
func fullAccount() *coffer.Account {
	return &coffer.Account{
		ID:                 coffer.AccountID(coffer.KindMerchant, "shop.example@1", "ETH"),
		Owner:              "shop.example@1",
		Asset:              "ETH",
		Kind:               coffer.KindMerchant,
		OverdraftLimit:     amount2e64,
		OverdraftUnlimited: true,
		LockedDebits:       true,
		LockedCredits:      true,
		LockReason:         "fraud review: ticket #42, ünïcödé",
		DebitsPending:      amount(1),
		DebitsPosted:       amount2e64,
		CreditsPending:     amount(9223372036854775807),
		CreditsPosted:      amountMax,
		Seq:                1 << 40,
		CreatedAt:          t0,
		UpdatedAt:          t0.Add(time.Microsecond),
	}
}

func testAccountRoundTrip(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	full := fullAccount()
	zero := account(coffer.KindSystem, coffer.OwnerWorld, "ETH")
	save(t, s, &coffer.Changes{
		NewAssets:   []coffer.Asset{{Code: "ETH", Scale: 18, CreatedAt: t0}},
		NewAccounts: []*coffer.Account{full, zero},
	})
	for _, want := range []*coffer.Account{full, zero} {
		got, err := s.Account(ctx, want.ID)
		if err != nil {
			t.Fatalf("Account(%s): %v", want.ID, err)
		}
		same(t, "Account("+want.ID+")", got, *want)
	}
	err := s.Write(ctx, func(tx coffer.WriteTx) error {
		got, err := tx.LockAccounts(ctx, []string{zero.ID, full.ID})
		if err != nil {
			return err
		}
		same(t, "LockAccounts", got, map[string]*coffer.Account{full.ID: full, zero.ID: zero})
		return nil
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
}

// testAccountUpdate changes every field an update writes, then changes them back to zero values.
func testAccountUpdate(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	id := setup(t, s, "alice")[0]
	steps := []func(a *coffer.Account){
		func(a *coffer.Account) {
			a.OverdraftLimit = amount(500)
			a.OverdraftUnlimited = true
			a.LockedDebits, a.LockedCredits, a.LockReason = true, true, "court order"
			a.DebitsPending, a.DebitsPosted = amount(7), amountMax
			a.CreditsPending, a.CreditsPosted = amount2e64, amountMax
			a.Seq = 12
			a.UpdatedAt = at(60)
		},
		func(a *coffer.Account) {
			a.OverdraftLimit = amount(0)
			a.OverdraftUnlimited = false
			a.LockedDebits, a.LockedCredits, a.LockReason = false, false, ""
			a.DebitsPending, a.DebitsPosted = amount(0), amount(3)
			a.CreditsPending, a.CreditsPosted = amount(0), amount(10)
			a.Seq = 13
			a.UpdatedAt = at(61).Add(time.Microsecond)
		},
	}
	for i, change := range steps {
		var want coffer.Account
		err := s.Write(ctx, func(tx coffer.WriteTx) error {
			m, err := tx.LockAccounts(ctx, []string{id})
			if err != nil {
				return err
			}
			a := m[id]
			if a == nil {
				return fmt.Errorf("LockAccounts did not return %s", id)
			}
			change(a)
			want = *a
			return tx.Save(ctx, &coffer.Changes{Accounts: []*coffer.Account{a}})
		})
		if err != nil {
			t.Fatalf("update %d: %v", i+1, err)
		}
		got, err := s.Account(ctx, id)
		if err != nil {
			t.Fatalf("Account: %v", err)
		}
		same(t, fmt.Sprintf("account after update %d", i+1), got, want)
	}
}

func testAccountFilter(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	accounts := []*coffer.Account{
		account(coffer.KindWallet, "alice", "USD"),
		account(coffer.KindWallet, "alice", "EUR"),
		account(coffer.KindWallet, "bob", "USD"),
		account(coffer.KindMerchant, "shop", "USD"),
		account(coffer.KindSystem, coffer.OwnerWorld, "USD"),
		account(coffer.KindSystem, coffer.OwnerWorld, "EUR"),
	}
	save(t, s, &coffer.Changes{
		NewAssets: []coffer.Asset{
			{Code: "USD", Scale: 2, CreatedAt: t0}, {Code: "EUR", Scale: 2, CreatedAt: t0},
		},
		NewAccounts: accounts,
	})
	tests := []struct {
		name   string
		filter coffer.AccountFilter
		want   []string
	}{
		{"all", coffer.AccountFilter{}, []string{
			"merchant:shop:USD", "system:world:EUR", "system:world:USD",
			"wallet:alice:EUR", "wallet:alice:USD", "wallet:bob:USD",
		}},
		{"owner", coffer.AccountFilter{Owner: "alice"}, []string{"wallet:alice:EUR", "wallet:alice:USD"}},
		{"asset", coffer.AccountFilter{Asset: "USD"}, []string{
			"merchant:shop:USD", "system:world:USD", "wallet:alice:USD", "wallet:bob:USD",
		}},
		{"kind", coffer.AccountFilter{Kind: coffer.KindSystem}, []string{"system:world:EUR", "system:world:USD"}},
		{"owner and asset", coffer.AccountFilter{Owner: "world", Asset: "EUR"}, []string{"system:world:EUR"}},
		{"after id", coffer.AccountFilter{AfterID: "system:world:USD"}, []string{
			"wallet:alice:EUR", "wallet:alice:USD", "wallet:bob:USD",
		}},
		{"after id between ids", coffer.AccountFilter{AfterID: "wallet:alice:F", Asset: "USD"}, []string{
			"wallet:alice:USD", "wallet:bob:USD",
		}},
		{"limit", coffer.AccountFilter{Asset: "USD", Limit: 2}, []string{"merchant:shop:USD", "system:world:USD"}},
		{"none", coffer.AccountFilter{Owner: "nobody"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Accounts(ctx, tt.filter)
			if err != nil {
				t.Fatalf("Accounts: %v", err)
			}
			wantIDs(t, fmt.Sprintf("Accounts(%+v)", tt.filter), accountIDs(got), tt.want)
		})
	}

	t.Run("paging", func(t *testing.T) {
		var ids []string
		f := coffer.AccountFilter{Limit: 4}
		for range len(accounts) {
			page, err := s.Accounts(ctx, f)
			if err != nil {
				t.Fatalf("Accounts: %v", err)
			}
			if len(page) == 0 {
				break
			}
			ids = append(ids, accountIDs(page)...)
			f.AfterID = page[len(page)-1].ID
		}
		wantIDs(t, "pages", ids, tests[0].want)
	})

	t.Run("fields", func(t *testing.T) {
		got, err := s.Accounts(ctx, coffer.AccountFilter{Owner: "shop"})
		if err != nil {
			t.Fatalf("Accounts: %v", err)
		}
		same(t, "Accounts(shop)", got, []coffer.Account{*accounts[3]})
	})
}
