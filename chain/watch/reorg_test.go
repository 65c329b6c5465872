package watch_test

import (
	"crypto/ecdsa"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/devchain"
	"github.com/cofferhq/coffer/chain/testtoken"
	"github.com/cofferhq/coffer/chain/watch"
	"github.com/cofferhq/coffer/internal/chaintest"
)

// user is a key of the test's own, funded by the faucet, whose transactions the test signs:
// the faucet's nonces are devchain's to keep, and a double-spend needs a chosen nonce.
type user struct {
	key  *ecdsa.PrivateKey
	addr common.Address
}

func (f *fixture) user(t *testing.T) user {
	t.Helper()
	key, _ := crypto.GenerateKey()
	u := user{key, crypto.PubkeyToAddress(key.PublicKey)}
	f.fund(t, u.addr, devchain.AssetETH, 1e18)
	f.fund(t, u.addr, devchain.AssetUSDT, 1_000_000_000)
	f.mine(t, 1)
	// The pool takes in a new block in the background, and until then refuses the user's
	// transactions for want of funds. Fork at the head itself brings it to the head at once.
	f.fork(t, f.head(t).Hash())
	return u
}

// send signs and sends a transaction of u with nonce; bump (in percent, 100 for none) raises
// both fee caps, as a replacement must.
func (f *fixture) send(t *testing.T, u user, nonce uint64, to common.Address, value *big.Int, data []byte, bump int64) *types.Transaction {
	t.Helper()
	base := f.head(t).BaseFee
	tip := big.NewInt(1_000_000_000 * bump / 100)
	feeCap := new(big.Int).Add(new(big.Int).Mul(base, big.NewInt(3)), tip)
	id := big.NewInt(devchain.ChainID)
	tx, err := types.SignNewTx(u.key, types.LatestSignerForChainID(id), &types.DynamicFeeTx{
		ChainID: id, Nonce: nonce, GasTipCap: tip, GasFeeCap: feeCap, Gas: 100_000, To: &to, Value: value, Data: data,
	})
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	if err := f.dev.Client().SendTransaction(t.Context(), tx); err != nil {
		t.Fatalf("send: %v", err)
	}
	return tx
}

// resend sends tx again after a reorg: devchain's Fork empties the pool.
func (f *fixture) resend(t *testing.T, tx *types.Transaction) {
	t.Helper()
	if err := f.dev.Client().SendTransaction(t.Context(), tx); err != nil {
		t.Fatalf("resend %s: %v", tx.Hash(), err)
	}
}

func (f *fixture) fork(t *testing.T, parent common.Hash) {
	t.Helper()
	if err := f.dev.Fork(parent); err != nil {
		t.Fatalf("Fork: %v", err)
	}
}

func ether(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e18/1000)) } // n milliether

func (f *fixture) wantCalls(t *testing.T, kind string, n int) []call {
	t.Helper()
	got := f.ledger.of(kind)
	if len(got) != n {
		t.Fatalf("%s calls %+v; want %d", kind, got, n)
	}
	return got
}

// A reorg before the watcher saw the deposit: it never existed for Coffer.
func TestReorgBeforeSeen(t *testing.T) {
	f := setup(t, options{})
	u := f.user(t)
	alice, other := f.address("alice"), f.address("")
	f.pass(t)
	fork := f.head(t).Hash()
	f.send(t, u, 0, alice, ether(100), nil, 100)
	f.mine(t, 1)
	f.fork(t, fork)
	f.send(t, u, 0, other, ether(100), nil, 150)
	f.mine(t, 2)
	f.pass(t)
	f.mine(t, 3)
	f.pass(t)
	f.wantCalls(t, "pending", 0)
	f.wantCanonical(t)
	f.wantAcceptedInOrder(t)
}

// A deposit seen, then replaced by a double-spend on a longer branch: orphaned once the new
// branch is Confirmations past the fork point, never confirmed.
func TestReorgDoubleSpend(t *testing.T) {
	f := setup(t, options{confirmations: 3})
	u := f.user(t)
	alice, other := f.address("alice"), f.address("")
	f.pass(t)
	fork := f.head(t)
	dep := f.send(t, u, 0, alice, ether(100), nil, 100)
	f.mine(t, 2)
	f.pass(t)
	p := f.wantCalls(t, "pending", 1)[0]
	if p.Key != key(dep.Hash(), "native") || p.Block != fork.Number.Uint64()+1 {
		t.Fatalf("pending %+v", p)
	}
	f.fork(t, fork.Hash())
	f.send(t, u, 0, other, ether(100), nil, 150)
	f.mine(t, 2)
	f.pass(t)
	f.wantCalls(t, "orphaned", 0) // 2 blocks past the fork point: it may still come back
	d, err := f.store.Deposit(t.Context(), p.Key)
	if err != nil || d.Status != coffer.DepositPending || d.BlockHash != "" || d.ForkedAt != fork.Number.Uint64() {
		t.Fatalf("deposit out of the chain: %+v, %v", d, err)
	}
	f.mine(t, 1)
	f.pass(t)
	f.wantCalls(t, "orphaned", 1)
	f.mine(t, 5)
	f.pass(t)
	f.wantCalls(t, "confirmed", 0)
	f.wantCalls(t, "pending", 1)
	if d, _ := f.store.Deposit(t.Context(), p.Key); d.Status != coffer.DepositOrphaned {
		t.Fatalf("deposit %+v; want orphaned", d)
	}
	f.wantCanonical(t)
}

// The same transactions re-included in another block: the same deposits, confirmed once each.
func TestReorgReincluded(t *testing.T) {
	f := setup(t, options{confirmations: 3})
	u := f.user(t)
	alice := f.address("alice")
	f.pass(t)
	fork := f.head(t).Hash()
	eth := f.send(t, u, 0, alice, ether(7), nil, 100)
	usdt := f.send(t, u, 1, f.dev.Token(), new(big.Int), testtoken.NewCofferTestToken().PackTransfer(alice, big.NewInt(3_000_000)), 100)
	first := f.mine(t, 1)
	f.mine(t, 1)
	f.pass(t)
	f.wantCalls(t, "pending", 2)
	f.fork(t, fork)
	f.mine(t, 1) // empty: the transactions come back in the next block
	f.resend(t, eth)
	f.resend(t, usdt)
	f.mine(t, 2)
	f.pass(t)
	for _, k := range []string{key(eth.Hash(), "native"), key(usdt.Hash(), "0")} {
		d, err := f.store.Deposit(t.Context(), k)
		if err != nil || d.BlockHash == "" || d.BlockHash == hexHash(first) {
			t.Fatalf("deposit %s after the reorg: %+v, %v; want it in a new block", k, d, err)
		}
	}
	f.mine(t, 3)
	f.pass(t)
	f.pass(t)
	f.wantCalls(t, "pending", 2)
	f.wantCalls(t, "orphaned", 0)
	c := f.wantCalls(t, "confirmed", 2)
	if c[0].Key == c[1].Key {
		t.Fatalf("confirmed %+v; want each deposit once", c)
	}
	f.wantCanonical(t)
}

// A reorg six blocks deep, the deposit double-spent.
func TestReorgDeep(t *testing.T) {
	f := setup(t, options{confirmations: 10})
	u := f.user(t)
	alice, other := f.address("alice"), f.address("")
	f.pass(t)
	fork := f.head(t).Hash()
	f.send(t, u, 0, alice, ether(100), nil, 100)
	f.mine(t, 6)
	f.pass(t)
	f.wantCalls(t, "pending", 1)
	f.fork(t, fork)
	f.send(t, u, 0, other, ether(100), nil, 150)
	f.mine(t, 10)
	f.pass(t)
	f.wantCalls(t, "orphaned", 1)
	f.wantCalls(t, "confirmed", 0)
	f.wantCanonical(t)
}

// A reorg that leaves the node's head below the cursor is not acted on until the new branch is
// longer: a head that goes back alone is a lagging node.
func TestHeadBelowCursorIsIgnored(t *testing.T) {
	f := setup(t, options{})
	f.pass(t)
	fork := f.head(t).Hash()
	f.mine(t, 3)
	f.pass(t)
	top, _ := f.store.ChainTop(t.Context(), "dev")
	f.fork(t, fork)
	f.mine(t, 1)
	f.pass(t)
	if now, _ := f.store.ChainTop(t.Context(), "dev"); now != top {
		t.Fatalf("the top moved to %+v on a lower head; want %+v", now, top)
	}
	f.mine(t, 3)
	f.pass(t)
	f.wantCanonical(t)
}

func hexHash(h common.Hash) string { return "0x" + common.Bytes2Hex(h.Bytes()) }

// A reorg deeper than the confirmations under a confirmed deposit: it stays confirmed, is not
// confirmed again when its transaction comes back, and takes its new block.
func TestReorgUnderConfirmedDeposit(t *testing.T) {
	f := setup(t, options{confirmations: 2})
	u := f.user(t)
	alice := f.address("alice")
	f.pass(t)
	fork := f.head(t).Hash()
	dep := f.send(t, u, 0, alice, ether(5), nil, 100)
	first := f.mine(t, 1)
	f.mine(t, 2)
	f.pass(t)
	f.wantCalls(t, "confirmed", 1)
	f.fork(t, fork)
	f.mine(t, 1)
	f.resend(t, dep)
	f.mine(t, 3)
	f.pass(t)
	f.pass(t)
	f.wantCalls(t, "pending", 1)
	f.wantCalls(t, "confirmed", 1)
	f.wantCalls(t, "orphaned", 0)
	d, err := f.store.Deposit(t.Context(), key(dep.Hash(), "native"))
	if err != nil || d.Status != coffer.DepositConfirmed || d.BlockHash == "" || d.BlockHash == hexHash(first) {
		t.Fatalf("deposit %+v, %v; want confirmed in its new block", d, err)
	}
	f.wantCanonical(t)
}

// A reorg deeper than the blocks kept stops the watcher: no common ancestor is known, and
// guessing one could skip blocks.
func TestReorgDeeperThanKeptStops(t *testing.T) {
	f := setup(t, options{confirmations: 2})
	f.pass(t)
	fork := f.head(t).Hash()
	f.mine(t, watch.KeepMin+2)
	f.pass(t)
	top, _ := f.store.ChainTop(t.Context(), "dev")
	f.fork(t, fork)
	f.mine(t, watch.KeepMin+4)
	for range 2 {
		err := f.w.Pass(t.Context())
		if err == nil || !strings.Contains(err.Error(), "deeper than the") {
			t.Fatalf("Pass = %v; want the watcher stopped", err)
		}
	}
	if now, _ := f.store.ChainTop(t.Context(), "dev"); now != top {
		t.Fatalf("the top moved to %+v; want it left at %+v", now, top)
	}
}

// A chain that began again (the dev chain, new at every start) is forgotten down to its
// genesis: what was pending on the old one is orphaned, the new one is scanned from its start.
func TestForgetAChainThatBeganAgain(t *testing.T) {
	f := setup(t, options{confirmations: 3})
	alice := f.address("alice")
	f.fund(t, alice, devchain.AssetETH, 5)
	f.mine(t, 1)
	f.pass(t)
	f.wantCalls(t, "pending", 1)

	again := chaintest.DevChain(t)
	f.dev, f.cfg.Client, f.accepted = again, again.Client(), nil
	f.restart(t)
	if err := f.w.Forget(t.Context(), 0); err != nil {
		t.Fatalf("Forget: %v", err)
	}
	usdt := f.fund(t, alice, devchain.AssetUSDT, 7)
	f.mine(t, 3)
	f.pass(t)
	f.wantCalls(t, "pending", 2)
	if c := f.wantCalls(t, "confirmed", 1); c[0].Key != key(usdt, "0") {
		t.Fatalf("confirmed %+v; want the new chain's USDT deposit", c)
	}
	f.wantCalls(t, "orphaned", 1)
	f.wantCanonical(t)
	f.wantAcceptedInOrder(t)
}
