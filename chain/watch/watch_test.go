package watch_test

import (
	"cmp"
	"context"
	"fmt"
	"math/big"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/devchain"
	"github.com/cofferhq/coffer/chain/watch"
	"github.com/cofferhq/coffer/internal/chaintest"
	"github.com/cofferhq/coffer/internal/testdb"
)

// call is one call of the ledger.
type call struct {
	Kind   string // pending, confirmed, orphaned
	Key    string
	Amount string
	Block  uint64
}

// ledger records the watcher's calls.
type ledger struct {
	mu    sync.Mutex
	calls []call
}

func (l *ledger) record(kind string, d coffer.Deposit) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, call{kind, d.Key, d.Amount.String(), d.BlockNumber})
	return nil
}
func (l *ledger) Pending(_ context.Context, d coffer.Deposit) error { return l.record("pending", d) }
func (l *ledger) Confirmed(_ context.Context, d coffer.Deposit) error {
	return l.record("confirmed", d)
}
func (l *ledger) Orphaned(_ context.Context, d coffer.Deposit) error { return l.record("orphaned", d) }

// of returns the calls of kind, and take empties the record.
func (l *ledger) of(kind string) []call {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []call
	for _, c := range l.calls {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}

type fixture struct {
	dev      *devchain.Chain
	store    coffer.ChainWatchStore
	ledger   *ledger
	owners   map[common.Address]string
	accepted []uint64
	cfg      watch.Config
	w        *watch.Watcher
}

type options struct {
	store         func(testing.TB) coffer.Store
	confirmations uint64
	rangeMax      uint64
	client        func(watch.Client) watch.Client
}

func setup(t *testing.T, o options) *fixture {
	t.Helper()
	if o.store == nil {
		o.store = testdb.SQLite
	}
	if o.confirmations == 0 {
		o.confirmations = 3
	}
	if o.rangeMax == 0 {
		o.rangeMax = 1000
	}
	dev := chaintest.DevChain(t)
	store := o.store(t).(coffer.ChainWatchStore)
	f := &fixture{dev: dev, store: store, ledger: &ledger{}, owners: map[common.Address]string{}}
	var client watch.Client = dev.Client()
	if o.client != nil {
		client = o.client(client)
	}
	f.cfg = watch.Config{
		Chain:  chain.Chain{Name: "dev", ID: devchain.ChainID, Confirmations: o.confirmations, Poll: time.Second, BlockRangeMax: o.rangeMax},
		Assets: chaintest.Assets(dev.Token()),
		Client: client,
		Store:  store,
		Addresses: func(_ context.Context, addrs []common.Address) (map[common.Address]string, error) {
			out := map[common.Address]string{}
			for _, a := range addrs {
				if o, ok := f.owners[a]; ok {
					out[a] = o
				}
			}
			return out, nil
		},
		Ledger:   f.ledger,
		From:     1,
		Accepted: func(b coffer.ChainBlock) { f.accepted = append(f.accepted, b.Number) },
	}
	f.restart(t)
	return f
}

// restart makes a new watcher on the same store: a process restarted.
func (f *fixture) restart(t *testing.T) {
	t.Helper()
	w, err := watch.New(f.cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f.w = w
}

// address returns a new deposit address of owner.
func (f *fixture) address(owner string) common.Address {
	key, _ := crypto.GenerateKey()
	a := crypto.PubkeyToAddress(key.PublicKey)
	if owner != "" {
		f.owners[a] = owner
	}
	return a
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

func (f *fixture) fund(t *testing.T, to common.Address, asset string, amount int64) common.Hash {
	t.Helper()
	h, err := f.dev.Fund(t.Context(), to, asset, big.NewInt(amount))
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

// wantCanonical checks that the store's blocks are the chain's canonical ones and that every
// block from From to the head was accepted, in order, once since the last reorg.
func (f *fixture) wantCanonical(t *testing.T) {
	t.Helper()
	head := f.head(t).Number.Uint64()
	bs, err := f.store.ChainBlocks(t.Context(), "dev", 0)
	if err != nil {
		t.Fatalf("ChainBlocks: %v", err)
	}
	if len(bs) == 0 || bs[len(bs)-1].Number != head {
		t.Fatalf("the store's top is not the head %d: %+v", head, bs)
	}
	for _, b := range bs {
		h, err := f.dev.Client().HeaderByNumber(t.Context(), new(big.Int).SetUint64(b.Number))
		if err != nil || fmt.Sprintf("%#x", h.Hash()) != b.Hash {
			t.Fatalf("stored block %d %s is not canonical (%v)", b.Number, b.Hash, err)
		}
	}
}

// wantAcceptedInOrder checks that blocks From to the head were each accepted once, in order.
func (f *fixture) wantAcceptedInOrder(t *testing.T) {
	t.Helper()
	head := f.head(t).Number.Uint64()
	var want []uint64
	for n := f.cfg.From; n <= head; n++ {
		want = append(want, n)
	}
	if !slices.Equal(f.accepted, want) {
		t.Fatalf("accepted %v; want %d to %d once each, in order", f.accepted, f.cfg.From, head)
	}
}

func key(tx common.Hash, position string) string {
	return fmt.Sprintf("%d:%#x:%s", devchain.ChainID, tx, position)
}

func TestDepositsConfirmAtConfirmations(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, options{store: kind.Open, confirmations: 3})
			alice, stranger := f.address("alice"), f.address("")
			eth := f.fund(t, alice, devchain.AssetETH, 1_234_567_890_123_456_789)
			usdt := f.fund(t, alice, devchain.AssetUSDT, 25_000_001)
			f.fund(t, stranger, devchain.AssetETH, 5)
			f.mine(t, 1)
			f.pass(t)
			want := []call{
				{"pending", key(eth, "native"), "1234567890123456789", 0},
				{"pending", key(usdt, "0"), "25000001", 0},
			}
			got := f.ledger.of("pending")
			for i := range got {
				got[i].Block = 0
			}
			slices.SortFunc(got, func(a, b call) int { return cmp.Compare(a.Key, b.Key) })
			slices.SortFunc(want, func(a, b call) int { return cmp.Compare(a.Key, b.Key) })
			if !slices.Equal(got, want) {
				t.Fatalf("pending calls %+v\nwant %+v", got, want)
			}
			f.mine(t, 1) // two confirmations
			f.pass(t)
			if c := f.ledger.of("confirmed"); len(c) != 0 {
				t.Fatalf("confirmed at 2 of 3 confirmations: %+v", c)
			}
			f.mine(t, 1) // three
			f.pass(t)
			if c := f.ledger.of("confirmed"); len(c) != 2 {
				t.Fatalf("confirmed calls at 3 of 3 confirmations: %+v", c)
			}
			f.mine(t, 2)
			f.pass(t)
			f.pass(t)
			got = f.ledger.of("confirmed")
			for i := range got {
				got[i].Kind, got[i].Block = "pending", 0
			}
			slices.SortFunc(got, func(a, b call) int { return cmp.Compare(a.Key, b.Key) })
			slices.SortFunc(want, func(a, b call) int { return cmp.Compare(a.Key, b.Key) })
			if !slices.Equal(got, want) {
				t.Fatalf("confirmed calls %+v; want each deposit once: %+v", got, want)
			}
			d, err := f.store.Deposit(t.Context(), key(usdt, "0"))
			if err != nil || d.Status != coffer.DepositConfirmed || d.Asset != "USDT" || d.Owner != "alice" ||
				d.To != fmt.Sprintf("%#x", alice.Bytes()) || d.Amount.Int64() != 25_000_001 {
				t.Fatalf("stored deposit %+v, %v", d, err)
			}
			f.wantCanonical(t)
			f.wantAcceptedInOrder(t)
		})
	}
}
