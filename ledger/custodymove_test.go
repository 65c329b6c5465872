package ledger_test

import (
	"encoding/json"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// TestMoveCustodyEvents: a custody move writes exactly one sweep event in its own operation:
// sweep.confirmed with the amount and fee in major units for a mined move; sweep.failed with
// its reason for a reverted one (only its gas booked) and for an abandoned one (nothing
// booked). The gas transfer says which move it paid for; a repeat writes nothing more.
func TestMoveCustodyEvents(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			s := kind.Open(t)
			l := ledger.New(s, ledger.Config{})
			t.Cleanup(func() { l.Close() })
			mustDo(t, l, ledger.CreateAsset{Code: "ETH", Scale: 18})
			mustDo(t, l, ledger.CreateAsset{Code: "USDT", Scale: 6})
			const (
				dep = "0x00000000000000000000000000000000000000d1"
				hot = "0x00000000000000000000000000000000000000a1"
			)
			gas := ledger.PayoutGas{NativeAsset: "ETH", From: dep, TxHash: "0xaa", BlockNumber: 7, GasUsed: 21_000,
				Fee: coffer.AmountFromInt64(21_000_000_000_000)}
			moves := []ledger.MoveCustody{
				{ID: "sweep/1", Kind: ledger.MoveSweep, Chain: "dev", From: dep, To: hot, Asset: "USDT",
					Amount: coffer.AmountFromInt64(2_500_000), Gas: gas},
				{ID: "sweep/2", Kind: ledger.MoveSweep, Chain: "dev", From: dep, To: hot, Asset: "USDT",
					Amount: coffer.AmountFromInt64(1_000_000), Gas: gas, Failed: true, Reason: "reverted"},
				{ID: "sweep/3", Kind: ledger.MoveSweep, Chain: "dev", From: dep, To: hot, Asset: "ETH",
					Amount: coffer.AmountFromInt64(5), Gas: ledger.PayoutGas{NativeAsset: "ETH"}, Failed: true, Reason: "a contract"},
			}
			before, err := s.Events(t.Context(), 0, coffer.PageSizeMax)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range moves {
				mustDo(t, l, m)
				mustDo(t, l, m) // a repeat after a crash
			}
			evs, err := s.Events(t.Context(), uint64(len(before)), coffer.PageSizeMax)
			if err != nil {
				t.Fatal(err)
			}
			var got []coffer.SweepNotice
			for _, e := range evs {
				if e.Type != coffer.EventSweepConfirmed && e.Type != coffer.EventSweepFailed {
					continue
				}
				var n coffer.SweepNotice
				if err := json.Unmarshal(e.Data, &n); err != nil {
					t.Fatal(err)
				}
				if want := map[string]string{"confirmed": coffer.EventSweepConfirmed, "failed": coffer.EventSweepFailed}[n.Status]; e.Type != want || e.Subject != n.ID {
					t.Errorf("event %s about %s carries %+v", e.Type, e.Subject, n)
				}
				got = append(got, n)
			}
			want := []coffer.SweepNotice{
				{ID: "sweep/1", Kind: "sweep", Chain: "dev", From: dep, To: hot, Asset: "USDT", Amount: "2.500000", Status: "confirmed",
					TxHash: "0xaa", BlockNumber: 7, GasUsed: 21_000, Fee: "0.000021000000000000", FeeAsset: "ETH"},
				{ID: "sweep/2", Kind: "sweep", Chain: "dev", From: dep, To: hot, Asset: "USDT", Amount: "1.000000", Status: "failed",
					TxHash: "0xaa", BlockNumber: 7, GasUsed: 21_000, Fee: "0.000021000000000000", FeeAsset: "ETH", Reason: "reverted"},
				{ID: "sweep/3", Kind: "sweep", Chain: "dev", From: dep, To: hot, Asset: "ETH", Amount: "0.000000000000000005",
					Status: "failed", Reason: "a contract"},
			}
			if len(got) != len(want) {
				t.Fatalf("sweep events %+v, want %+v", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("event %d: %+v, want %+v", i, got[i], want[i])
				}
			}
			// Only the confirmed move moved custody; both mined ones paid gas, labelled a sweep's.
			if _, err := s.Transfer(t.Context(), "sweep/2"); coffer.ErrorCode(err) != coffer.ENOTFOUND {
				t.Errorf("the reverted sweep moved custody: %v", err)
			}
			if _, err := s.Transfer(t.Context(), ledger.PayoutGasID("sweep/3")); coffer.ErrorCode(err) != coffer.ENOTFOUND {
				t.Errorf("the abandoned sweep booked gas: %v", err)
			}
			for _, id := range []string{"sweep/1", "sweep/2"} {
				g, err := s.Transfer(t.Context(), ledger.PayoutGasID(id))
				if err != nil || g.Metadata["sweep"] != id || g.Metadata["payout"] != "" {
					t.Errorf("gas of %s: %+v, %v", id, g.Metadata, err)
				}
			}
			acc, err := s.Account(t.Context(), ledger.CustodyAccountID(hot, "USDT"))
			if err != nil || ledger.CustodyHolding(&acc).String() != "2500000" {
				t.Errorf("the hot wallet's custody holds %v (%v)", ledger.CustodyHolding(&acc), err)
			}
			// A failed move needs its reason; a succeeded one an amount.
			_, err = l.Do(t.Context(), ledger.MoveCustody{ID: "sweep/4", Kind: ledger.MoveSweep, Chain: "dev", From: dep, To: hot,
				Asset: "USDT", Failed: true})
			wantCode(t, err, coffer.EINVALID)
			_, err = l.Do(t.Context(), ledger.MoveCustody{ID: "sweep/5", Kind: ledger.MoveSweep, Chain: "dev", From: dep, To: hot,
				Asset: "USDT", Gas: gas})
			wantCode(t, err, coffer.EINVALID)
		})
	}
}
