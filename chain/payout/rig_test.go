package payout_test

import (
	"context"
	"encoding/json"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/payout"
	"github.com/cofferhq/coffer/chain/send"
	"github.com/cofferhq/coffer/internal/chaintest"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// store is what the tests need of a store: the ledger's, the sender's and the service's.
type store interface {
	coffer.Store
	coffer.SendStore
	coffer.LeaseStore
	coffer.CursorStore
	coffer.DepositAddressStore
}

type options struct {
	open    func(testing.TB) coffer.Store
	hotUSDT int64 // the hot wallet's test tokens, minted after genesis
	// noTokenCheck sends a token payout the hot wallet cannot cover, so that it reverts.
	noTokenCheck bool
	networkFee   int64 // USDT minor units charged per payout
}

// rig is a simulated chain with a funded hot wallet and the test token, a real ledger and
// store, the payout service and the hot wallet's sender.
type rig struct {
	sim    *chaintest.Sim
	store  store
	ledger *ledger.Ledger
	svc    *payout.Service
	fence  coffer.Fence
	cfg    send.Config
	s      *send.Sender
}

var gwei = big.NewInt(1_000_000_000)

func setup(t testing.TB, o options) *rig {
	t.Helper()
	if o.open == nil {
		o.open = testdb.SQLite
	}
	sim := chaintest.NewSim(t, chaintest.SimConfig{HotUSDT: o.hotUSDT})
	st := o.open(t).(store)
	l := chaintest.Ledger(t, st)
	r := &rig{sim: sim, store: st, ledger: l}
	lease := send.DutyName("dev", r.sim.HotAddr())
	le, ok, err := st.ClaimLease(t.Context(), lease, "test", time.Hour, nil)
	if err != nil || !ok {
		t.Fatalf("claim lease: %v %v", ok, err)
	}
	r.fence = coffer.Fence{Lease: lease, Token: le.Token}
	cc := chaintest.Config(t, chain.Chain{Name: "dev", ID: chaintest.SimChainID, Confirmations: 2, Poll: time.Second}, sim.Token)
	fees := map[string]coffer.Amount{}
	if o.networkFee > 0 {
		fees["USDT"] = coffer.AmountFromInt64(o.networkFee)
	}
	r.svc, err = payout.New(payout.Config{Chains: cc, Hot: map[string]common.Address{"dev": r.sim.HotAddr()},
		Ledger: l, Store: st, NetworkFee: fees})
	if err != nil {
		t.Fatal(err)
	}
	r.cfg = send.Config{
		Chain:       cc.Chains[0],
		Assets:      cc.Assets,
		Client:      sim.Client(),
		Store:       st,
		Key:         sim.Hot,
		Ledger:      r.svc,
		FeeCapMax:   new(big.Int).Mul(big.NewInt(500), gwei),
		CheckTokens: !o.noTokenCheck,
	}
	r.restart(t)
	return r
}

// restart makes a new sender on the same store and chain: a process restarted.
func (r *rig) restart(t testing.TB) {
	t.Helper()
	s, err := send.New(r.cfg)
	if err != nil {
		t.Fatalf("send.New: %v", err)
	}
	r.s = s
}

// fund credits the owner's wallet in the ledger, as a deposit would.
func (r *rig) fund(t testing.TB, owner, asset string, amount int64) {
	t.Helper()
	if _, err := r.ledger.Do(t.Context(), ledger.Deposit{ID: "fund-" + owner + "-" + asset, Owner: owner, Asset: asset,
		Amount: coffer.AmountFromInt64(amount)}); err != nil {
		t.Fatal(err)
	}
}

func (r *rig) request(t testing.TB, id, asset string, amount int64, to common.Address) {
	t.Helper()
	if _, err := r.svc.Request(t.Context(), payout.Request{ID: id, Kind: ledger.PayoutWithdrawal, Owner: "alice",
		Chain: "dev", Asset: asset, Amount: coffer.AmountFromInt64(amount), To: to.Hex()}); err != nil {
		t.Fatalf("Request %s: %v", id, err)
	}
}

func (r *rig) pass(t testing.TB) send.Progress {
	t.Helper()
	p, err := r.s.Pass(t.Context(), r.fence)
	if err != nil {
		t.Fatalf("Pass: %v", err)
	}
	return p
}

func (r *rig) intent(t testing.TB, id string) coffer.SendIntent {
	t.Helper()
	in, err := r.store.SendIntent(t.Context(), id)
	if err != nil {
		t.Fatalf("SendIntent %s: %v", id, err)
	}
	return in
}

// settle runs passes, mining a block after each, until every intent of ids is final; at most
// rounds times.
func (r *rig) settle(t testing.TB, rounds int, ids ...string) {
	t.Helper()
	r.sim.Settle(t, rounds, func() { r.pass(t) }, r.store, ids...)
}

func newAddress() common.Address {
	k, _ := crypto.GenerateKey()
	return crypto.PubkeyToAddress(k.PublicKey)
}

func (r *rig) account(t testing.TB, id string) coffer.Account {
	t.Helper()
	a, err := r.store.Account(t.Context(), id)
	if err != nil {
		t.Fatalf("account %s: %v", id, err)
	}
	return a
}

// ends returns the payout.confirmed and payout.failed notices by transfer id, failing the test
// if any payout has more than one.
func (r *rig) ends(t testing.TB) map[string]coffer.PayoutNotice {
	t.Helper()
	es, err := r.store.Events(context.Background(), 0, coffer.ListRowsMax)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]coffer.PayoutNotice{}
	for _, e := range es {
		if e.Type != coffer.EventPayoutConfirmed && e.Type != coffer.EventPayoutFailed {
			continue
		}
		var n coffer.PayoutNotice
		if err := json.Unmarshal(e.Data, &n); err != nil {
			t.Fatal(err)
		}
		if _, twice := out[n.TransferID]; twice {
			t.Fatalf("payout %s ended twice", n.TransferID)
		}
		out[n.TransferID] = n
	}
	return out
}

// wantVerified checks the ledger is clean, and that the hot wallet's custody of ether says what
// the chain's gas took: the gas of every payout mined is booked.
func (r *rig) wantVerified(t testing.TB) {
	t.Helper()
	rep, err := ledger.Verify(t.Context(), r.store)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("verify: %+v", rep.Violations)
	}
}

// claim takes the lease name and returns its fence.
func (r *rig) claim(t testing.TB, name string) coffer.Fence {
	t.Helper()
	le, ok, err := r.store.ClaimLease(t.Context(), name, "test", time.Hour, nil)
	if err != nil || !ok {
		t.Fatalf("claim lease %s: %v %v", name, ok, err)
	}
	return coffer.Fence{Lease: name, Token: le.Token}
}
