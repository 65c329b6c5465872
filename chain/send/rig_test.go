package send_test

import (
	"context"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/send"
	"github.com/cofferhq/coffer/internal/chaintest"
	"github.com/cofferhq/coffer/internal/testdb"
)

// store is what the sender's tests need of a store: the sender's own capability, and leases
// for its fence.
type store interface {
	coffer.SendStore
	coffer.LeaseStore
}

// call is one call of the ledger.
type call struct {
	Kind string // confirmed, failed
	ID   string
	Out  send.Outcome
}

// ledger records the sender's calls.
type ledger struct {
	mu    sync.Mutex
	calls []call
}

func (l *ledger) record(kind string, in coffer.SendIntent, out send.Outcome) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, call{kind, in.ID, out})
	return nil
}

// Confirmed and Failed fail once ctx has ended, as a ledger's database call would.
func (l *ledger) Confirmed(ctx context.Context, in coffer.SendIntent, out send.Outcome) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return l.record("confirmed", in, out)
}

func (l *ledger) Failed(ctx context.Context, in coffer.SendIntent, out send.Outcome) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return l.record("failed", in, out)
}

// of returns the calls about the intent id.
func (l *ledger) of(id string) []call {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []call
	for _, c := range l.calls {
		if c.ID == id {
			out = append(out, c)
		}
	}
	return out
}

// client wraps the simulated chain's real client to inject faults: a SendTransaction dropped
// (the node answers as if it took the transaction, and does not have it), one whose answer is
// lost (the node takes it, the caller sees a timeout), a suggested tip below what the miner
// takes.
type client struct {
	send.Client
	mu       sync.Mutex
	drop     func(tx *types.Transaction) bool
	timeouts int // the next broadcasts whose answer is a timeout
	tip      *big.Int
}

func (c *client) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	c.mu.Lock()
	drop := c.drop != nil && c.drop(tx)
	timeout := c.timeouts > 0
	if timeout {
		c.timeouts--
	}
	c.mu.Unlock()
	if drop {
		return nil
	}
	err := c.Client.SendTransaction(ctx, tx)
	if timeout && err == nil {
		return context.DeadlineExceeded
	}
	return err
}

func (c *client) SuggestGasTipCap(ctx context.Context) (*big.Int, error) {
	c.mu.Lock()
	tip := c.tip
	c.mu.Unlock()
	if tip != nil {
		return new(big.Int).Set(tip), nil
	}
	return c.Client.SuggestGasTipCap(ctx)
}

type options struct {
	open          func(testing.TB) coffer.Store
	minTip        *big.Int // the miner's least tip
	confirmations uint64
	hotWei        *big.Int // the hot wallet's ether at genesis: 100 ether if nil, none if zero
	hotUSDT       int64    // its test tokens, minted after genesis
}

// rig is a simulated chain with a funded hot wallet and the test token, a store and the sender's
// configuration.
type rig struct {
	sim    *chaintest.Sim
	client *client
	store  store
	ledger *ledger
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
	if o.confirmations == 0 {
		o.confirmations = 2
	}
	sim := chaintest.NewSim(t, chaintest.SimConfig{HotWei: o.hotWei, HotUSDT: o.hotUSDT, MinerMinTip: o.minTip})
	st := o.open(t).(store)
	r := &rig{sim: sim, client: &client{Client: sim.Client()}, store: st, ledger: &ledger{}}
	lease := send.DutyName("dev", r.sim.HotAddr())
	l, ok, err := st.ClaimLease(t.Context(), lease, "test", time.Hour, nil)
	if err != nil || !ok {
		t.Fatalf("claim lease: %v %v", ok, err)
	}
	r.fence = coffer.Fence{Lease: lease, Token: l.Token}
	r.cfg = send.Config{
		Chain:     chain.Chain{Name: "dev", ID: chaintest.SimChainID, Confirmations: o.confirmations, Poll: time.Second},
		Assets:    chaintest.Assets(sim.Token),
		Client:    r.client,
		Store:     st,
		Key:       sim.Hot,
		Ledger:    r.ledger,
		FeeCapMax: new(big.Int).Mul(big.NewInt(500), gwei),
	}
	r.restart(t)
	return r
}

// restart makes a new sender on the same store and chain: a process restarted.
func (r *rig) restart(t testing.TB) {
	t.Helper()
	s, err := send.New(r.cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	r.s = s
}

func (r *rig) mine(t testing.TB, n int) {
	t.Helper()
	for range n {
		r.sim.Commit()
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

func (r *rig) queue(t testing.TB, id string, to common.Address, asset string, amount *big.Int) {
	t.Helper()
	if _, err := r.s.Queue(t.Context(), send.Payout{ID: id, To: to, Asset: asset, Amount: amount}); err != nil {
		t.Fatalf("Queue %s: %v", id, err)
	}
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

func (r *rig) balance(t testing.TB, a common.Address) *big.Int {
	t.Helper()
	b, err := r.sim.Client().BalanceAt(t.Context(), a, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantOnce checks that the intent ended once in state, with one attempt mined and the others
// replaced, and that the ledger heard of it (at least once: a repeat is allowed, the same).
func (r *rig) wantOnce(t testing.TB, id string, state coffer.SendState) coffer.SendIntent {
	t.Helper()
	in := r.intent(t, id)
	if in.State != state {
		t.Fatalf("intent %s is %s (%s); want %s", id, in.State, in.Reason, state)
	}
	as, err := r.store.SendAttempts(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	mined := 0
	for _, a := range as {
		switch a.State {
		case coffer.AttemptMined:
			mined++
			if a.TxHash != in.TxHash || a.Nonce != in.Nonce {
				t.Fatalf("intent %s: mined attempt %+v is not the intent's %s", id, a, in.TxHash)
			}
			rc, err := r.sim.Client().TransactionReceipt(t.Context(), common.HexToHash(a.TxHash))
			if err != nil || rc.BlockNumber.Uint64() != in.BlockNumber || rc.GasUsed != in.GasUsed {
				t.Fatalf("intent %s: receipt %+v, %v", id, rc, err)
			}
			fee := new(big.Int).Mul(new(big.Int).SetUint64(rc.GasUsed), rc.EffectiveGasPrice)
			if in.Fee.Cmp(fee) != 0 {
				t.Fatalf("intent %s: fee %s; the receipt says %s", id, in.Fee, fee)
			}
		case coffer.AttemptReplaced:
			if _, err := r.sim.Client().TransactionReceipt(t.Context(), common.HexToHash(a.TxHash)); err == nil {
				t.Fatalf("intent %s: replaced attempt %s is mined too", id, a.TxHash)
			}
		default:
			t.Fatalf("intent %s: attempt %s is %s after the end", id, a.TxHash, a.State)
		}
	}
	if mined != 1 {
		t.Fatalf("intent %s: %d attempts mined", id, mined)
	}
	calls := r.ledger.of(id)
	if len(calls) == 0 {
		t.Fatalf("intent %s: the ledger heard nothing", id)
	}
	for _, c := range calls {
		if c.Kind != map[coffer.SendState]string{coffer.SendConfirmed: "confirmed", coffer.SendFailed: "failed"}[state] ||
			c.Out.TxHash != in.TxHash || c.Out.Fee.Cmp(in.Fee) != 0 || c.Out.Reason != in.Reason {
			t.Fatalf("intent %s: ledger call %+v does not match %+v", id, c, in)
		}
	}
	return in
}

// wantNonces checks that the hot wallet's mined nonce is n and that the intents hold the
// nonces 0 to n-1, each once: no gap, no nonce twice.
func (r *rig) wantNonces(t testing.TB, n uint64, ids ...string) {
	t.Helper()
	mined, err := r.sim.Client().NonceAt(t.Context(), r.sim.HotAddr(), nil)
	if err != nil || mined != n {
		t.Fatalf("the hot wallet's nonce is %d (%v); want %d", mined, err, n)
	}
	seen := map[uint64]string{}
	for _, id := range ids {
		in := r.intent(t, id)
		if other, ok := seen[in.Nonce]; ok {
			t.Fatalf("intents %s and %s share nonce %d", other, id, in.Nonce)
		}
		seen[in.Nonce] = id
		if in.Nonce >= n {
			t.Fatalf("intent %s has nonce %d, past the mined %d", id, in.Nonce, n)
		}
	}
	if uint64(len(seen)) != n {
		t.Fatalf("%d intents hold %d nonces", len(seen), n)
	}
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%d", prefix, i)
	}
	return out
}

func ethereumCall(to common.Address, data []byte) ethereum.CallMsg {
	return ethereum.CallMsg{To: &to, Data: data}
}
