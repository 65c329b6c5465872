package credit_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/address"
	"github.com/cofferhq/coffer/chain/credit"
	"github.com/cofferhq/coffer/chain/devchain"
	"github.com/cofferhq/coffer/chain/testtoken"
	"github.com/cofferhq/coffer/chain/watch"
	"github.com/cofferhq/coffer/internal/chaintest"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// store is what both stores are: the ledger's, the watcher's and the deposit addresses'.
type store interface {
	coffer.Store
	coffer.ChainWatchStore
	coffer.DepositAddressStore
}

// fixture is a dev chain, a store, the ledger over it, the deposit addresses derived from the
// golden seed and a watcher whose Ledger is a credit.Credit.
type fixture struct {
	dev    *devchain.Chain
	store  store
	ledger *ledger.Ledger
	addrs  *address.Service
	credit *credit.Credit
	cfg    watch.Config
	w      *watch.Watcher
}

func setup(t *testing.T, kind testdb.Kind, confirmations uint64) *fixture {
	t.Helper()
	dev := chaintest.DevChain(t)
	s := kind.Open(t).(store)
	l := chaintest.Ledger(t, s)
	cc := chaintest.Config(t, chain.Chain{Name: "dev", ID: devchain.ChainID, Confirmations: confirmations, BlockRangeMax: 1000},
		dev.Token())
	xpub := chaintest.XPub(t)
	f := &fixture{dev: dev, store: s, ledger: l, addrs: &address.Service{Config: cc, Keys: xpub, Store: s}}
	f.credit = &credit.Credit{Chain: cc.Chains[0], Ledger: l, Transfers: s, Tops: s}
	f.cfg = watch.Config{
		Chain:     cc.Chains[0],
		Assets:    cc.Assets,
		Client:    dev.Client(),
		Store:     s,
		Addresses: credit.Addresses(s, "dev"),
		Ledger:    f.credit,
		From:      1,
	}
	f.restart(t)
	return f
}

// restart makes a new watcher on the same store and ledger: a process restarted.
func (f *fixture) restart(t *testing.T) {
	t.Helper()
	w, err := watch.New(f.cfg)
	if err != nil {
		t.Fatalf("watch.New: %v", err)
	}
	f.w = w
}

// address assigns owner its deposit address on the dev chain.
func (f *fixture) address(t *testing.T, owner string) common.Address {
	t.Helper()
	a, _, err := f.addrs.Assign(t.Context(), owner, "dev", "")
	if err != nil {
		t.Fatalf("assign %s: %v", owner, err)
	}
	return common.HexToAddress(a.Address)
}

func (f *fixture) pass(t *testing.T) {
	t.Helper()
	if err := f.w.Pass(t.Context()); err != nil {
		t.Fatalf("Pass: %v", err)
	}
}

func (f *fixture) mine(t *testing.T, n int) common.Hash {
	t.Helper()
	var h common.Hash
	for range n {
		var err error
		if h, err = f.dev.Mine(); err != nil {
			t.Fatalf("Mine: %v", err)
		}
	}
	return h
}

func (f *fixture) fund(t *testing.T, to common.Address, asset string, amount *big.Int) common.Hash {
	t.Helper()
	h, err := f.dev.Fund(t.Context(), to, asset, amount)
	if err != nil {
		t.Fatalf("Fund: %v", err)
	}
	return h
}

func (f *fixture) head(t *testing.T) *types.Header {
	t.Helper()
	h, err := f.dev.Client().HeaderByNumber(t.Context(), nil)
	if err != nil {
		t.Fatalf("head: %v", err)
	}
	return h
}

func (f *fixture) fork(t *testing.T, parent common.Hash) {
	t.Helper()
	// The simulated backend refuses to fork while its pool shows pending transactions, which
	// it may for a moment after a block that mined them, until its background reset has run.
	for tries := 1; ; tries++ {
		err := f.dev.Fork(parent)
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), "pending block dirty") || tries == 20 {
			t.Fatalf("Fork: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// user is a key of the test's own, funded by the faucet, whose transactions the test signs:
// devchain's Fund cannot be used after a Fork that abandoned the faucet's transactions, and a
// double-spend needs a chosen nonce.
type user struct {
	key  *ecdsa.PrivateKey
	addr common.Address
}

func (f *fixture) user(t *testing.T) user {
	t.Helper()
	key, _ := crypto.GenerateKey()
	u := user{key, crypto.PubkeyToAddress(key.PublicKey)}
	txs := []common.Hash{f.fund(t, u.addr, devchain.AssetETH, big.NewInt(1e18)),
		f.fund(t, u.addr, devchain.AssetUSDT, big.NewInt(1_000_000_000))}
	f.mine(t, 1)
	// A transaction the pool had not yet promoted when the block was built waits for the next.
	for i, blocks := 0, 1; i < len(txs); {
		_, err := f.dev.Client().TransactionReceipt(t.Context(), txs[i])
		switch {
		case err == nil:
			i++
		case blocks == 10:
			t.Fatalf("the user's funding %s is not mined in %d blocks: %v", txs[i], blocks, err)
		default:
			f.mine(t, 1)
			blocks++
		}
	}
	// The pool takes in a new block in the background, and until then refuses the user's
	// transactions for want of funds. Fork at the head itself brings it to the head at once.
	f.fork(t, f.head(t).Hash())
	return u
}

// send signs and sends a transaction of u with nonce; bump (in percent, 100 for none) raises
// the tip, as a replacement must.
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

// sendUSDT sends amount of the test token from u to to.
func (f *fixture) sendUSDT(t *testing.T, u user, nonce uint64, to common.Address, amount int64) *types.Transaction {
	t.Helper()
	return f.send(t, u, nonce, f.dev.Token(), new(big.Int), testtoken.NewCofferTestToken().PackTransfer(to, big.NewInt(amount)), 100)
}

// resend sends tx again after a reorg: devchain's Fork empties the pool.
func (f *fixture) resend(t *testing.T, tx *types.Transaction) {
	t.Helper()
	if err := f.dev.Client().SendTransaction(t.Context(), tx); err != nil {
		t.Fatalf("resend %s: %v", tx.Hash(), err)
	}
}

// block returns the number and hash of the block holding tx.
func (f *fixture) block(t *testing.T, tx common.Hash) (uint64, string) {
	t.Helper()
	r, err := f.dev.Client().TransactionReceipt(t.Context(), tx)
	if err != nil {
		t.Fatalf("receipt %s: %v", tx, err)
	}
	return r.BlockNumber.Uint64(), hexHash(r.BlockHash)
}

func key(tx common.Hash, position string) string {
	return fmt.Sprintf("%d:%s:%s", devchain.ChainID, hexHash(tx), position)
}

func hexHash(h common.Hash) string { return strings.ToLower(h.Hex()) }

// milliether returns n thousandths of an ether, in wei.
func milliether(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e15)) }

// wallet is what an owner's wallet shows: balance (posted), incoming (pending) and available.
type wallet struct{ balance, incoming, available string }

func (f *fixture) wallet(t *testing.T, owner, asset string) wallet {
	t.Helper()
	a, err := f.store.Account(t.Context(), coffer.AccountID(coffer.KindWallet, owner, asset))
	if coffer.ErrorCode(err) == coffer.ENOTFOUND {
		return wallet{"0", "0", "0"}
	}
	if err != nil {
		t.Fatalf("account: %v", err)
	}
	return wallet{a.Balance().String(), a.Incoming().String(), a.Available().String()}
}

func (f *fixture) wantWallet(t *testing.T, owner, asset string, want wallet) {
	t.Helper()
	if got := f.wallet(t, owner, asset); got != want {
		t.Fatalf("wallet of %s in %s: %+v; want %+v", owner, asset, got, want)
	}
}

// incoming and credited are a wallet's figures while a deposit of amount is pending, and
// once it is posted.
func incoming(amount *big.Int) wallet { return wallet{"0", amount.String(), "0"} }
func credited(amount *big.Int) wallet { return wallet{amount.String(), "0", amount.String()} }

// event is a deposit event and its notice.
type event struct {
	Type   string
	Notice coffer.DepositNotice
}

// events returns the deposit events, in commit order.
func (f *fixture) events(t *testing.T) []event {
	t.Helper()
	var out []event
	for after := uint64(0); ; {
		es, err := f.store.Events(t.Context(), after, 1000)
		if err != nil {
			t.Fatalf("events: %v", err)
		}
		if len(es) == 0 {
			return out
		}
		for _, e := range es {
			after = e.Seq
			if !strings.HasPrefix(e.Type, "deposit.") {
				continue
			}
			var n coffer.DepositNotice
			if err := json.Unmarshal(e.Data, &n); err != nil {
				t.Fatalf("event %d: %v", e.Seq, err)
			}
			if n.TransferID != e.Subject || n.TransferID != ledger.ChainDepositID(n.Key) {
				t.Fatalf("event %d %s: subject %s, notice %+v", e.Seq, e.Type, e.Subject, n)
			}
			out = append(out, event{e.Type, n})
		}
	}
}

// wantEvents checks the deposit events: the types and keys of want, each deposit's in the
// order given (the watcher settles deposits in the order of its store, not of the test). It
// returns them in commit order.
func (f *fixture) wantEvents(t *testing.T, want ...string) []event {
	t.Helper()
	es := f.events(t)
	got := make([]string, len(es))
	for i, e := range es {
		got[i] = e.Type + " " + e.Notice.Key
	}
	byKey := func(list []string) map[string][]string {
		m := map[string][]string{}
		for _, s := range list {
			_, k, _ := strings.Cut(s, " ")
			m[k] = append(m[k], s)
		}
		return m
	}
	g, w := byKey(got), byKey(want)
	ok := len(got) == len(want) && len(g) == len(w)
	for k := range w {
		ok = ok && slices.Equal(g[k], w[k])
	}
	if !ok {
		t.Fatalf("deposit events:\n%s\nwant, each key's in this order:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	return es
}

// of returns the events of type typ.
func of(es []event, typ string) []event {
	var out []event
	for _, e := range es {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// wantTransfer checks the state of the ledger transfer of a deposit's attempt.
func (f *fixture) wantTransfer(t *testing.T, attempt string, state coffer.TransferState) {
	t.Helper()
	tr, err := f.store.Transfer(t.Context(), ledger.ChainDepositID(attempt))
	if state == "" {
		if coffer.ErrorCode(err) != coffer.ENOTFOUND {
			t.Fatalf("transfer of %s: %+v, %v; want none", attempt, tr, err)
		}
		return
	}
	if err != nil || tr.State != state {
		t.Fatalf("transfer of %s: %+v, %v; want %s", attempt, tr, err, state)
	}
}

// wantVerified runs the ledger's verification, as `coffer verify` does, and checks that each
// asset's accounts sum to zero, posted and pending.
func (f *fixture) wantVerified(t *testing.T) {
	t.Helper()
	rep, err := ledger.Verify(t.Context(), f.store)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if !rep.OK() {
		t.Fatalf("verify: %+v", rep.Violations)
	}
	for _, asset := range []string{"ETH", "USDT"} {
		var balance, incoming, held coffer.Amount
		for after := ""; ; {
			as, err := f.store.Accounts(t.Context(), coffer.AccountFilter{Asset: asset, AfterID: after, Limit: 100})
			if err != nil {
				t.Fatalf("accounts: %v", err)
			}
			if len(as) == 0 {
				break
			}
			for _, a := range as {
				balance, _ = balance.Add(a.Balance())
				incoming, _ = incoming.Add(a.Incoming())
				held, _ = held.Add(a.Held())
				after = a.ID
			}
		}
		if !balance.IsZero() || incoming != held {
			t.Fatalf("%s sums to %s, with %s incoming and %s held; want zero and incoming equal to held", asset, balance, incoming, held)
		}
	}
}

// wantDeposit checks the watcher's record of a deposit.
func (f *fixture) wantDeposit(t *testing.T, key string, status coffer.DepositStatus) {
	t.Helper()
	d, err := f.store.Deposit(t.Context(), key)
	if err != nil || d.Status != status {
		t.Fatalf("deposit %s: %+v, %v; want %s", key, d, err, status)
	}
}

// ETH and USDT deposits are incoming once seen, credited once at the required depth, each with
// its events, and more passes change nothing.
func TestDepositsCreditedOnce(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, kind, 3)
			alice, bob := f.address(t, "alice"), f.address(t, "bob")
			stranger := common.Address{0x5e}
			ethAmount, usdtAmount := milliether(1_500), big.NewInt(25_000_001)
			eth := f.fund(t, alice, devchain.AssetETH, ethAmount)
			usdt := f.fund(t, bob, devchain.AssetUSDT, usdtAmount)
			f.fund(t, stranger, devchain.AssetETH, big.NewInt(5))
			f.mine(t, 1)
			f.pass(t)

			f.wantWallet(t, "alice", "ETH", incoming(ethAmount))
			f.wantWallet(t, "bob", "USDT", incoming(usdtAmount))
			ethKey, usdtKey := key(eth, "native"), key(usdt, "0")
			es := f.wantEvents(t, "deposit.pending "+ethKey, "deposit.pending "+usdtKey)
			ethBlock, ethHash := f.block(t, eth)
			usdtBlock, usdtHash := f.block(t, usdt)
			want := []coffer.DepositNotice{
				{Key: ethKey, TransferID: "chain/" + ethKey, Chain: "dev", ChainID: devchain.ChainID, TxHash: hexHash(eth),
					Position: "native", Address: alice.Hex(), Owner: "alice", Asset: "ETH", Amount: "1.500000000000000000",
					BlockNumber: ethBlock, BlockHash: ethHash, Confirmations: 1, ConfirmationsRequired: 3, Status: "pending"},
				{Key: usdtKey, TransferID: "chain/" + usdtKey, Chain: "dev", ChainID: devchain.ChainID, TxHash: hexHash(usdt),
					Position: "0", Address: bob.Hex(), Owner: "bob", Asset: "USDT", Amount: "25.000001",
					BlockNumber: usdtBlock, BlockHash: usdtHash, Confirmations: 1, ConfirmationsRequired: 3, Status: "pending"},
			}
			wantNotice := func(e event, status string, confirmations uint64) {
				t.Helper()
				for _, n := range want {
					if n.Key == e.Notice.Key {
						n.Status, n.Confirmations = status, confirmations
						if e.Notice != n {
							t.Fatalf("%s notice:\n%+v\nwant\n%+v", e.Type, e.Notice, n)
						}
						return
					}
				}
				t.Fatalf("%s of an unknown deposit: %+v", e.Type, e.Notice)
			}
			for _, e := range es {
				wantNotice(e, "pending", 1)
			}
			if !strings.HasPrefix(alice.Hex(), "0x") || alice.Hex() == strings.ToLower(alice.Hex()) {
				t.Fatalf("address %s is not EIP-55", alice.Hex())
			}

			f.mine(t, 1) // two confirmations of three
			f.pass(t)
			f.wantWallet(t, "alice", "ETH", incoming(ethAmount))
			f.wantWallet(t, "bob", "USDT", incoming(usdtAmount))
			f.wantEvents(t, "deposit.pending "+ethKey, "deposit.pending "+usdtKey)

			f.mine(t, 1) // three
			f.pass(t)
			f.wantWallet(t, "alice", "ETH", credited(ethAmount))
			f.wantWallet(t, "bob", "USDT", credited(usdtAmount))
			f.wantWallet(t, "alice", "USDT", wallet{"0", "0", "0"})
			all := []string{"deposit.pending " + ethKey, "deposit.pending " + usdtKey,
				"deposit.confirmed " + ethKey, "deposit.confirmed " + usdtKey}
			for _, e := range of(f.wantEvents(t, all...), coffer.EventDepositConfirmed) {
				wantNotice(e, "confirmed", 3)
			}

			// More passes, and a restarted watcher's, change nothing.
			f.mine(t, 2)
			f.pass(t)
			f.pass(t)
			f.restart(t)
			f.pass(t)
			f.wantWallet(t, "alice", "ETH", credited(ethAmount))
			f.wantWallet(t, "bob", "USDT", credited(usdtAmount))
			f.wantEvents(t, all...)
			f.wantDeposit(t, ethKey, coffer.DepositConfirmed)
			f.wantDeposit(t, usdtKey, coffer.DepositConfirmed)
			f.wantTransfer(t, ethKey, coffer.StatePosted)
			f.wantTransfer(t, usdtKey, coffer.StatePosted)
			f.wantVerified(t)
		})
	}
}

// A deposit whose block is reorganised away and whose transaction does not come back is
// orphaned: never credited, its incoming amount gone, a deposit.orphaned event.
func TestOrphanedNeverCredited(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, kind, 3)
			u := f.user(t)
			alice := f.address(t, "alice")
			other := common.Address{0x07}
			f.pass(t)
			fork := f.head(t)
			eth := f.send(t, u, 0, alice, milliether(100), nil, 100)
			usdt := f.sendUSDT(t, u, 1, alice, 3_000_000)
			f.mine(t, 2)
			f.pass(t)
			f.wantWallet(t, "alice", "ETH", incoming(milliether(100)))
			f.wantWallet(t, "alice", "USDT", incoming(big.NewInt(3_000_000)))
			ethKey, usdtKey := key(eth.Hash(), "native"), key(usdt.Hash(), "0")

			// The ether is double-spent elsewhere on a longer branch; the token transfer is
			// never sent again.
			f.fork(t, fork.Hash())
			f.send(t, u, 0, other, milliether(100), nil, 150)
			f.mine(t, 2)
			f.pass(t)
			f.wantWallet(t, "alice", "ETH", incoming(milliether(100))) // it may still come back
			f.mine(t, 1)
			f.pass(t)
			f.wantWallet(t, "alice", "ETH", wallet{"0", "0", "0"})
			f.wantWallet(t, "alice", "USDT", wallet{"0", "0", "0"})
			want := []string{"deposit.pending " + ethKey, "deposit.pending " + usdtKey,
				"deposit.orphaned " + ethKey, "deposit.orphaned " + usdtKey}
			for _, e := range of(f.wantEvents(t, want...), coffer.EventDepositOrphaned) {
				if e.Notice.Status != "orphaned" || e.Notice.BlockHash != "" || e.Notice.Confirmations != 0 || e.Notice.Owner != "alice" {
					t.Fatalf("orphaned notice %+v", e.Notice)
				}
			}
			f.mine(t, 5)
			f.pass(t)
			f.pass(t)
			f.wantWallet(t, "alice", "ETH", wallet{"0", "0", "0"})
			f.wantWallet(t, "alice", "USDT", wallet{"0", "0", "0"})
			f.wantEvents(t, want...)
			f.wantDeposit(t, ethKey, coffer.DepositOrphaned)
			f.wantTransfer(t, ethKey, coffer.StateVoided)
			f.wantTransfer(t, usdtKey, coffer.StateVoided)
			f.wantVerified(t)
		})
	}
}

// Transfers re-included in another block before they are orphaned are the same deposits,
// credited once, with no new attempt.
func TestReincludedCreditedOnce(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, kind, 3)
			u := f.user(t)
			alice := f.address(t, "alice")
			f.pass(t)
			fork := f.head(t).Hash()
			eth := f.send(t, u, 0, alice, milliether(7), nil, 100)
			usdt := f.sendUSDT(t, u, 1, alice, 3_000_000)
			first := f.mine(t, 1)
			f.mine(t, 1)
			f.pass(t)
			f.fork(t, fork)
			f.mine(t, 1) // empty: the transactions come back in the next block
			f.resend(t, eth)
			f.resend(t, usdt)
			f.mine(t, 2)
			f.pass(t)
			f.wantWallet(t, "alice", "ETH", incoming(milliether(7)))
			f.mine(t, 3)
			f.pass(t)
			f.pass(t)
			f.wantWallet(t, "alice", "ETH", credited(milliether(7)))
			f.wantWallet(t, "alice", "USDT", credited(big.NewInt(3_000_000)))
			ethKey, usdtKey := key(eth.Hash(), "native"), key(usdt.Hash(), "0")
			es := f.wantEvents(t, "deposit.pending "+ethKey, "deposit.pending "+usdtKey,
				"deposit.confirmed "+ethKey, "deposit.confirmed "+usdtKey)
			for _, e := range of(es, coffer.EventDepositConfirmed) {
				_, hash := f.block(t, common.HexToHash(e.Notice.TxHash))
				if e.Notice.BlockHash != hash || hash == hexHash(first) {
					t.Fatalf("confirmed notice %+v; want the block it was re-included in, %s", e.Notice, hash)
				}
			}
			f.wantTransfer(t, ethKey+"/2", "")
			f.wantTransfer(t, usdtKey+"/2", "")
			f.wantVerified(t)
		})
	}
}

// A transaction orphaned and mined again after its orphaning is credited once, through a
// second attempt: the first's transfer stays voided.
func TestOrphanedThenMinedAgain(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, kind, 3)
			u := f.user(t)
			alice := f.address(t, "alice")
			f.pass(t)
			fork := f.head(t).Hash()
			eth := f.send(t, u, 0, alice, milliether(9), nil, 100)
			usdt := f.sendUSDT(t, u, 1, alice, 4_000_000)
			f.mine(t, 2)
			f.pass(t)
			f.fork(t, fork)
			f.mine(t, 4) // longer, and three past the fork point: orphaned
			f.pass(t)
			ethKey, usdtKey := key(eth.Hash(), "native"), key(usdt.Hash(), "0")
			f.wantDeposit(t, ethKey, coffer.DepositOrphaned)
			f.wantWallet(t, "alice", "ETH", wallet{"0", "0", "0"})

			f.resend(t, eth)
			f.resend(t, usdt)
			f.mine(t, 1)
			f.pass(t)
			f.wantWallet(t, "alice", "ETH", incoming(milliether(9)))
			f.wantWallet(t, "alice", "USDT", incoming(big.NewInt(4_000_000)))
			f.mine(t, 2)
			f.pass(t)
			f.pass(t)
			f.mine(t, 3)
			f.pass(t)
			f.wantWallet(t, "alice", "ETH", credited(milliether(9)))
			f.wantWallet(t, "alice", "USDT", credited(big.NewInt(4_000_000)))
			es := f.wantEvents(t, "deposit.pending "+ethKey, "deposit.pending "+usdtKey,
				"deposit.orphaned "+ethKey, "deposit.orphaned "+usdtKey,
				"deposit.pending "+ethKey+"/2", "deposit.pending "+usdtKey+"/2",
				"deposit.confirmed "+ethKey+"/2", "deposit.confirmed "+usdtKey+"/2")
			for _, e := range es[4:] { // the second attempts'
				if !strings.HasSuffix(e.Notice.Key, "/2") || e.Notice.Owner != "alice" || e.Notice.BlockHash == "" || e.Notice.Confirmations == 0 || e.Notice.Position == "" {
					t.Fatalf("%s notice %+v", e.Type, e.Notice)
				}
			}
			f.wantTransfer(t, ethKey, coffer.StateVoided)
			f.wantTransfer(t, ethKey+"/2", coffer.StatePosted)
			f.wantTransfer(t, usdtKey, coffer.StateVoided)
			f.wantTransfer(t, usdtKey+"/2", coffer.StatePosted)
			f.wantTransfer(t, ethKey+"/3", "")
			f.wantDeposit(t, ethKey, coffer.DepositConfirmed)
			f.wantVerified(t)
		})
	}
}

// errCrash is a crash between a ledger call and the watcher's store write.
var errCrash = errors.New("crash after the ledger call")

// crashing is a watch.Ledger that makes each call of the kinds in crash once, then fails it as
// if the process died before the watcher stored the new status: the next pass repeats it.
type crashing struct {
	next  watch.Ledger
	crash map[string]bool // pending, confirmed, orphaned
	mu    sync.Mutex
	done  map[string]bool // kind and key of the calls crashed
}

func (c *crashing) call(ctx context.Context, kind string, d coffer.Deposit, fn func(context.Context, coffer.Deposit) error) error {
	if err := fn(ctx, d); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if id := kind + " " + d.Key; c.crash[kind] && !c.done[id] {
		c.done[id] = true
		return errCrash
	}
	return nil
}

func (c *crashing) Pending(ctx context.Context, d coffer.Deposit) error {
	return c.call(ctx, "pending", d, c.next.Pending)
}
func (c *crashing) Confirmed(ctx context.Context, d coffer.Deposit) error {
	return c.call(ctx, "confirmed", d, c.next.Confirmed)
}
func (c *crashing) Orphaned(ctx context.Context, d coffer.Deposit) error {
	return c.call(ctx, "orphaned", d, c.next.Orphaned)
}

// crashOn makes the watcher's ledger crash once after each call of kinds.
func (f *fixture) crashOn(t *testing.T, kinds ...string) {
	t.Helper()
	c := &crashing{next: f.credit, crash: map[string]bool{}, done: map[string]bool{}}
	for _, k := range kinds {
		c.crash[k] = true
	}
	f.cfg.Ledger = c
	f.restart(t)
}

// passCrashing runs passes, restarting the watcher after each crash, until one succeeds, and
// returns the crashes.
func (f *fixture) passCrashing(t *testing.T) int {
	t.Helper()
	for crashes := 0; crashes < 100; crashes++ {
		err := f.w.Pass(t.Context())
		if err == nil {
			return crashes
		}
		if !errors.Is(err, errCrash) {
			t.Fatalf("Pass: %v", err)
		}
		f.restart(t)
	}
	t.Fatal("100 crashes in a row")
	return 0
}

// Each ledger call repeated after a crash between it and the watcher's store write changes
// nothing: one pending and one credit, each event once.
func TestRepeatedCallsChangeNothing(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, kind, 2)
			f.crashOn(t, "pending", "confirmed", "orphaned")
			alice := f.address(t, "alice")
			eth := f.fund(t, alice, devchain.AssetETH, milliether(3))
			usdt := f.fund(t, alice, devchain.AssetUSDT, big.NewInt(5_000_000))
			f.mine(t, 1)
			if n := f.passCrashing(t); n != 2 {
				t.Fatalf("%d crashes; want one per pending deposit", n)
			}
			f.wantWallet(t, "alice", "ETH", incoming(milliether(3)))
			f.wantWallet(t, "alice", "USDT", incoming(big.NewInt(5_000_000)))
			f.mine(t, 1)
			if n := f.passCrashing(t); n != 2 {
				t.Fatalf("%d crashes; want one per confirmed deposit", n)
			}
			f.wantWallet(t, "alice", "ETH", credited(milliether(3)))
			f.wantWallet(t, "alice", "USDT", credited(big.NewInt(5_000_000)))
			ethKey, usdtKey := key(eth, "native"), key(usdt, "0")
			f.wantEvents(t, "deposit.pending "+ethKey, "deposit.pending "+usdtKey,
				"deposit.confirmed "+ethKey, "deposit.confirmed "+usdtKey)

			// The same through an orphaning and a second attempt.
			u := f.user(t)
			f.passCrashing(t)
			fork := f.head(t).Hash()
			dep := f.send(t, u, 0, alice, milliether(11), nil, 100)
			f.mine(t, 1)
			f.passCrashing(t)
			f.fork(t, fork)
			f.mine(t, 3)
			f.passCrashing(t)
			depKey := key(dep.Hash(), "native")
			f.wantDeposit(t, depKey, coffer.DepositOrphaned)
			f.resend(t, dep)
			f.mine(t, 1)
			f.passCrashing(t)
			f.mine(t, 1)
			f.passCrashing(t)
			f.pass(t)
			f.wantWallet(t, "alice", "ETH", credited(new(big.Int).Add(milliether(3), milliether(11))))
			f.wantEvents(t, "deposit.pending "+ethKey, "deposit.pending "+usdtKey,
				"deposit.confirmed "+ethKey, "deposit.confirmed "+usdtKey,
				"deposit.pending "+depKey, "deposit.orphaned "+depKey,
				"deposit.pending "+depKey+"/2", "deposit.confirmed "+depKey+"/2")
			f.wantTransfer(t, depKey+"/3", "")
			f.wantVerified(t)
		})
	}
}

// Pending and Confirmed called twice directly, as the watcher does after a crash: the second
// call of each changes nothing.
func TestCallsTwice(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, kind, 1)
			alice := f.address(t, "alice")
			tx := f.fund(t, alice, devchain.AssetUSDT, big.NewInt(7_000_000))
			f.mine(t, 1)
			number, hash := f.block(t, tx)
			d := coffer.Deposit{Key: key(tx, "0"), Chain: "dev", Asset: "USDT", TxHash: hexHash(tx), To: strings.ToLower(alice.Hex()),
				Owner: "alice", Amount: big.NewInt(7_000_000), Status: coffer.DepositPending, BlockNumber: number, BlockHash: hash}
			for range 2 {
				if err := f.credit.Pending(t.Context(), d); err != nil {
					t.Fatalf("Pending: %v", err)
				}
			}
			f.wantWallet(t, "alice", "USDT", incoming(big.NewInt(7_000_000)))
			for range 2 {
				if err := f.credit.Confirmed(t.Context(), d); err != nil {
					t.Fatalf("Confirmed: %v", err)
				}
			}
			// A Pending again after the credit (the watcher's record lost) records nothing new.
			if err := f.credit.Pending(t.Context(), d); err != nil {
				t.Fatalf("Pending after the credit: %v", err)
			}
			f.wantWallet(t, "alice", "USDT", credited(big.NewInt(7_000_000)))
			f.wantEvents(t, "deposit.pending "+d.Key, "deposit.confirmed "+d.Key)
			f.wantTransfer(t, d.Key+"/2", "")
			f.wantVerified(t)
		})
	}
}

// A crash right after the ledger voided an orphaned deposit, and the transaction mined again
// before the watcher's next pass: the watcher's record still says pending, so it never calls
// Pending again and goes straight to Confirmed. The deposit is credited once, through a new
// attempt, rather than confirming the voided one for ever.
func TestCrashAfterOrphanThenMinedAgain(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, kind, 3)
			u := f.user(t)
			alice := f.address(t, "alice")
			f.pass(t)
			fork := f.head(t).Hash()
			dep := f.send(t, u, 0, alice, milliether(13), nil, 100)
			f.mine(t, 2)
			f.pass(t)
			f.fork(t, fork)
			f.mine(t, 4)
			f.crashOn(t, "orphaned")
			if err := f.w.Pass(t.Context()); !errors.Is(err, errCrash) {
				t.Fatalf("Pass: %v; want the crash after orphaning", err)
			}
			depKey := key(dep.Hash(), "native")
			f.wantDeposit(t, depKey, coffer.DepositPending)
			f.wantTransfer(t, depKey, coffer.StateVoided)
			// Back up, the transaction mined again while the watcher was down.
			f.cfg.Ledger = f.credit
			f.resend(t, dep)
			f.mine(t, 3)
			f.restart(t)
			f.pass(t)
			f.pass(t)
			f.wantDeposit(t, depKey, coffer.DepositConfirmed)
			f.wantWallet(t, "alice", "ETH", credited(milliether(13)))
			f.wantEvents(t, "deposit.pending "+depKey, "deposit.orphaned "+depKey,
				"deposit.pending "+depKey+"/2", "deposit.confirmed "+depKey+"/2")
			f.wantVerified(t)
		})
	}
}

// Addresses answers with the deposit addresses among more than one lookup's worth, in chunks,
// whatever their case, and none of another chain.
func TestAddresses(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			s := kind.Open(t).(store)
			derive := func(i uint32) (string, error) { return common.BigToAddress(big.NewInt(int64(i) + 1000)).Hex(), nil }
			want := map[common.Address]string{}
			for _, owner := range []string{"alice", "bob"} {
				a, _, err := s.AssignDepositAddress(t.Context(), "dev", owner, derive)
				if err != nil {
					t.Fatal(err)
				}
				want[common.HexToAddress(a.Address)] = owner
			}
			if _, _, err := s.AssignDepositAddress(t.Context(), "bsc", "carol", derive); err != nil {
				t.Fatal(err)
			}
			var addrs []common.Address
			for i := range 2*coffer.DepositAddressLookupMax + 10 {
				addrs = append(addrs, common.BigToAddress(big.NewInt(int64(i)+1<<40)))
			}
			var mine []common.Address
			for a := range want {
				mine = append(mine, a)
			}
			carol := common.BigToAddress(big.NewInt(1002))
			// Alice's first and last, bob's in the middle, carol's of another chain.
			addrs = append(append([]common.Address{mine[0], carol}, addrs...), mine...)
			addrs[coffer.DepositAddressLookupMax+1] = mine[1]
			start := time.Now()
			got, err := credit.Addresses(s, "dev")(t.Context(), addrs)
			if err != nil {
				t.Fatalf("Addresses: %v", err)
			}
			if len(got) != len(want) {
				t.Fatalf("Addresses = %v; want %v", got, want)
			}
			for a, o := range want {
				if got[a] != o {
					t.Fatalf("Addresses = %v; want %v", got, want)
				}
			}
			t.Logf("%d addresses looked up in %v", len(addrs), time.Since(start))
		})
	}
}

// A crash right after the ledger credited a deposit, and then a reorg deeper than the
// confirmations that abandons its block before the watcher's next pass: the watcher's record
// still says pending, so it orphans the deposit. The credit stays, as for a deposit the watcher
// knew confirmed (an operator decides), and the watcher goes on rather than stopping at it.
func TestCrashAfterCreditThenDeepReorg(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, kind, 2)
			u := f.user(t)
			alice := f.address(t, "alice")
			f.pass(t)
			fork := f.head(t).Hash()
			dep := f.send(t, u, 0, alice, milliether(17), nil, 100)
			f.mine(t, 2)
			f.crashOn(t, "confirmed")
			if err := f.w.Pass(t.Context()); !errors.Is(err, errCrash) {
				t.Fatalf("Pass: %v; want the crash after the credit", err)
			}
			depKey := key(dep.Hash(), "native")
			f.wantDeposit(t, depKey, coffer.DepositPending)
			f.wantTransfer(t, depKey, coffer.StatePosted)
			var logged bytes.Buffer
			f.credit.Logger = slog.New(slog.NewTextHandler(&logged, nil))
			f.cfg.Ledger = f.credit
			f.fork(t, fork)
			f.mine(t, 4)
			f.restart(t)
			f.pass(t)
			if l := logged.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, depKey) || !strings.Contains(l, "operator") {
				t.Fatalf("logged %q; want an error about %s for an operator", l, depKey)
			}
			f.wantDeposit(t, depKey, coffer.DepositOrphaned)
			f.wantWallet(t, "alice", "ETH", credited(milliether(17)))
			f.wantEvents(t, "deposit.pending "+depKey, "deposit.confirmed "+depKey)
			// Later deposits are still seen.
			other := f.address(t, "bob")
			f.send(t, u, 0, other, milliether(1), nil, 100)
			f.mine(t, 2)
			f.pass(t)
			f.wantWallet(t, "bob", "ETH", credited(milliether(1)))
			f.wantVerified(t)
		})
	}
}
