package payout_test

import (
	"context"
	"errors"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/payout"
	"github.com/cofferhq/coffer/chain/send"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// TestPayoutsConfirmed sends a token and an ether payout through the whole pipeline on both
// stores: held at once, sent, confirmed at depth; the holds posted once, the network fee
// charged, the gas booked from the hot wallet's custody to the gas account, and the recipients
// paid on the chain.
func TestPayoutsConfirmed(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			r := setup(t, options{open: kind.Open, hotUSDT: 50_000_000, networkFee: 500_000})
			r.fund(t, "alice", "USDT", 100_000_000)
			r.fund(t, "alice", "ETH", 1_000_000_000_000_000_000)
			to1, to2 := newAddress(), newAddress()
			r.request(t, "w-usdt", "USDT", 25_000_000, to1)
			r.request(t, "w-eth", "ETH", 300_000_000_000_000_000, to2)
			r.request(t, "w-usdt", "USDT", 25_000_000, to1) // a retry holds and queues nothing more
			w := r.account(t, "wallet:alice:USDT")
			if w.Held() != coffer.AmountFromInt64(25_500_000) || w.Available() != coffer.AmountFromInt64(74_500_000) {
				t.Fatalf("held %s available %s", w.Held(), w.Available())
			}
			r.settle(t, 8, "w-usdt", "w-eth")

			ends := r.ends(t)
			var gas int64
			for _, id := range []string{"w-usdt", "w-eth"} {
				n, ok := ends[id]
				in := r.intent(t, id)
				if !ok || n.Status != "confirmed" || n.TxHash != in.TxHash || n.BlockNumber != in.BlockNumber || n.FeeAsset != "ETH" {
					t.Fatalf("%s: end %+v, intent %+v", id, n, in)
				}
				gas += in.Fee.Int64()
			}
			if got := r.sim.TokenBalance(t, to1); got.Cmp(big.NewInt(25_000_000)) != 0 {
				t.Fatalf("recipient holds %s USDT units", got)
			}
			if w = r.account(t, "wallet:alice:USDT"); w.Balance() != coffer.AmountFromInt64(74_500_000) || !w.Held().IsZero() {
				t.Fatalf("USDT wallet balance %s held %s", w.Balance(), w.Held())
			}
			if f := r.account(t, "system:fees:USDT"); f.Balance() != coffer.AmountFromInt64(500_000) {
				t.Fatalf("fees %s", f.Balance())
			}
			hot := r.sim.HotAddr().Hex()
			cu := r.account(t, ledger.CustodyAccountID(hot, "USDT"))
			if h := ledger.CustodyHolding(&cu); h != coffer.AmountFromInt64(-25_000_000) {
				t.Fatalf("USDT custody holding %s", h)
			}
			ce := r.account(t, ledger.CustodyAccountID(hot, "ETH"))
			want := coffer.AmountFromInt64(-(300_000_000_000_000_000 + gas))
			if h := ledger.CustodyHolding(&ce); h != want {
				t.Fatalf("ETH custody holding %s; want %s", h, want)
			}
			if g := r.account(t, ledger.GasAccountID("ETH")); g.Balance() != coffer.AmountFromInt64(-gas) {
				t.Fatalf("gas account %s; want -%d", g.Balance(), gas)
			}
			r.wantVerified(t)
		})
	}
}

// TestRevertedPayoutVoided sends a token payout the hot wallet cannot cover, with the token
// check off so that it goes out and the token reverts: the hold is voided (the owner's money
// available again), payout.failed carries the revert's reason, and the gas the chain took is
// booked all the same.
func TestRevertedPayoutVoided(t *testing.T) {
	r := setup(t, options{noTokenCheck: true})
	r.fund(t, "alice", "USDT", 10_000_000)
	r.request(t, "w-1", "USDT", 10_000_000, newAddress())
	r.settle(t, 8, "w-1")
	n := r.ends(t)["w-1"]
	in := r.intent(t, "w-1")
	if in.State != coffer.SendFailed || n.Status != "failed" || n.Reason != "reverted: balance too low" || n.Fee == "" {
		t.Fatalf("end %+v, intent %+v", n, in)
	}
	if w := r.account(t, "wallet:alice:USDT"); w.Available() != coffer.AmountFromInt64(10_000_000) || !w.Held().IsZero() {
		t.Fatalf("available %s held %s", w.Available(), w.Held())
	}
	if g := r.account(t, ledger.GasAccountID("ETH")); g.Balance().Neg().Big().Cmp(in.Fee) != 0 {
		t.Fatalf("gas %s; the chain took %s", g.Balance(), in.Fee)
	}
	r.wantVerified(t)
}

// TestWaitingFundsThenFundsArrive: a token payout the hot wallet cannot cover waits in
// waiting_funds, nothing signed, and goes out once tokens arrive; another waiting one is
// cancelled by an operator, which voids its hold once, however often the cancel is repeated.
func TestWaitingFundsThenFundsArrive(t *testing.T) {
	r := setup(t, options{hotUSDT: 1_000_000})
	r.fund(t, "alice", "USDT", 100_000_000)
	to := newAddress()
	r.request(t, "big", "USDT", 40_000_000, to)
	r.request(t, "small", "USDT", 1_000_000, newAddress())
	r.request(t, "gone", "USDT", 30_000_000, newAddress())
	p := r.pass(t)
	if p.WaitingFunds != 2 || r.intent(t, "big").State != coffer.SendWaitingFunds || r.intent(t, "small").State == coffer.SendWaitingFunds {
		t.Fatalf("progress %+v; big %s, small %s", p, r.intent(t, "big").State, r.intent(t, "small").State)
	}
	for range 2 {
		if _, err := r.svc.Cancel(t.Context(), "gone"); err != nil {
			t.Fatalf("Cancel: %v", err)
		}
	}
	r.sim.Commit()
	r.pass(t)
	if r.intent(t, "big").State != coffer.SendWaitingFunds {
		t.Fatalf("big is %s before funds arrived", r.intent(t, "big").State)
	}
	r.sim.Mint(t, 40_000_000)
	r.settle(t, 8, "big", "small")
	if _, err := r.svc.Cancel(t.Context(), "big"); coffer.ErrorCode(err) != coffer.ECONFLICT {
		t.Fatalf("cancel of a confirmed payout: %v", err)
	}
	ends := r.ends(t)
	if ends["big"].Status != "confirmed" || ends["small"].Status != "confirmed" ||
		ends["gone"].Status != "failed" || ends["gone"].Reason != payout.ReasonCancelled {
		t.Fatalf("ends %+v", ends)
	}
	if got := r.sim.TokenBalance(t, to); got.Cmp(big.NewInt(40_000_000)) != 0 {
		t.Fatalf("recipient holds %s", got)
	}
	if w := r.account(t, "wallet:alice:USDT"); w.Balance() != coffer.AmountFromInt64(59_000_000) || !w.Held().IsZero() {
		t.Fatalf("balance %s held %s", w.Balance(), w.Held())
	}
	r.wantVerified(t)
}

// TestQueueRepairsLostIntent holds a payout in the ledger without queueing its intent, as a
// crash between the two would leave it: the queue pass queues it from its payout.requested
// event, once, and it is confirmed.
func TestQueueRepairsLostIntent(t *testing.T) {
	r := setup(t, options{hotUSDT: 5_000_000})
	r.fund(t, "alice", "USDT", 5_000_000)
	if _, err := r.ledger.Do(t.Context(), ledger.RequestPayout{ID: "lost", Kind: ledger.PayoutWithdrawal, Owner: "alice",
		Asset: "USDT", Amount: coffer.AmountFromInt64(5_000_000), Chain: "dev", From: r.sim.HotAddr().Hex(), To: newAddress().Hex()}); err != nil {
		t.Fatal(err)
	}
	fence := r.claim(t, payout.QueueDutyName)
	for range 2 {
		if _, err := r.svc.QueuePass(t.Context(), fence); err != nil {
			t.Fatal(err)
		}
	}
	r.settle(t, 8, "lost")
	if n := r.ends(t)["lost"]; n.Status != "confirmed" {
		t.Fatalf("end %+v", n)
	}
	r.wantVerified(t)
}

// TestDestinationsRefused: the zero address, the hot wallet, a deposit address of Coffer's, a
// bad checksum and an unknown chain or asset are refused as invalid naming the field, and hold
// nothing.
func TestDestinationsRefused(t *testing.T) {
	r := setup(t, options{})
	r.fund(t, "alice", "USDT", 5_000_000)
	dep, _, err := r.store.AssignDepositAddress(t.Context(), "dev", "bob", func(uint32) (string, error) {
		return newAddress().Hex(), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	good := newAddress().Hex()
	for _, c := range []struct {
		name, chain, asset, to, param string
	}{
		{"zero", "dev", "USDT", common.Address{}.Hex(), "to"},
		{"hot wallet", "dev", "USDT", r.sim.HotAddr().Hex(), "to"},
		{"deposit address", "dev", "USDT", dep.Address, "to"},
		{"bad checksum", "dev", "USDT", "0x" + "aB" + good[4:], "to"},
		{"short", "dev", "USDT", "0x1234", "to"},
		{"chain", "mars", "USDT", good, "chain"},
		{"asset", "dev", "DOGE", good, "asset"},
	} {
		_, err := r.svc.Request(t.Context(), payout.Request{ID: "p-" + c.param, Kind: ledger.PayoutWithdrawal, Owner: "alice",
			Chain: c.chain, Asset: c.asset, Amount: coffer.AmountFromInt64(1), To: c.to})
		var e *coffer.Error
		if !errors.As(err, &e) || e.Code != coffer.EINVALID || e.Param != c.param {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if w := r.account(t, "wallet:alice:USDT"); !w.Held().IsZero() {
		t.Fatalf("held %s", w.Held())
	}
}

// TestRestartAtEveryStep stops the sender right after each step of a pass (the Step hook
// cancels the pass's context, as a crash would end it there) and starts another on the same
// store and ledger: each payout is sent once, its hold ends once, and no nonce is left behind.
func TestRestartAtEveryStep(t *testing.T) {
	steps := []send.Step{send.StepChecked, send.StepSigned, send.StepSent, send.StepMarked,
		send.StepMined, send.StepCalled, send.StepFinished}
	for _, step := range steps {
		t.Run(string(step), func(t *testing.T) {
			t.Parallel()
			r := setup(t, options{hotUSDT: 1_000_000})
			r.fund(t, "alice", "USDT", 1_000_000)
			r.fund(t, "alice", "ETH", 1_000_000)
			ids := []string{"a", "b", "c"}
			r.request(t, "a", "ETH", 100, newAddress())
			r.request(t, "b", "USDT", 200, newAddress())
			r.request(t, "c", "ETH", 300, newAddress())
			ctx, cancel := context.WithCancel(t.Context())
			stopped := false
			r.cfg.Step = func(s send.Step, in coffer.SendIntent) {
				if s == step && !stopped {
					stopped = true
					cancel()
				}
			}
			r.restart(t)
			for range 6 {
				_, err := r.s.Pass(ctx, r.fence)
				if stopped {
					if !errors.Is(err, context.Canceled) {
						t.Fatalf("the pass stopped at %s returned %v", step, err)
					}
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				r.sim.Commit()
			}
			if !stopped {
				t.Fatalf("step %s never came", step)
			}
			r.cfg.Step = nil
			r.restart(t)
			r.settle(t, 8, ids...)
			ends := r.ends(t)
			for _, id := range ids {
				if ends[id].Status != "confirmed" {
					t.Fatalf("%s: %+v", id, ends[id])
				}
			}
			mined, err := r.sim.Client().NonceAt(t.Context(), r.sim.HotAddr(), nil)
			if err != nil || mined != uint64(len(ids)) {
				t.Fatalf("the hot wallet's nonce is %d (%v); want %d", mined, err, len(ids))
			}
			if w := r.account(t, "wallet:alice:ETH"); w.Balance() != coffer.AmountFromInt64(1_000_000-400) || !w.Held().IsZero() {
				t.Fatalf("ETH wallet %s held %s", w.Balance(), w.Held())
			}
			r.wantVerified(t)
		})
	}
}
