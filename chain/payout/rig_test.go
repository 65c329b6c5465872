package payout_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/payout"
	"github.com/cofferhq/coffer/chain/send"
	"github.com/cofferhq/coffer/chain/testtoken"
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
	sim     *simulated.Backend
	store   store
	ledger  *ledger.Ledger
	svc     *payout.Service
	faucet  *ecdsa.PrivateKey
	hot     *ecdsa.PrivateKey
	token   common.Address
	fence   coffer.Fence
	cfg     send.Config
	s       *send.Sender
	faucetN uint64
}

var (
	gwei      = big.NewInt(1_000_000_000)
	faucetTip = new(big.Int).Mul(big.NewInt(10), gwei)
	erc20     = testtoken.NewCofferTestToken()
)

func ether(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e18)) }

func setup(t testing.TB, o options) *rig {
	t.Helper()
	if o.open == nil {
		o.open = testdb.SQLite
	}
	faucet, _ := crypto.GenerateKey()
	hot, _ := crypto.GenerateKey()
	sim := simulated.NewBackend(types.GenesisAlloc{
		crypto.PubkeyToAddress(faucet.PublicKey): {Balance: ether(1_000_000)},
		crypto.PubkeyToAddress(hot.PublicKey):    {Balance: ether(100)},
	})
	t.Cleanup(func() { sim.Close() })
	st := o.open(t).(store)
	l := chaintest.Ledger(t, st)
	r := &rig{sim: sim, store: st, ledger: l, faucet: faucet, hot: hot}
	r.deployToken(t)
	r.mint(t, o.hotUSDT)
	lease := send.DutyName("dev", r.hotAddr())
	le, ok, err := st.ClaimLease(t.Context(), lease, "test", time.Hour, nil)
	if err != nil || !ok {
		t.Fatalf("claim lease: %v %v", ok, err)
	}
	r.fence = coffer.Fence{Lease: lease, Token: le.Token}
	cc := chaintest.Config(t, chain.Chain{Name: "dev", ID: 1337, Confirmations: 2, Poll: time.Second}, r.token)
	fees := map[string]coffer.Amount{}
	if o.networkFee > 0 {
		fees["USDT"] = coffer.AmountFromInt64(o.networkFee)
	}
	r.svc, err = payout.New(payout.Config{Chains: cc, Hot: map[string]common.Address{"dev": r.hotAddr()},
		Ledger: l, Store: st, NetworkFee: fees})
	if err != nil {
		t.Fatal(err)
	}
	r.cfg = send.Config{
		Chain:       cc.Chains[0],
		Assets:      cc.Assets,
		Client:      sim.Client(),
		Store:       st,
		Key:         hot,
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

func (r *rig) hotAddr() common.Address { return crypto.PubkeyToAddress(r.hot.PublicKey) }

// deployToken deploys the test token from the faucet.
func (r *rig) deployToken(t testing.TB) {
	t.Helper()
	opts := bind.NewKeyedTransactor(r.faucet, big.NewInt(1337))
	opts.GasTipCap = faucetTip
	addr, tx, err := bind.DeployContract(opts, common.FromHex(testtoken.CofferTestTokenMetaData.Bin),
		r.sim.Client(), erc20.PackConstructor("Coffer Test USD", "USDT", 6))
	if err != nil {
		t.Fatalf("deploy token: %v", err)
	}
	r.faucetN++
	r.sim.Commit()
	if rc, err := r.sim.Client().TransactionReceipt(t.Context(), tx.Hash()); err != nil || rc.Status != 1 {
		t.Fatalf("deploy token: %+v %v", rc, err)
	}
	r.token = addr
}

// mint mints usdt test tokens to the hot wallet, in the next block.
func (r *rig) mint(t testing.TB, usdt int64) {
	t.Helper()
	if usdt <= 0 {
		return
	}
	head, err := r.sim.Client().HeaderByNumber(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := types.SignNewTx(r.faucet, types.LatestSignerForChainID(big.NewInt(1337)), &types.DynamicFeeTx{
		ChainID: big.NewInt(1337), Nonce: r.faucetN, GasTipCap: faucetTip,
		GasFeeCap: new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), faucetTip),
		Gas:       100_000, To: &r.token, Data: erc20.PackMint(r.hotAddr(), big.NewInt(usdt)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.sim.Client().SendTransaction(t.Context(), tx); err != nil {
		t.Fatalf("mint: %v", err)
	}
	r.faucetN++
	r.sim.Commit()
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
	for range rounds {
		r.pass(t)
		done := true
		for _, id := range ids {
			if !r.intent(t, id).State.Final() {
				done = false
			}
		}
		if done {
			return
		}
		r.sim.Commit()
	}
	for _, id := range ids {
		t.Logf("%s: %+v", id, r.intent(t, id))
	}
	t.Fatalf("not every intent ended in %d rounds", rounds)
}

func newAddress() common.Address {
	k, _ := crypto.GenerateKey()
	return crypto.PubkeyToAddress(k.PublicKey)
}

func (r *rig) tokenBalance(t testing.TB, a common.Address) *big.Int {
	t.Helper()
	out, err := r.sim.Client().CallContract(t.Context(), ethereum.CallMsg{To: &r.token, Data: erc20.PackBalanceOf(a)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := erc20.UnpackBalanceOf(out)
	if err != nil {
		t.Fatal(err)
	}
	return v
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
