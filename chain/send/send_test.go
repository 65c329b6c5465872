package send_test

import (
	"context"
	"errors"
	"math/big"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/send"
	"github.com/cofferhq/coffer/chain/testtoken"
	"github.com/cofferhq/coffer/internal/chaintest"
	"github.com/cofferhq/coffer/internal/testdb"
)

// TestPayoutsConfirmed sends ether and a token: each is confirmed once at the chain's
// confirmations, with its fee, and the recipients hold exactly the amounts.
func TestPayoutsConfirmed(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			r := setup(t, options{open: kind.Open, confirmations: 2, hotUSDT: 100_000_000})
			alice, bob := newAddress(), newAddress()
			wei, _ := new(big.Int).SetString("1234567890123456789", 10)
			r.queue(t, "eth-1", alice, "ETH", wei)
			r.queue(t, "usdt-1", bob, "USDT", big.NewInt(25_000_001))
			p := r.pass(t)
			if p.InFlight != 2 || p.Queued != 0 || p.WaitingFunds != 0 {
				t.Fatalf("progress after the first pass: %+v", p)
			}
			for _, id := range []string{"eth-1", "usdt-1"} {
				if in := r.intent(t, id); in.State != coffer.SendBroadcast {
					t.Fatalf("%s is %s after a pass; want broadcast", id, in.State)
				}
			}
			r.mine(t, 1) // mined: one confirmation of two
			r.pass(t)
			if in := r.intent(t, "eth-1"); in.State != coffer.SendBroadcast || len(r.ledger.of("eth-1")) != 0 {
				t.Fatalf("ended at one confirmation of two: %+v", in)
			}
			r.mine(t, 1)
			r.pass(t)
			eth := r.wantOnce(t, "eth-1", coffer.SendConfirmed)
			usdt := r.wantOnce(t, "usdt-1", coffer.SendConfirmed)
			if got := r.balance(t, alice); got.Cmp(wei) != 0 {
				t.Fatalf("alice holds %s wei; want %s", got, wei)
			}
			if got := r.sim.TokenBalance(t, bob); got.Int64() != 25_000_001 {
				t.Fatalf("bob holds %s USDT units; want 25000001", got)
			}
			if eth.GasUsed != 21_000 || usdt.GasUsed <= 21_000 || eth.Fee.Sign() <= 0 {
				t.Fatalf("gas and fees: %+v %+v", eth, usdt)
			}
			r.wantNonces(t, 2, "eth-1", "usdt-1")
			// More passes change nothing and call the ledger no more.
			r.mine(t, 2)
			r.pass(t)
			if n := len(r.ledger.of("eth-1")) + len(r.ledger.of("usdt-1")); n != 2 {
				t.Fatalf("%d ledger calls; want 2", n)
			}
		})
	}
}

// TestRevertedTransferFails sends more tokens than the hot wallet holds: the token reverts,
// the intent fails with the reason, its nonce is used, and the intents after it go out.
func TestRevertedTransferFails(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			r := setup(t, options{open: kind.Open, hotUSDT: 10_000_000})
			alice, bob, carol := newAddress(), newAddress(), newAddress()
			r.queue(t, "too-much", alice, "USDT", big.NewInt(20_000_000))
			r.queue(t, "eth", bob, "ETH", big.NewInt(1_000))
			r.queue(t, "usdt", carol, "USDT", big.NewInt(1_000_000))
			all := []string{"too-much", "eth", "usdt"}
			r.settle(t, 10, all...)
			failed := r.wantOnce(t, "too-much", coffer.SendFailed)
			if failed.Reason != "reverted: balance too low" || failed.Fee.Sign() <= 0 || failed.Nonce != 0 {
				t.Fatalf("failed intent: %+v", failed)
			}
			if calls := r.ledger.of("too-much"); len(calls) != 1 || !calls[0].Out.Reverted || calls[0].Out.GasUsed == 0 {
				t.Fatalf("ledger calls %+v; want one failure, reverted, with its gas", calls)
			}
			r.wantOnce(t, "eth", coffer.SendConfirmed)
			r.wantOnce(t, "usdt", coffer.SendConfirmed)
			if got := r.sim.TokenBalance(t, alice); got.Sign() != 0 {
				t.Fatalf("alice holds %s", got)
			}
			if got := r.sim.TokenBalance(t, carol); got.Int64() != 1_000_000 {
				t.Fatalf("carol holds %s", got)
			}
			r.wantNonces(t, 3, all...)
		})
	}
}

// TestStuckPayoutReplaced has a node suggest a tip below the miner's least (a wrapper of the
// real client answers the suggestion): the payout is not mined, is replaced after BumpBlocks
// with both fees 15% up, twice, and the third attempt is mined; the others are replaced.
func TestStuckPayoutReplaced(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			minTip := big.NewInt(1_250_000_000) // 1.25 gwei: above 1.15, below 1.3225
			r := setup(t, options{open: kind.Open, minTip: minTip})
			r.client.tip = gwei
			to := newAddress()
			r.queue(t, "stuck", to, "ETH", big.NewInt(777))
			r.pass(t)
			for round := range 2 {
				r.mine(t, send.BumpBlocksDefault)
				if rc, err := r.sim.Client().TransactionReceipt(t.Context(), common.HexToHash(r.attempts(t, "stuck")[round].TxHash)); err == nil {
					t.Fatalf("round %d: an attempt with a tip below the miner's least was mined: %+v", round, rc)
				}
				r.pass(t)
				if n := len(r.attempts(t, "stuck")); n != round+2 {
					t.Fatalf("round %d: %d attempts; want %d", round, n, round+2)
				}
			}
			r.settle(t, 5, "stuck")
			in := r.wantOnce(t, "stuck", coffer.SendConfirmed)
			as := r.attempts(t, "stuck")
			if len(as) != 3 || as[2].TxHash != in.TxHash {
				t.Fatalf("attempts %+v; want the third of three mined", as)
			}
			for i := 1; i < len(as); i++ {
				prev, cur := as[i-1], as[i]
				if cur.Nonce != prev.Nonce ||
					new(big.Int).Mul(cur.GasTipCap, big.NewInt(100)).Cmp(new(big.Int).Mul(prev.GasTipCap, big.NewInt(115))) < 0 ||
					new(big.Int).Mul(cur.GasFeeCap, big.NewInt(100)).Cmp(new(big.Int).Mul(prev.GasFeeCap, big.NewInt(115))) < 0 {
					t.Fatalf("attempt %d %+v is not 15%% above %+v", i, cur, prev)
				}
			}
			if got := r.balance(t, to); got.Int64() != 777 {
				t.Fatalf("the recipient holds %s; want 777", got)
			}
			r.wantNonces(t, 1, "stuck")
		})
	}
}

// TestFeeCapStopsReplacement has the fee cap at the first attempt's fee cap: the payout is not
// replaced, and the progress says it is at the cap.
func TestFeeCapStopsReplacement(t *testing.T) {
	r := setup(t, options{minTip: big.NewInt(1_250_000_000)})
	r.client.tip = gwei
	head, err := r.sim.Client().HeaderByNumber(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The cap leaves room for the base fee of the next blocks, not for a 10% raise.
	r.cfg.FeeCapMax = new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), gwei)
	r.restart(t)
	r.queue(t, "capped", newAddress(), "ETH", big.NewInt(1))
	r.pass(t)
	r.mine(t, 2*send.BumpBlocksDefault)
	p := r.pass(t)
	if n := len(r.attempts(t, "capped")); n != 1 || p.AtFeeCap != 1 || p.InFlight != 1 {
		t.Fatalf("%d attempts, progress %+v; want one attempt at the fee cap", n, p)
	}
}

func (r *rig) attempts(t *testing.T, id string) []coffer.SendAttempt {
	t.Helper()
	as, err := r.store.SendAttempts(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// TestLostBroadcastRepaired drops the first broadcast of nonce 0 (a wrapper of the real client
// answers success and sends nothing): nonce 1 waits in the node's queue behind the gap, and the
// next pass sends nonce 0 again from its stored bytes; both are mined.
func TestLostBroadcastRepaired(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			r := setup(t, options{open: kind.Open})
			dropped := false
			r.client.drop = func(tx *types.Transaction) bool {
				if tx.Nonce() == 0 && !dropped {
					dropped = true
					return true
				}
				return false
			}
			r.queue(t, "first", newAddress(), "ETH", big.NewInt(10))
			r.queue(t, "second", newAddress(), "ETH", big.NewInt(20))
			r.pass(t)
			r.mine(t, 1)
			if n, err := r.sim.Client().NonceAt(t.Context(), r.sim.HotAddr(), nil); err != nil || n != 0 || !dropped {
				t.Fatalf("mined nonce %d (%v), dropped %v: the gap did not hold nonce 1 back", n, err, dropped)
			}
			if in := r.intent(t, "first"); in.State != coffer.SendBroadcast {
				t.Fatalf("first is %s; want broadcast (the node said it took it)", in.State)
			}
			r.settle(t, 6, "first", "second")
			r.wantOnce(t, "first", coffer.SendConfirmed)
			r.wantOnce(t, "second", coffer.SendConfirmed)
			r.wantNonces(t, 2, "first", "second")
		})
	}
}

// TestWaitingFundsThenSent starts with an empty hot wallet: the payout waits for funds, visible
// in the progress; another waiting payout is cancelled; the faucet funds the wallet and the
// first goes out and is confirmed, the cancelled one never.
func TestWaitingFundsThenSent(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			r := setup(t, options{open: kind.Open, hotWei: new(big.Int)})
			to, other := newAddress(), newAddress()
			r.queue(t, "pay", to, "ETH", chaintest.Ether(1))
			r.queue(t, "cancel-me", other, "ETH", chaintest.Ether(2))
			p := r.pass(t)
			if p.WaitingFunds != 2 || !slices.Equal(p.Waiting, []string{"pay", "cancel-me"}) || p.InFlight != 0 {
				t.Fatalf("progress %+v; want both waiting", p)
			}
			if in := r.intent(t, "pay"); in.State != coffer.SendWaitingFunds {
				t.Fatalf("pay is %s; want waiting_funds", in.State)
			}
			c, err := r.store.CancelSendIntent(t.Context(), "cancel-me")
			if err != nil || c.State != coffer.SendCancelled {
				t.Fatalf("cancel: %+v %v", c, err)
			}
			r.mine(t, 1)
			if p := r.pass(t); p.WaitingFunds != 1 {
				t.Fatalf("progress %+v; want pay still waiting", p)
			}
			r.sim.FaucetSend(t, r.sim.HotAddr(), new(big.Int).Add(chaintest.Ether(1), big.NewInt(1e16)), nil, 21_000)
			r.mine(t, 1)
			r.settle(t, 5, "pay")
			r.wantOnce(t, "pay", coffer.SendConfirmed)
			_, err = r.store.CancelSendIntent(t.Context(), "pay")
			if coffer.ErrorCode(err) != coffer.ECONFLICT {
				t.Fatalf("cancel of a confirmed intent: %v; want conflict", err)
			}
			if in := r.intent(t, "cancel-me"); in.State != coffer.SendCancelled || len(r.attempts(t, "cancel-me")) != 0 {
				t.Fatalf("cancelled intent %+v", in)
			}
			if got := r.balance(t, other); got.Sign() != 0 {
				t.Fatalf("the cancelled payout's recipient holds %s", got)
			}
			r.wantNonces(t, 1, "pay")
		})
	}
}

// TestManyGoOutWithConsecutiveNonces queues many payouts at once: one pass sends them all with
// the nonces 0 to n-1, and each is confirmed once.
func TestManyGoOutWithConsecutiveNonces(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			r := setup(t, options{open: kind.Open, hotUSDT: 1_000_000_000})
			all := ids("many", 60)
			for i, id := range all {
				asset := "ETH"
				if i%3 == 0 {
					asset = "USDT"
				}
				r.queue(t, id, newAddress(), asset, big.NewInt(int64(1000+i)))
			}
			if p := r.pass(t); p.InFlight != len(all) {
				t.Fatalf("progress %+v; want all %d in flight", p, len(all))
			}
			for i, id := range all {
				if in := r.intent(t, id); in.Nonce != uint64(i) || in.State != coffer.SendBroadcast {
					t.Fatalf("%s: %+v; want nonce %d, broadcast", id, in, i)
				}
			}
			r.settle(t, 6, all...)
			for _, id := range all {
				r.wantOnce(t, id, coffer.SendConfirmed)
			}
			r.wantNonces(t, uint64(len(all)), all...)
		})
	}
}

// TestStaleFenceSendsNothing checks that a sender whose lease has passed to another holder
// signs nothing.
func TestStaleFenceSendsNothing(t *testing.T) {
	r := setup(t, options{})
	r.queue(t, "pay", newAddress(), "ETH", big.NewInt(1))
	stale := r.fence
	stale.Token++
	_, err := r.s.Pass(t.Context(), stale)
	if coffer.ErrorCode(err) != coffer.ECONFLICT {
		t.Fatalf("Pass under a stale fence: %v", err)
	}
	if in := r.intent(t, "pay"); in.State != coffer.SendQueued || len(r.attempts(t, "pay")) != 0 {
		t.Fatalf("intent %+v after a pass under a stale fence; want queued, no attempt", in)
	}
	if n, _ := r.sim.Client().PendingNonceAt(t.Context(), r.sim.HotAddr()); n != 0 {
		t.Fatalf("the node has %d of the hot wallet's transactions", n)
	}
}

// TestRestartAtEveryStep stops the sender right after each step of a pass (the Step hook
// cancels the pass's context, as a crash would end it there) and starts a new one on the same
// store: every payout is sent once and confirmed once, with no nonce gap.
func TestRestartAtEveryStep(t *testing.T) {
	steps := []send.Step{send.StepChecked, send.StepSigned, send.StepSent, send.StepMarked,
		send.StepMined, send.StepCalled, send.StepFinished}
	for _, kind := range testdb.Kinds() {
		for _, step := range steps {
			t.Run(kind.Name+"/"+string(step), func(t *testing.T) {
				t.Parallel()
				r := setup(t, options{open: kind.Open, hotUSDT: 1_000_000})
				all := ids("pay", 3)
				tos := make([]common.Address, len(all))
				for i, id := range all {
					tos[i] = newAddress()
					asset := "ETH"
					if i == 1 {
						asset = "USDT"
					}
					r.queue(t, id, tos[i], asset, big.NewInt(int64(100+i)))
				}
				ctx, cancel := context.WithCancel(t.Context())
				stopped := ""
				r.cfg.Step = func(s send.Step, in coffer.SendIntent) {
					if s == step && stopped == "" {
						stopped = in.ID
						cancel()
					}
				}
				r.restart(t)
				for range 5 {
					_, err := r.s.Pass(ctx, r.fence)
					if stopped != "" {
						if !errors.Is(err, context.Canceled) {
							t.Fatalf("the pass stopped at %s returned %v", step, err)
						}
						break
					}
					if err != nil {
						t.Fatalf("Pass: %v", err)
					}
					r.mine(t, 1)
				}
				if stopped == "" {
					t.Fatalf("step %s never came", step)
				}
				r.cfg.Step = nil
				r.restart(t)
				r.settle(t, 8, all...)
				for i, id := range all {
					r.wantOnce(t, id, coffer.SendConfirmed)
					calls := len(r.ledger.of(id))
					if calls != 1 && !(calls == 2 && step == send.StepCalled && id == stopped) {
						t.Fatalf("%s: %d ledger calls", id, calls)
					}
					want := big.NewInt(int64(100 + i))
					got := r.balance(t, tos[i])
					if i == 1 {
						got = r.sim.TokenBalance(t, tos[i])
					}
					if got.Cmp(want) != 0 {
						t.Fatalf("%s: the recipient holds %s; want %s", id, got, want)
					}
				}
				r.wantNonces(t, uint64(len(all)), all...)
			})
		}
	}
}

// TestBroadcastTimeoutUnderstood has the node take the first broadcast and its answer lost (a
// wrapper of the real client sends the transaction, then answers a timeout): the payout is not
// failed; the next pass sends the same bytes again ("already known") and it is confirmed once.
func TestBroadcastTimeoutUnderstood(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			r := setup(t, options{open: kind.Open})
			r.client.timeouts = 1
			to := newAddress()
			r.queue(t, "pay", to, "ETH", big.NewInt(42))
			r.pass(t)
			if in := r.intent(t, "pay"); in.State != coffer.SendSigned {
				t.Fatalf("pay is %s after a timed-out broadcast; want signed", in.State)
			}
			as := r.attempts(t, "pay")
			if _, _, err := r.sim.Client().TransactionByHash(t.Context(), common.HexToHash(as[0].TxHash)); err != nil {
				t.Fatalf("the node does not have the transaction (%v); it should have reached it", err)
			}
			r.pass(t) // sent again: already known
			if in := r.intent(t, "pay"); in.State != coffer.SendBroadcast {
				t.Fatalf("pay is %s after the second pass; want broadcast", in.State)
			}
			r.settle(t, 5, "pay")
			r.wantOnce(t, "pay", coffer.SendConfirmed)
			if got := r.balance(t, to); got.Int64() != 42 {
				t.Fatalf("the recipient holds %s", got)
			}
			r.wantNonces(t, 1, "pay")
		})
	}
}

// TestRestartDuringReplacement stops the sender right after it committed a replacement of a
// stuck payout, before sending it, and starts another: the replacement goes out from the store,
// one attempt is mined, the others are replaced.
func TestRestartDuringReplacement(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			r := setup(t, options{open: kind.Open, minTip: big.NewInt(1_100_000_000)})
			r.client.tip = gwei
			to := newAddress()
			r.queue(t, "stuck", to, "ETH", big.NewInt(9))
			r.pass(t)
			r.mine(t, send.BumpBlocksDefault)
			ctx, cancel := context.WithCancel(t.Context())
			replacing := false
			r.cfg.Step = func(s send.Step, in coffer.SendIntent) {
				switch {
				case s == send.StepReplacing:
					replacing = true
				case s == send.StepSigned && replacing:
					cancel()
				}
			}
			r.restart(t)
			if _, err := r.s.Pass(ctx, r.fence); !errors.Is(err, context.Canceled) {
				t.Fatalf("the pass stopped after the replacement's commit returned %v", err)
			}
			as := r.attempts(t, "stuck")
			if len(as) != 2 || as[1].State != coffer.AttemptSigned {
				t.Fatalf("attempts %+v; want the replacement committed, not sent", as)
			}
			r.mine(t, 1)
			if _, err := r.sim.Client().TransactionReceipt(t.Context(), common.HexToHash(as[0].TxHash)); err == nil {
				t.Fatal("the first attempt was mined below the miner's least tip")
			}
			r.cfg.Step = nil
			r.restart(t)
			r.settle(t, 5, "stuck")
			in := r.wantOnce(t, "stuck", coffer.SendConfirmed)
			if in.TxHash != as[1].TxHash {
				t.Fatalf("mined %s; want the replacement %s", in.TxHash, as[1].TxHash)
			}
			if got := r.balance(t, to); got.Int64() != 9 {
				t.Fatalf("the recipient holds %s", got)
			}
			r.wantNonces(t, 1, "stuck")
		})
	}
}

// TestNoReturnTokenConfirmed pays in a token whose transfer returns nothing, like USDT: the
// payout is confirmed by its receipt and Transfer log, not by a return value.
func TestNoReturnTokenConfirmed(t *testing.T) {
	r := setup(t, options{})
	nrt := testtoken.NewNoReturnToken()
	addr := r.sim.Deploy(t, testtoken.NoReturnTokenMetaData.Bin, nrt.PackConstructor("No Return", "NRT", 6))
	r.sim.MineOK(t, r.sim.FaucetSend(t, addr, nil, nrt.PackMint(r.sim.HotAddr(), big.NewInt(5_000_000)), 100_000))
	r.cfg.Assets = append(r.cfg.Assets, chain.Asset{Code: "NRT", Chain: "dev", Contract: &addr, Decimals: 6})
	r.restart(t)
	to := newAddress()
	r.queue(t, "nrt", to, "NRT", big.NewInt(1_500_000))
	r.settle(t, 5, "nrt")
	r.wantOnce(t, "nrt", coffer.SendConfirmed)
	out, err := r.sim.Client().CallContract(t.Context(), ethereumCall(addr, nrt.PackBalanceOf(to)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := nrt.UnpackBalanceOf(out); err != nil || got.Int64() != 1_500_000 {
		t.Fatalf("the recipient holds %v (%v); want 1500000", got, err)
	}
}

// TestReorgBeforeConfirmations mines a payout, then abandons its block by a reorg before it is
// deep enough: it is not ended on the abandoned block; the sender sends the same bytes again,
// and the payout is confirmed once, in the new branch.
func TestReorgBeforeConfirmations(t *testing.T) {
	r := setup(t, options{confirmations: 3})
	to := newAddress()
	r.queue(t, "pay", to, "ETH", big.NewInt(31))
	r.pass(t)
	parent, err := r.sim.Client().HeaderByNumber(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	r.mine(t, 2) // mined, two deep of three
	r.pass(t)
	abandoned := r.attempts(t, "pay")[0]
	rc, err := r.sim.Client().TransactionReceipt(t.Context(), common.HexToHash(abandoned.TxHash))
	if err != nil || rc.BlockNumber.Uint64() != parent.Number.Uint64()+1 {
		t.Fatalf("receipt before the reorg: %+v %v", rc, err)
	}
	if err := r.sim.Fork(parent.Hash()); err != nil {
		t.Fatalf("Fork: %v", err)
	}
	r.sim.Rollback() // the pool forgets the abandoned blocks' transactions: only the sender sends again
	r.mine(t, 3)     // a longer branch without the payout
	if in := r.intent(t, "pay"); in.State != coffer.SendBroadcast {
		t.Fatalf("pay is %s; want broadcast", in.State)
	}
	r.pass(t) // the receipt is gone and the node does not have the transaction: sent again
	if in := r.intent(t, "pay"); in.State.Final() {
		t.Fatalf("pay ended on an abandoned block: %+v", in)
	}
	r.settle(t, 6, "pay")
	in := r.wantOnce(t, "pay", coffer.SendConfirmed)
	if in.BlockNumber <= parent.Number.Uint64()+3 || len(r.attempts(t, "pay")) != 1 || in.TxHash != abandoned.TxHash {
		t.Fatalf("confirmed %+v; want the same attempt in the new branch, past block %d", in, parent.Number.Uint64()+3)
	}
	if got := r.balance(t, to); got.Int64() != 31 {
		t.Fatalf("the recipient holds %s", got)
	}
	if calls := r.ledger.of("pay"); len(calls) != 1 {
		t.Fatalf("ledger calls %+v; want one", calls)
	}
}
