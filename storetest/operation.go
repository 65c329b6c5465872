package storetest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/cofferhq/coffer"
)

func testOperationRoundTrip(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	done := coffer.Operation{
		ID: "op-1", Kind: "deposit", Fingerprint: "9f86d081884c7d659a2feaa0c55ad015",
		Result:    json.RawMessage(`{"transfers":[{"id":"op-1","amount":"170141183460469231731687303715884105727"}], "note": "ünï"}`),
		CreatedAt: t0,
		Owner:     "alice", AccountID: "wallet:alice:USD", CounterAccountID: "system:world:USD", Asset: "USD",
		Amount: amountMax,
	}
	rejected := coffer.Operation{
		ID: "op-2", Kind: "transfer.post", Fingerprint: "60303ae22b998861bce3b28f33eec1be",
		ErrCode: coffer.EINSUFFICIENTFUNDS, ErrMessage: `available is 1.00 USD; "2.00" was asked`,
		CreatedAt: at(1),
		Owner:     "bob", AccountID: "wallet:bob:USD", Asset: "USD", Amount: amount2e64,
	}
	bare := coffer.Operation{ID: "/asset/EUR", Kind: "asset.create", Fingerprint: "f", Result: json.RawMessage(`{}`),
		CreatedAt: at(2), Asset: "EUR"}
	save(t, s, &coffer.Changes{Operations: []coffer.Operation{done, rejected, bare}})

	err := s.Write(ctx, func(tx coffer.WriteTx) error {
		got, err := tx.Operations(ctx, []string{"op-2", "nope", "op-1", "op-2", "/asset/EUR"})
		if err != nil {
			return err
		}
		same(t, "Operations", got, map[string]*coffer.Operation{"op-1": &done, "op-2": &rejected, "/asset/EUR": &bare})
		none, err := tx.Operations(ctx, []string{})
		if err != nil {
			return err
		}
		if len(none) != 0 {
			t.Errorf("Operations([]) = %v, want none", none)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	os := operationStore(t, s)
	for _, want := range []coffer.Operation{done, rejected, bare} {
		got, err := os.Operation(ctx, want.ID)
		if err != nil {
			t.Fatalf("Operation(%s): %v", want.ID, err)
		}
		same(t, "Operation "+want.ID, got, want)
	}
	_, err = os.Operation(ctx, "op-404")
	wantCode(t, "Operation", err, coffer.ENOTFOUND)
}

// operationStore returns s as a coffer.OperationStore, which every store is.
func operationStore(t *testing.T, s coffer.Store) coffer.OperationStore {
	t.Helper()
	os, ok := s.(coffer.OperationStore)
	if !ok {
		t.Fatalf("%T is no coffer.OperationStore", s)
	}
	return os
}

// filterOperations saves operations to filter: at seconds 0 to 9, alice's and bob's, done and
// rejected with two codes, of two kinds, naming wallets on either side.
func filterOperations(t *testing.T, s coffer.Store) {
	op := func(id string, sec int, owner, account, counter, kind, code string) coffer.Operation {
		o := coffer.Operation{ID: id, Kind: kind, Fingerprint: "f", CreatedAt: at(sec), Owner: owner,
			AccountID: account, CounterAccountID: counter, Asset: "USD", Amount: amount(int64(sec))}
		if code == "" {
			o.Result = json.RawMessage(`{}`)
		} else {
			o.ErrCode, o.ErrMessage = code, "refused"
		}
		return o
	}
	alice, bob, shop := walletID("alice"), walletID("bob"), "merchant:shop:USD"
	save(t, s, &coffer.Changes{Operations: []coffer.Operation{
		op("o9", 9, "alice", alice, shop, "payment", coffer.EINSUFFICIENTFUNDS),
		op("o0", 0, "alice", alice, "system:world:USD", "deposit", ""),
		op("o1", 1, "alice", alice, shop, "payment", coffer.EINSUFFICIENTFUNDS),
		op("o2", 2, "bob", bob, shop, "payment", ""),
		op("o3", 3, "bob", bob, alice, "transfer.create", coffer.ELOCKED),
		op("o4", 4, "alice", alice, bob, "transfer.create", ""),
		op("o5b", 5, "bob", bob, shop, "payment", coffer.EINSUFFICIENTFUNDS),
		op("o5a", 5, "alice", alice, shop, "payment", coffer.ELOCKED), // same time: by id
		op("o6", 6, "", "", "", "asset.create", coffer.ECONFLICT),
		op("o7", 7, "bob", bob, alice, "transfer.create", coffer.EINSUFFICIENTFUNDS),
		op("o8", 8, "alice", alice, shop, "payment", ""),
	}})
}

func operationIDs(ops []coffer.Operation) []string {
	ids := make([]string, len(ops))
	for i, o := range ops {
		ids[i] = o.ID
	}
	return ids
}

func testOperationFilter(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	filterOperations(t, s)
	os := operationStore(t, s)
	alice := walletID("alice")
	for _, tt := range []struct {
		name string
		f    coffer.OperationFilter
		want []string
	}{
		{"all", coffer.OperationFilter{}, []string{"o0", "o1", "o2", "o3", "o4", "o5a", "o5b", "o6", "o7", "o8", "o9"}},
		{"all desc", coffer.OperationFilter{Desc: true}, []string{"o9", "o8", "o7", "o6", "o5b", "o5a", "o4", "o3", "o2", "o1", "o0"}},
		{"rejected", coffer.OperationFilter{Status: coffer.OperationRejected}, []string{"o1", "o3", "o5a", "o5b", "o6", "o7", "o9"}},
		{"done", coffer.OperationFilter{Status: coffer.OperationDone}, []string{"o0", "o2", "o4", "o8"}},
		{"owner", coffer.OperationFilter{Owner: "alice"}, []string{"o0", "o1", "o4", "o5a", "o8", "o9"}},
		{"rejected of an owner", coffer.OperationFilter{Status: coffer.OperationRejected, Owner: "bob"}, []string{"o3", "o5b", "o7"}},
		{"account on either side", coffer.OperationFilter{AccountID: alice}, []string{"o0", "o1", "o3", "o4", "o5a", "o7", "o8", "o9"}},
		{"rejected of an account", coffer.OperationFilter{Status: coffer.OperationRejected, AccountID: alice}, []string{"o1", "o3", "o5a", "o7", "o9"}},
		{"code", coffer.OperationFilter{Code: coffer.EINSUFFICIENTFUNDS}, []string{"o1", "o5b", "o7", "o9"}},
		{"code and done", coffer.OperationFilter{Code: coffer.ELOCKED, Status: coffer.OperationDone}, nil},
		{"kind", coffer.OperationFilter{Kind: "transfer.create"}, []string{"o3", "o4", "o7"}},
		{"code of a kind", coffer.OperationFilter{Code: coffer.EINSUFFICIENTFUNDS, Kind: "payment"}, []string{"o1", "o5b", "o9"}},
		{"time range", coffer.OperationFilter{From: at(3), To: at(7)}, []string{"o3", "o4", "o5a", "o5b", "o6"}},
		{"time range of an account desc", coffer.OperationFilter{AccountID: alice, From: at(3), To: at(9), Desc: true}, []string{"o8", "o7", "o5a", "o4", "o3"}},
		{"after", coffer.OperationFilter{AfterTime: at(5), AfterID: "o5a"}, []string{"o5b", "o6", "o7", "o8", "o9"}},
		{"after desc", coffer.OperationFilter{AfterTime: at(5), AfterID: "o5b", Desc: true}, []string{"o5a", "o4", "o3", "o2", "o1", "o0"}},
		{"limit", coffer.OperationFilter{Status: coffer.OperationRejected, Limit: 2}, []string{"o1", "o3"}},
		{"no such owner", coffer.OperationFilter{Owner: "carol"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := os.Operations(ctx, tt.f)
			if err != nil {
				t.Fatalf("Operations: %v", err)
			}
			wantIDs(t, fmt.Sprintf("Operations(%+v)", tt.f), operationIDs(got), tt.want)
		})
	}
	// Pages put together are the whole listing, both ways.
	for _, f := range []coffer.OperationFilter{{}, {Desc: true}, {Status: coffer.OperationRejected, AccountID: alice}} {
		whole, err := os.Operations(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var paged []string
		page := f
		page.Limit = 2
		for range len(whole) + 1 {
			got, err := os.Operations(ctx, page)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				break
			}
			paged = append(paged, operationIDs(got)...)
			last := got[len(got)-1]
			page.AfterTime, page.AfterID = last.CreatedAt, last.ID
		}
		wantIDs(t, fmt.Sprintf("pages of %+v", f), paged, operationIDs(whole))
	}
}

// testOperationPageSize checks that a listing of operations gives the default page, and at most
// one more than the largest: the row that tells whether there is another page.
func testOperationPageSize(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	c := &coffer.Changes{}
	for i := range coffer.PageSizeMax + 10 {
		c.Operations = append(c.Operations, coffer.Operation{ID: fmt.Sprintf("op-%05d", i), Kind: "deposit",
			Fingerprint: "f", ErrCode: coffer.EINSUFFICIENTFUNDS, ErrMessage: "refused", CreatedAt: at(i)})
	}
	save(t, s, c)
	os := operationStore(t, s)
	for _, tt := range []struct{ limit, want int }{
		{0, coffer.PageSizeDefault}, {-1, coffer.PageSizeDefault}, {7, 7},
		{coffer.PageSizeMax + 1, coffer.PageSizeMax + 1}, {1 << 30, coffer.PageSizeMax + 1},
	} {
		got, err := os.Operations(ctx, coffer.OperationFilter{Status: coffer.OperationRejected, Limit: tt.limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tt.want {
			t.Errorf("Operations with limit %d: %d rows, want %d", tt.limit, len(got), tt.want)
		}
	}
}
