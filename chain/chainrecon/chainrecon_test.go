package chainrecon_test

import (
	"crypto/ecdsa"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/address"
	"github.com/cofferhq/coffer/chain/chainrecon"
	"github.com/cofferhq/coffer/chain/chainrecon/books"
	"github.com/cofferhq/coffer/chain/credit"
	"github.com/cofferhq/coffer/chain/devchain"
	"github.com/cofferhq/coffer/chain/watch"
	"github.com/cofferhq/coffer/internal/chaintest"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

type store interface {
	coffer.Store
	coffer.ChainWatchStore
	coffer.DepositAddressStore
	coffer.ChainReconciliationStore
	coffer.SendStore
	coffer.SendIntentLister
	coffer.LeaseStore
	coffer.CursorStore
}

// fixture is a dev chain (blocks mined by the test), a store, the ledger, the deposit addresses
// of the golden seed, the real watcher crediting deposits into the ledger, and a reconciler.
type fixture struct {
	dev    *devchain.Chain
	store  store
	ledger *ledger.Ledger
	addrs  *address.Service
	w      *watch.Watcher
	rec    *chainrecon.Reconciler
	hot    common.Address
	hotKey *ecdsa.PrivateKey
	cc     chain.Config
}

const confirmations = 3

func setup(t testing.TB, kind testdb.Kind) *fixture {
	t.Helper()
	dev := chaintest.DevChain(t)
	s := kind.Open(t).(store)
	l := chaintest.Ledger(t, s)
	cc := chaintest.Config(t, chain.Chain{Name: "dev", ID: devchain.ChainID, Confirmations: confirmations, BlockRangeMax: 1000},
		dev.Token())
	xpub := chaintest.XPub(t)
	hotKey, _ := crypto.GenerateKey()
	f := &fixture{dev: dev, store: s, ledger: l, addrs: &address.Service{Config: cc, Keys: xpub, Store: s},
		hot: crypto.PubkeyToAddress(hotKey.PublicKey), hotKey: hotKey, cc: cc}
	var err error
	f.w, err = watch.New(watch.Config{
		Chain: cc.Chains[0], Assets: cc.Assets, Client: dev.Client(), Store: s,
		Addresses: credit.Addresses(s, "dev"),
		Ledger:    &credit.Credit{Chain: cc.Chains[0], Ledger: l, Transfers: s, Tops: s},
		From:      1,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.rec, err = chainrecon.New(chainrecon.Config{Chain: cc.Chains[0], Assets: cc.Assets, Client: dev.Client().(chainrecon.Client),
		Store: s, Books: books.Ledger{Store: s}, Addresses: []string{f.hot.Hex()}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) address(t *testing.T, owner string) common.Address {
	t.Helper()
	a, _, err := f.addrs.Assign(t.Context(), owner, "dev", "")
	if err != nil {
		t.Fatalf("assign %s: %v", owner, err)
	}
	return common.HexToAddress(a.Address)
}

// fund sends from the faucet and mines the block that holds it.
func (f *fixture) fund(t *testing.T, to common.Address, asset string, amount int64) common.Hash {
	t.Helper()
	h, err := f.dev.Fund(t.Context(), to, asset, big.NewInt(amount))
	if err != nil {
		t.Fatalf("Fund: %v", err)
	}
	for range 10 {
		if _, err := f.dev.Mine(); err != nil {
			t.Fatal(err)
		}
		if _, err := f.dev.Client().TransactionReceipt(t.Context(), h); err == nil {
			return h
		}
	}
	t.Fatalf("funding %s not mined in 10 blocks", h)
	return h
}

// settle mines the confirmations and one block more, and lets the watcher credit what is deep.
func (f *fixture) settle(t testing.TB) {
	t.Helper()
	for range confirmations + 1 {
		if _, err := f.dev.Mine(); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.w.Pass(t.Context()); err != nil {
		t.Fatalf("watcher pass: %v", err)
	}
}

func (f *fixture) run(t *testing.T, id string) coffer.ChainReconciliation {
	t.Helper()
	r, err := f.rec.Run(t.Context(), chainrecon.Request{ID: id, CreatedBy: "key-1"})
	if err != nil {
		t.Fatalf("Run %s: %v", id, err)
	}
	stored, err := f.store.ChainReconciliation(t.Context(), id)
	if err != nil || stored.Status != r.Status || len(stored.Lines) != len(r.Lines) || stored.BlockHash != r.BlockHash {
		t.Fatalf("stored %+v, %v; ran %+v", stored, err, r)
	}
	return r
}

func wantLine(t *testing.T, r coffer.ChainReconciliation, want coffer.ChainReconLine) {
	t.Helper()
	for _, l := range r.Lines {
		if l.Kind == want.Kind && l.Address == want.Address && l.Asset == want.Asset && l.TxHash == want.TxHash &&
			l.OnChain.Cmp(want.OnChain) == 0 && l.Ledger.Cmp(want.Ledger) == 0 &&
			l.Difference.Cmp(new(big.Int).Sub(want.OnChain, want.Ledger)) == 0 {
			return
		}
	}
	t.Errorf("no line %+v in %+v", want, r.Lines)
}

func hexLower(h interface{ Hex() string }) string { return strings.ToLower(h.Hex()) }

// TestReconcile reconciles after deposits of ether and the token into deposit addresses (clean),
// then after a transfer to the hot wallet behind Coffer's back and an adjustment of the ledger
// without a transfer on the chain: each reported by address, asset, amount and hash.
func TestReconcile(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, kind)
			ctx := t.Context()
			alice, bob := f.address(t, "alice"), f.address(t, "bob")
			f.fund(t, alice, devchain.AssetETH, 3e17)
			f.fund(t, alice, devchain.AssetUSDT, 25_000_000)
			f.fund(t, bob, devchain.AssetUSDT, 7_000_000)
			f.settle(t)

			clean := f.run(t, "r1")
			if clean.Status != coffer.ReconMatched || len(clean.Lines) != 0 || clean.Addresses != 3 || clean.Assets != 2 {
				t.Fatalf("after deposits: %+v", clean)
			}
			head, err := f.dev.Client().HeaderByNumber(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if clean.BlockNumber != head.Number.Uint64()-confirmations {
				t.Fatalf("pinned block %d, head %d", clean.BlockNumber, head.Number)
			}
			pinned, err := f.dev.Client().HeaderByNumber(ctx, new(big.Int).SetUint64(clean.BlockNumber))
			if err != nil || hexLower(pinned.Hash()) != clean.BlockHash {
				t.Fatalf("pinned hash %s, block %v %v", clean.BlockHash, pinned, err)
			}
			if _, err := f.rec.Run(ctx, chainrecon.Request{ID: "r1"}); coffer.ErrorCode(err) != coffer.ECONFLICT {
				t.Fatalf("a taken id: %v", err)
			}

			// Behind Coffer's back: ether to the hot wallet, which no watcher follows.
			sneak := f.fund(t, f.hot, devchain.AssetETH, 5e15)
			// And an adjustment in the ledger with nothing on the chain: bob's address said to
			// hold 1.5 USDT more (its custody account debited, his wallet credited).
			adj, _ := coffer.AmountFromBig(big.NewInt(1_500_000))
			if _, err := f.ledger.Do(ctx, ledger.Adjust{ID: "adj-1", AccountID: "wallet:bob:USDT", Direction: coffer.Credit,
				CounterAccountID: ledger.CustodyAccountID(bob.Hex(), "USDT"), Amount: adj,
				Reason: "test: booked without a transfer"}); err != nil {
				t.Fatal(err)
			}
			f.settle(t)
			r := f.run(t, "r2")
			if r.Status != coffer.ReconMismatched || r.FromBlock != clean.BlockNumber+1 {
				t.Fatalf("after the differences: %+v", r)
			}
			zero := new(big.Int)
			wantLine(t, r, coffer.ChainReconLine{Kind: coffer.ChainReconBalance, Address: hexLower(f.hot), Asset: "ETH",
				OnChain: big.NewInt(5e15), Ledger: zero})
			wantLine(t, r, coffer.ChainReconLine{Kind: coffer.ChainReconChainOnly, Address: hexLower(f.hot), Asset: "ETH",
				TxHash: hexLower(sneak), OnChain: big.NewInt(5e15), Ledger: zero})
			wantLine(t, r, coffer.ChainReconLine{Kind: coffer.ChainReconBalance, Address: hexLower(bob), Asset: "USDT",
				OnChain: big.NewInt(7_000_000), Ledger: big.NewInt(8_500_000)})
			if len(r.Lines) != 3 {
				t.Fatalf("lines %+v, want the three above", r.Lines)
			}
			verify(t, f)

			// A deposit the watcher confirmed in a block after the pinned one (it holds at
			// confirmations, the pin is one below) is the ledger's but not yet the state's at
			// the pin: the ledger's side is taken as of the pinned block, so it is no difference.
			f.fund(t, alice, devchain.AssetETH, 1e15) // mined in block b, the head
			for range confirmations - 1 {
				if _, err := f.dev.Mine(); err != nil {
					t.Fatal(err)
				}
			}
			if err := f.w.Pass(ctx); err != nil {
				t.Fatal(err)
			}
			if d, err := f.store.Deposits(ctx, coffer.DepositFilter{Chain: "dev", Status: coffer.DepositConfirmed}); err != nil || len(d) != 4 {
				t.Fatalf("confirmed deposits %+v, %v", d, err)
			}
			r3 := f.run(t, "r3")
			if len(r3.Lines) != 2 {
				t.Fatalf("lines %+v; want only the two balance lines that stay", r3.Lines)
			}
			for _, l := range r3.Lines {
				if l.Kind != coffer.ChainReconBalance || l.Address == hexLower(alice) {
					t.Fatalf("line %+v", l)
				}
			}

			list, err := f.store.ChainReconciliations(ctx, coffer.ChainReconciliationFilter{Chain: "dev"})
			if err != nil || len(list) != 3 || list[0].ID != "r3" || list[1].ID != "r2" {
				t.Fatalf("listing %+v, %v", list, err)
			}
		})
	}
}

// verify checks the ledger with ledger.Verify: every promise holds after the scenario.
func verify(t *testing.T, f *fixture) {
	t.Helper()
	rep, err := ledger.Verify(t.Context(), f.store)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if len(rep.Violations) != 0 {
		t.Fatalf("Verify: %+v", rep.Violations)
	}
}
