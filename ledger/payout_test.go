package ledger_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// TestPayoutLife follows three payouts on both stores: one confirmed with its network fee and
// gas, one that reverted (its hold voided, its gas recorded all the same), one cancelled
// unsent. Each ends once, whatever is repeated, with one payout event per step; the custody
// and gas accounts say what left the hot wallet, and the ledger verifies clean.
func TestPayoutLife(t *testing.T) {
	const (
		hot  = "0x00000000000000000000000000000000000000a1"
		dest = "0x00000000000000000000000000000000000000b2"
	)
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			s := kind.Open(t)
			l := ledger.New(s, ledger.Config{})
			t.Cleanup(func() { l.Close() })
			ctx := t.Context()
			mustDo(t, l, ledger.CreateAsset{Code: "USDT", Scale: 6})
			mustDo(t, l, ledger.CreateAsset{Code: "ETH", Scale: 18})
			mustDo(t, l, ledger.Deposit{ID: "d", Owner: "alice", Asset: "USDT", Amount: coffer.AmountFromInt64(100_000_000)})
			req := func(id string, amount int64) ledger.RequestPayout {
				return ledger.RequestPayout{ID: id, Kind: ledger.PayoutWithdrawal, Owner: "alice", Asset: "USDT",
					Amount: coffer.AmountFromInt64(amount), NetworkFee: coffer.AmountFromInt64(1_000_000), Chain: "dev", From: hot, To: dest}
			}
			gas := func(tx string) ledger.PayoutGas {
				return ledger.PayoutGas{NativeAsset: "ETH", From: hot, TxHash: tx, BlockNumber: 9, GasUsed: 50_000,
					Fee: coffer.AmountFromInt64(50_000 * 2_000_000_000)}
			}
			r := mustDo(t, l, req("p1", 30_000_000))
			if len(r.Transfers) != 2 || r.Transfers[0].State != coffer.StatePending || r.Transfers[1].ID != "p1/fee" {
				t.Fatalf("requested: %+v", r.Transfers)
			}
			mustDo(t, l, req("p1", 30_000_000)) // a retried request holds nothing more
			pay := req("p2", 20_000_000)
			pay.Kind, pay.OrderID = ledger.PayoutPayment, "order-7"
			mustDo(t, l, pay)
			mustDo(t, l, req("p3", 10_000_000))
			// 100 - (30+1) - (20+1) - (10+1): 37 left; a payout of 37 with its fee is too much.
			_, err := l.Do(ctx, req("p4", 37_000_000))
			wantCode(t, err, coffer.EINSUFFICIENTFUNDS)
			w, _ := s.Account(ctx, "wallet:alice:USDT")
			if w.Available() != coffer.AmountFromInt64(37_000_000) {
				t.Fatalf("available %s", w.Available())
			}

			mustDo(t, l, ledger.ConfirmPayout{ID: "p1", Gas: gas("0x01")})
			mustDo(t, l, ledger.ConfirmPayout{ID: "p1", Gas: gas("0x01")}) // repeated after a crash
			_, err = l.Do(ctx, ledger.FailPayout{ID: "p1", Reason: "late"})
			wantCode(t, err, coffer.ECONFLICT)
			mustDo(t, l, ledger.FailPayout{ID: "p2", Reason: "execution reverted", Gas: gas("0x02")})
			mustDo(t, l, ledger.FailPayout{ID: "p3", Reason: "cancelled"})
			_, err = l.Do(ctx, ledger.ConfirmPayout{ID: "p3", Gas: gas("0x03")})
			wantCode(t, err, coffer.ECONFLICT)

			w, _ = s.Account(ctx, "wallet:alice:USDT")
			if w.Balance() != coffer.AmountFromInt64(69_000_000) || !w.Held().IsZero() {
				t.Fatalf("wallet balance %s held %s", w.Balance(), w.Held())
			}
			c, _ := s.Account(ctx, ledger.CustodyAccountID(hot, "USDT"))
			if h := ledger.CustodyHolding(&c); h != coffer.AmountFromInt64(-30_000_000) {
				t.Fatalf("hot wallet USDT custody holding %s", h)
			}
			ce, _ := s.Account(ctx, ledger.CustodyAccountID(hot, "ETH"))
			g, _ := s.Account(ctx, ledger.GasAccountID("ETH"))
			spent := coffer.AmountFromInt64(2 * 50_000 * 2_000_000_000)
			if h := ledger.CustodyHolding(&ce); h.Neg() != spent || g.Balance().Neg() != spent {
				t.Fatalf("gas: custody holding %s, gas balance %s", h, g.Balance())
			}
			es, err := s.Events(ctx, 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range es {
				if e.Type != coffer.EventPayoutRequested && e.Type != coffer.EventPayoutConfirmed && e.Type != coffer.EventPayoutFailed {
					continue
				}
				var n coffer.PayoutNotice
				if err := json.Unmarshal(e.Data, &n); err != nil {
					t.Fatal(err)
				}
				if n.TransferID != e.Subject || n.Owner != "alice" || n.From != hot || n.To != dest || n.NetworkFee != "1.000000" {
					t.Errorf("%s: %+v", e.Type, n)
				}
				got = append(got, e.Type+" "+n.TransferID+" "+n.Kind+" "+n.Amount+" "+n.TxHash+" "+n.Fee+" "+n.Reason)
			}
			want := []string{
				"payout.requested p1 withdrawal 30.000000   ",
				"payout.requested p2 payment 20.000000   ",
				"payout.requested p3 withdrawal 10.000000   ",
				"payout.confirmed p1 withdrawal 30.000000 0x01 0.000100000000000000 ",
				"payout.failed p2 payment 20.000000 0x02 0.000100000000000000 execution reverted",
				"payout.failed p3 withdrawal 10.000000   cancelled",
			}
			if len(got) != len(want) {
				t.Fatalf("payout events\n%q\nwant\n%q", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("payout events\n%q\nwant\n%q", got, want)
				}
			}
			wantVerified(t, s)
		})
	}
}

// TestPayoutBadRequest: a payout with a bad address, kind or fee is refused naming the field,
// and holds nothing.
func TestPayoutBadRequest(t *testing.T) {
	s := testdb.SQLite(t)
	l := ledger.New(s, ledger.Config{})
	t.Cleanup(func() { l.Close() })
	mustDo(t, l, ledger.CreateAsset{Code: "USDT", Scale: 6})
	mustDo(t, l, ledger.Deposit{ID: "d", Owner: "alice", Asset: "USDT", Amount: coffer.AmountFromInt64(100)})
	ok := ledger.RequestPayout{ID: "p", Kind: ledger.PayoutWithdrawal, Owner: "alice", Asset: "USDT", Amount: coffer.AmountFromInt64(1),
		Chain: "dev", From: "0x00000000000000000000000000000000000000a1", To: "0x00000000000000000000000000000000000000b2"}
	for i, c := range []struct {
		edit  func(*ledger.RequestPayout)
		param string
	}{
		{func(r *ledger.RequestPayout) { r.To = "0xb2" }, "to"},
		{func(r *ledger.RequestPayout) { r.Kind = "gift" }, "kind"},
		{func(r *ledger.RequestPayout) { r.NetworkFee = coffer.AmountFromInt64(-1) }, "network_fee"},
	} {
		r := ok
		r.ID = "p" + string(rune('a'+i))
		c.edit(&r)
		_, err := l.Do(t.Context(), r)
		wantCode(t, err, coffer.EINVALID)
		var e *coffer.Error
		if !errors.As(err, &e) || e.Param != c.param {
			t.Errorf("%s: %v", c.param, err)
		}
	}
	w, _ := s.Account(t.Context(), "wallet:alice:USDT")
	if !w.Held().IsZero() {
		t.Fatalf("held %s", w.Held())
	}
}
