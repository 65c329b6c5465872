package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

// t0 is the suite's clock: UTC with microsecond precision, as the Store contract requires of
// callers.
var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)

// at returns t0 plus sec seconds.
func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }

// Amounts at the edges of what Coffer holds.
var (
	amountMax  = coffer.MustMinor("170141183460469231731687303715884105727")  // 2^127-1
	amount2e64 = coffer.MustMinor("18446744073709551616")                     // just past uint64
	amountMin  = coffer.MustMinor("-170141183460469231731687303715884105727") // -(2^127-1)
)

func amount(v int64) coffer.Amount { return coffer.AmountFromInt64(v) }

// wallet returns a new USD wallet of owner.
func wallet(owner string) *coffer.Account {
	return account(coffer.KindWallet, owner, "USD")
}

// account returns a new account with zero balances, created at t0.
func account(kind coffer.AccountKind, owner, asset string) *coffer.Account {
	return &coffer.Account{
		ID:    coffer.AccountID(kind, owner, asset),
		Owner: owner, Asset: asset, Kind: kind,
		CreatedAt: t0, UpdatedAt: t0,
	}
}

// walletID returns the id of owner's USD wallet.
func walletID(owner string) string { return coffer.AccountID(coffer.KindWallet, owner, "USD") }

// transfer returns a posted USD transfer created at the given second.
func transfer(id, debit, credit string, v int64, sec int) *coffer.Transfer {
	return &coffer.Transfer{
		ID: id, DebitAccountID: debit, CreditAccountID: credit, Asset: "USD",
		Amount: amount(v), Type: coffer.TypeTransfer, State: coffer.StatePosted,
		CreatedAt: at(sec),
	}
}

// entry returns a posted entry of v on account's side of a transfer, at the given second.
func entry(accountID string, seq uint64, transferID string, v int64, sec int) coffer.Entry {
	return coffer.Entry{
		AccountID: accountID, Seq: seq, TransferID: transferID, Type: coffer.TypeTransfer,
		Phase: coffer.PhasePosted, Side: coffer.Credit, Amount: amount(v),
		BalanceBefore: amount(0), BalanceAfter: amount(v),
		AvailableBefore: amount(0), AvailableAfter: amount(v),
		CreatedAt: at(sec),
	}
}

// event returns an event about subject; Save numbers it.
func event(subject string, sec int) coffer.Event {
	return coffer.Event{
		Type: coffer.EventTransferCreated, Subject: subject,
		Data:      []byte(`{"id":"` + subject + `","amount":"1"}`),
		CreatedAt: at(sec),
	}
}

// setup saves the asset USD and a USD wallet for each owner, and returns the wallets' ids in the
// owners' order.
func setup(t *testing.T, s coffer.Store, owners ...string) []string {
	t.Helper()
	c := &coffer.Changes{NewAssets: []coffer.Asset{{Code: "USD", Scale: 2, CreatedAt: t0}}}
	ids := make([]string, len(owners))
	for i, o := range owners {
		a := wallet(o)
		c.NewAccounts = append(c.NewAccounts, a)
		ids[i] = a.ID
	}
	save(t, s, c)
	return ids
}

// save writes c in one Write and fails the test if it does not commit.
func save(t *testing.T, s coffer.Store, c *coffer.Changes) {
	t.Helper()
	if err := write(t, s, c); err != nil {
		t.Fatalf("save: %v", err)
	}
}

// write writes c in one Write and returns its error.
func write(t *testing.T, s coffer.Store, c *coffer.Changes) error {
	return s.Write(t.Context(), func(tx coffer.WriteTx) error {
		return tx.Save(t.Context(), c)
	})
}

// wantCode reports an error unless err carries the code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := coffer.ErrorCode(err); got != code {
		t.Errorf("%s: error %v has code %q, want %q", what, err, got, code)
	}
}

// wantIDs reports an error unless got lists exactly the ids of want, in order.
func wantIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) || len(got) != len(want) {
		t.Errorf("%s:\n  got  %v\n  want %v", what, got, want)
	}
}

func accountIDs(as []coffer.Account) []string {
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	return ids
}

func transferIDs(ts []coffer.Transfer) []string {
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	return ids
}

func entrySeqs(es []coffer.Entry) []uint64 {
	seqs := make([]uint64, len(es))
	for i, e := range es {
		seqs[i] = e.Seq
	}
	return seqs
}

// errTest is an error of the test's own, to see it come back unchanged.
var errTest = errors.New("storetest: the test's own error")
