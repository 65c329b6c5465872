package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cofferhq/coffer"
)

// scanFixture saves accounts, transfers and entries out of order and returns them in the order
// Scan must visit them.
func scanFixture(t *testing.T, s coffer.Store) ([]coffer.Account, []coffer.Transfer, []coffer.Entry) {
	ids := setup(t, s, "carol", "alice", "bob")
	alice, bob := ids[1], ids[2]
	ts := []*coffer.Transfer{
		transfer("t3", alice, bob, 3, 2),
		transfer("t1", alice, bob, 1, 0),
		transfer("t2", bob, alice, 2, 1),
	}
	ts[1].Metadata = map[string]string{"k": "v"}
	es := []coffer.Entry{
		entry(bob, 2, "t2", 2, 1), entry(alice, 2, "t2", 2, 1),
		entry(bob, 1, "t1", 1, 0), entry(alice, 1, "t1", 1, 0),
		entry(bob, 10, "t3", 3, 2), entry(alice, 10, "t3", 3, 2), // 10 sorts after 2 as a number
	}
	save(t, s, &coffer.Changes{NewTransfers: ts, Entries: es})
	return []coffer.Account{*wallet("alice"), *wallet("bob"), *wallet("carol")},
		[]coffer.Transfer{*ts[1], *ts[2], *ts[0]},
		[]coffer.Entry{es[3], es[1], es[5], es[2], es[0], es[4]}
}

func testScan(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	accounts, transfers, entries := scanFixture(t, s)

	var gotA []coffer.Account
	var gotT []coffer.Transfer
	var gotE []coffer.Entry
	err := s.Scan(ctx, coffer.Scanner{
		Account:  func(a coffer.Account) error { gotA = append(gotA, a); return nil },
		Transfer: func(tr coffer.Transfer) error { gotT = append(gotT, tr); return nil },
		Entry:    func(e coffer.Entry) error { gotE = append(gotE, e); return nil },
	})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	same(t, "scanned accounts", gotA, accounts)
	same(t, "scanned transfers", gotT, transfers)
	same(t, "scanned entries", gotE, entries)

	// A nil function skips its kind.
	gotE = nil
	if err := s.Scan(ctx, coffer.Scanner{Entry: func(e coffer.Entry) error { gotE = append(gotE, e); return nil }}); err != nil {
		t.Fatalf("Scan of entries: %v", err)
	}
	same(t, "entries scanned alone", gotE, entries)
	if err := s.Scan(ctx, coffer.Scanner{}); err != nil {
		t.Fatalf("Scan of nothing: %v", err)
	}
}

// testScanStops returns an error from each kind of callback and expects Scan to stop there and
// return it.
func testScanStops(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	scanFixture(t, s)
	for _, stopIn := range []string{"account", "transfer", "entry"} {
		t.Run(stopIn, func(t *testing.T) {
			calls := map[string]int{}
			fn := func(kind string) error {
				calls[kind]++
				if kind == stopIn && calls[kind] == 2 {
					return fmt.Errorf("stop at the second %s: %w", kind, errTest)
				}
				return nil
			}
			err := s.Scan(ctx, coffer.Scanner{
				Account:  func(coffer.Account) error { return fn("account") },
				Transfer: func(coffer.Transfer) error { return fn("transfer") },
				Entry:    func(coffer.Entry) error { return fn("entry") },
			})
			if !errors.Is(err, errTest) {
				t.Fatalf("Scan returned %v, want the callback's error", err)
			}
			want := map[string]int{"account": 3, "transfer": 3, "entry": 0}
			switch stopIn {
			case "account":
				want = map[string]int{"account": 2}
			case "transfer":
				want = map[string]int{"account": 3, "transfer": 2}
			case "entry":
				want = map[string]int{"account": 3, "transfer": 3, "entry": 2}
			}
			if fmt.Sprint(calls) != fmt.Sprint(want) {
				t.Errorf("callbacks called %v, want %v", calls, want)
			}
		})
	}
}
