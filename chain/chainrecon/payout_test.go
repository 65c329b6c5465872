package chainrecon_test

import (
	"context"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/credit"
	"github.com/cofferhq/coffer/chain/devchain"
	"github.com/cofferhq/coffer/chain/payout"
	"github.com/cofferhq/coffer/chain/send"
	"github.com/cofferhq/coffer/chain/watch"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// hotOwner is the owner credited with the hot wallet's funding in these tests.
const hotOwner = "treasury"

// TestReconcileSettledPayout reconciles while a payout is settled in the ledger and its send
// intent not yet ended in the store: the sender stopped right after telling the ledger (a
// crash there, or a run that falls between the two writes). The custody has lost the payout
// and its gas, the sender's record has not: the ledger's settlement counts as the intent's end,
// so there is no difference, neither when the transaction is mined after the pinned block (the
// ledger's side taken back to the pin) nor when it is mined at or before it (the transfer
// compared by hash). A payout that reverts (its hold voided, its gas recorded) is the same.
func TestReconcileSettledPayout(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, kind)
			ctx := t.Context()
			f.watchHot(t)
			f.fund(t, f.hot, devchain.AssetETH, 1e18)
			f.fund(t, f.hot, devchain.AssetUSDT, 50_000_000)
			f.settle(t)
			if r := f.run(t, "r0"); r.Status != coffer.ReconMatched {
				t.Fatalf("after the hot wallet's funding: %+v", r.Lines)
			}
			svc, err := payout.New(payout.Config{Chains: f.cc, Hot: map[string]common.Address{"dev": f.hot}, Ledger: f.ledger, Store: f.store})
			if err != nil {
				t.Fatal(err)
			}
			// The ledger thinks the treasury has 10 USDT more than the chain: a payout of them
			// all is sent unchecked and reverts.
			if _, err := f.ledger.Do(ctx, ledger.Deposit{ID: "extra", Owner: hotOwner, Asset: "USDT",
				Amount: coffer.AmountFromInt64(10_000_000)}); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				id     string
				amount int64
				state  coffer.SendState
			}{
				{"p1", 20_000_000, coffer.SendConfirmed},
				{"p2", 40_000_000, coffer.SendFailed},
			} {
				to, _ := crypto.GenerateKey()
				if _, err := svc.Request(ctx, payout.Request{ID: c.id, Kind: ledger.PayoutWithdrawal, Owner: hotOwner, Chain: "dev",
					Asset: "USDT", Amount: coffer.AmountFromInt64(c.amount), To: crypto.PubkeyToAddress(to.PublicKey).Hex()}); err != nil {
					t.Fatalf("request %s: %v", c.id, err)
				}
				s := f.sendUntilCalled(t, svc, c.id)
				in, err := f.store.SendIntent(ctx, c.id)
				if err != nil || in.State.Final() {
					t.Fatalf("%s after the ledger was told: %+v, %v", c.id, in, err)
				}
				hold, err := f.store.Transfer(ctx, c.id)
				if err != nil || hold.State == coffer.StatePending {
					t.Fatalf("%s's hold after the ledger was told: %+v, %v", c.id, hold, err)
				}
				// Mined one block after the pin: the state at the pin has not seen it.
				r := f.run(t, c.id+"-after-pin")
				if mined := f.minedBlock(t, c.id); mined != r.BlockNumber+1 {
					t.Fatalf("%s mined in block %d, pinned %d: not the window of this test", c.id, mined, r.BlockNumber)
				}
				if r.Status != coffer.ReconMatched {
					t.Fatalf("%s settled, mined after the pinned block %d: %+v", c.id, r.BlockNumber, r.Lines)
				}
				// Mined at or before the pin, within the transfers' window.
				for range confirmations {
					if _, err := f.dev.Mine(); err != nil {
						t.Fatal(err)
					}
				}
				if r := f.run(t, c.id+"-before-pin"); r.Status != coffer.ReconMatched {
					t.Fatalf("%s settled, mined before the pinned block %d: %+v", c.id, r.BlockNumber, r.Lines)
				}
				// The sender carries on and records the end the ledger has.
				if _, err := s.Pass(ctx, f.fence(t)); err != nil {
					t.Fatal(err)
				}
				if in, err := f.store.SendIntent(ctx, c.id); err != nil || in.State != c.state {
					t.Fatalf("%s ended %+v, %v; want %s", c.id, in, err, c.state)
				}
				if r := f.run(t, c.id+"-ended"); r.Status != coffer.ReconMatched {
					t.Fatalf("%s ended: %+v", c.id, r.Lines)
				}
			}
			if hold, err := f.store.Transfer(ctx, "p2"); err != nil || hold.State != coffer.StateVoided {
				t.Fatalf("the reverted payout's hold: %+v, %v", hold, err)
			}
			verify(t, f)
		})
	}
}

// watchHot makes the watcher credit what arrives at the hot wallet to hotOwner, as coffer
// serve does, so that the hot wallet's custody follows its balance.
func (f *fixture) watchHot(t *testing.T) {
	t.Helper()
	deposits := credit.Addresses(f.store, "dev")
	lookup := func(ctx context.Context, addrs []common.Address) (map[common.Address]string, error) {
		out, err := deposits(ctx, addrs)
		if err != nil {
			return nil, err
		}
		for _, a := range addrs {
			if a == f.hot {
				out[a] = hotOwner
			}
		}
		return out, nil
	}
	var err error
	f.w, err = watch.New(watch.Config{Chain: f.cc.Chains[0], Assets: f.cc.Assets, Client: f.dev.Client(), Store: f.store,
		Addresses: lookup, Ledger: &credit.Credit{Chain: f.cc.Chains[0], Ledger: f.ledger, Transfers: f.store, Tops: f.store},
		From: 1})
	if err != nil {
		t.Fatal(err)
	}
}

// fence claims (or renews) the hot wallet's sender's lease.
func (f *fixture) fence(t *testing.T) coffer.Fence {
	t.Helper()
	name := send.DutyName("dev", f.hot)
	le, ok, err := f.store.ClaimLease(t.Context(), name, "test", time.Hour, nil)
	if err != nil || !ok {
		t.Fatalf("claim lease: %v %v", ok, err)
	}
	return coffer.Fence{Lease: name, Token: le.Token}
}

// sendUntilCalled runs the hot wallet's sender a pass a block until it has told the ledger of
// the payout id's end, and stops it there, before it records the end. It returns a new sender,
// as after a restart.
func (f *fixture) sendUntilCalled(t *testing.T, svc *payout.Service, id string) *send.Sender {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stopped := false
	cfg := send.Config{Chain: f.cc.Chains[0], Assets: f.cc.Assets, Client: f.dev.Client().(send.Client), Store: f.store,
		Key: f.hotKey, Ledger: svc, FeeCapMax: big.NewInt(500e9),
		Step: func(s send.Step, in coffer.SendIntent) {
			if s == send.StepCalled && in.ID == id {
				stopped = true
				cancel()
			}
		}}
	s, err := send.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fence := f.fence(t)
	for range 20 {
		_, err := s.Pass(ctx, fence)
		if stopped {
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("the pass stopped at %s returned %v", send.StepCalled, err)
			}
			cfg.Step = nil
			if s, err = send.New(cfg); err != nil {
				t.Fatal(err)
			}
			return s
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.dev.Mine(); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("payout %s was not settled in 20 blocks", id)
	return nil
}

// minedBlock returns the block that mined the intent id's one attempt.
func (f *fixture) minedBlock(t *testing.T, id string) uint64 {
	t.Helper()
	as, err := f.store.SendAttempts(t.Context(), id)
	if err != nil || len(as) != 1 {
		t.Fatalf("attempts of %s: %+v, %v", id, as, err)
	}
	rc, err := f.dev.Client().TransactionReceipt(t.Context(), common.HexToHash(as[0].TxHash))
	if err != nil {
		t.Fatal(err)
	}
	return rc.BlockNumber.Uint64()
}
