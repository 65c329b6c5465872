package gethtest_test

// The rig of the tests against a real geth: Coffer's chain side as coffer serve runs it (a
// watcher with Credit over the ledger, reading geth through chain/node, the deposit addresses
// assigned through the store from an hdkey seed) on a store that can be closed and opened
// again, and the deposits a test sends.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/address"
	"github.com/cofferhq/coffer/chain/credit"
	"github.com/cofferhq/coffer/chain/hdkey"
	"github.com/cofferhq/coffer/chain/node"
	"github.com/cofferhq/coffer/chain/watch"
	"github.com/cofferhq/coffer/internal/broadcast"
	"github.com/cofferhq/coffer/internal/gethdev"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/postgres"
	"github.com/cofferhq/coffer/sqlite"
)

const (
	// confirmations is the dev chain's depth of a credit: three blocks, three seconds.
	confirmations = 3
	// poll is the watcher's: a tenth of the block period, so that it reads each block alone.
	poll = 100 * time.Millisecond
	// waitMax bounds each wait for the watcher: a few blocks, and a geth restart's backoff.
	waitMax = 30 * time.Second
	// passFailed is the message the watcher logs for a failed pass, which Run retries.
	passFailed = "chain watch pass failed"
	// chainName is the dev chain's name in Coffer.
	chainName = "dev"
	// testMnemonic is BIP39's first published vector, the deposit seed: each test has a chain
	// of its own, and internal/testscan knows its keys, so make test fails if one is printed.
	testMnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
)

// storeKind is a kind of store whose database a test can close and open again: Coffer
// stopped and started on the same database.
type storeKind struct {
	name string
	// database makes the test's database and returns how to open it.
	database func(t *testing.T) func(ctx context.Context) (coffer.Store, error)
}

// storeKinds returns SQLite and, when COFFER_TEST_POSTGRES is set, PostgreSQL.
func storeKinds() []storeKind {
	kinds := []storeKind{{name: "sqlite", database: func(t *testing.T) func(context.Context) (coffer.Store, error) {
		path := filepath.Join(t.TempDir(), "coffer.db")
		return func(ctx context.Context) (coffer.Store, error) {
			s, err := sqlite.Open(ctx, path)
			if err != nil {
				return nil, err
			}
			return s, nil
		}
	}}}
	if os.Getenv(postgres.TestURLEnv) != "" {
		kinds = append(kinds, storeKind{name: "postgres", database: func(t *testing.T) func(context.Context) (coffer.Store, error) {
			url := postgres.TestURL(t)
			return func(ctx context.Context) (coffer.Store, error) {
				s, err := postgres.Open(ctx, url, postgres.Options{})
				if err != nil {
					return nil, err
				}
				return s, nil
			}
		}})
	}
	return kinds
}

// sent is a deposit a test sent: what the ledger must credit once.
type sent struct {
	owner, asset string
	amount       *big.Int
	tx           common.Hash
	key          string // the watcher's key of the deposit
	block        uint64 // its block, once mined
}

// wallet returns the id of the ledger wallet the deposit goes to.
func (d *sent) wallet() string { return coffer.AccountID(coffer.KindWallet, d.owner, d.asset) }

// balances is a wallet's incoming (pending) and posted balance at one moment.
type balances struct{ incoming, balance coffer.Amount }

// rig is one test's chain, database and Coffer.
type rig struct {
	node   *gethdev.Node
	open   func(ctx context.Context) (coffer.Store, error)
	config chain.Config
	keys   *hdkey.XPub
	// from is the first block the watcher scans: the head when the rig was set up, as coffer
	// serve starts a chain it never scanned.
	from uint64
	log  *passLog
	// ended wakes the waits after each pass, whether it succeeded (Run's report) or failed.
	ended broadcast.Signal

	mu   sync.Mutex
	sent []*sent
	// seen are the sent deposits' wallets at the acceptance of each block, read in the
	// Accepted hook: after the block's deposits were recorded, before any was confirmed.
	seen map[uint64]map[string]balances
	// stopAt, when set, stops Coffer at the first accepted block after which the deposit of
	// that key is in the store: a stop with that deposit pending.
	stopAt string

	// Coffer while it runs.
	store  coffer.Store
	ledger *ledger.Ledger
	client *node.Client
	cancel context.CancelFunc
	done   chan error
}

// setup starts geth with the test token, makes the database with the ledger's assets, takes
// the watch-only xpub of the deposit seed, and starts Coffer on it.
func setup(t *testing.T, kind storeKind) *rig {
	t.Helper()
	geth := gethdev.Start(t)
	token := geth.DeployToken(t)
	r := &rig{node: geth, open: kind.database(t), from: geth.Head(t), seen: map[uint64]map[string]balances{}}
	r.log = &passLog{Handler: slog.NewTextHandler(testWriter{t}, nil), failed: new(atomic.Int64), ended: &r.ended}
	r.config = chain.Config{
		Chains: []chain.Chain{{Name: chainName, ID: gethdev.ChainID, RPC: []string{geth.URL()}, Confirmations: confirmations,
			Poll: poll}},
		Assets: []chain.Asset{
			{Code: "ETH", Chain: chainName, Decimals: 18},
			{Code: "USDT", Chain: chainName, Contract: &token, Decimals: gethdev.TokenDecimals},
		},
	}
	if err := r.config.Validate(); err != nil {
		t.Fatal(err)
	}
	seed, err := hdkey.NewSeed(testMnemonic, "")
	if err != nil {
		t.Fatal(err)
	}
	defer seed.Zero()
	if r.keys, err = seed.XPub(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if r.cancel != nil {
			r.halt(t)
		}
		if r.store != nil {
			r.close(t)
		}
	})
	r.start(t)
	for _, a := range r.config.Assets {
		if _, err := r.ledger.Do(t.Context(), ledger.CreateAsset{Code: a.Code, Scale: int(a.Decimals)}); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// start starts Coffer's chain side on the database: the store, the ledger, and the watcher
// with Credit, run in a goroutine as coffer serve runs it.
func (r *rig) start(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	store, err := r.open(ctx)
	if err != nil {
		t.Fatalf("open the store: %v", err)
	}
	l := ledger.New(store, ledger.Config{})
	ch := r.config.Chains[0]
	logger := slog.New(r.log)
	client, err := node.New(ch.Name, ch.RPC, logger)
	if err != nil {
		t.Fatal(err)
	}
	watches := store.(coffer.ChainWatchStore)
	w, err := watch.New(watch.Config{
		Chain:     ch,
		Assets:    r.config.Assets,
		Client:    client,
		Store:     watches,
		Addresses: credit.Addresses(store.(coffer.DepositAddressStore), ch.Name),
		Ledger:    &credit.Credit{Chain: ch, Ledger: l, Transfers: store, Tops: watches},
		From:      r.from,
		Accepted:  func(b coffer.ChainBlock) { r.accepted(store, b) },
		Logger:    logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	r.store, r.ledger, r.client, r.cancel, r.done = store, l, client, cancel, make(chan error, 1)
	go func() { r.done <- w.Run(runCtx, coffer.Fence{}, func(any) { r.ended.Notify() }) }()
}

// stop stops Coffer: the watcher, then the ledger and the store are closed.
func (r *rig) stop(t *testing.T) {
	t.Helper()
	r.halt(t)
	r.close(t)
}

// halt stops the watcher and waits until its Run has returned.
func (r *rig) halt(t *testing.T) {
	t.Helper()
	r.cancel()
	if err := <-r.done; !errors.Is(err, context.Canceled) {
		t.Errorf("the watcher's Run returned %v", err)
	}
	r.cancel, r.done = nil, nil
}

// close closes the node client, the ledger and the store of a halted Coffer.
func (r *rig) close(t *testing.T) {
	t.Helper()
	r.client.Close()
	if err := r.ledger.Close(); err != nil {
		t.Errorf("close the ledger: %v", err)
	}
	if err := r.store.Close(); err != nil {
		t.Errorf("close the store: %v", err)
	}
	r.store, r.ledger, r.client = nil, nil, nil
}

// stopOnSeen stops Coffer at the acceptance of the first block after which the deposit d is
// recorded, and checks that it was then pending: a stop between a deposit's sighting and its
// credit.
func (r *rig) stopOnSeen(t *testing.T, d *sent) {
	t.Helper()
	r.mu.Lock()
	r.stopAt = d.key
	r.mu.Unlock()
	r.waitFor(t, "the deposit seen", func() (bool, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.stopAt == "", nil
	})
	r.halt(t)
	got, err := r.store.(coffer.ChainWatchStore).Deposit(t.Context(), d.key)
	if err != nil || got.Status != coffer.DepositPending {
		t.Fatalf("deposit %s at the stop: %+v, %v; want it pending", d.key, got, err)
	}
	r.close(t)
}

// accepted is the watcher's Accepted hook: it notes the sent deposits' wallets, and stops
// Coffer when the deposit of stopAt was recorded.
func (r *rig) accepted(store coffer.Store, b coffer.ChainBlock) {
	ctx := context.Background()
	r.mu.Lock()
	defer r.mu.Unlock()
	snap := map[string]balances{}
	for _, d := range r.sent {
		a, err := store.Account(ctx, d.wallet())
		if err == nil {
			snap[d.wallet()] = balances{a.Incoming(), a.Balance()}
		}
	}
	r.seen[b.Number] = snap
	if r.stopAt != "" {
		if _, err := store.(coffer.ChainWatchStore).Deposit(ctx, r.stopAt); err == nil {
			r.stopAt = ""
			r.cancel()
			r.ended.Notify()
		}
	}
}

// address returns the owner's deposit address, assigned through the store as the API does.
func (r *rig) address(t *testing.T, owner string) common.Address {
	t.Helper()
	s := address.Service{Config: r.config, Keys: r.keys, Store: r.store.(coffer.DepositAddressStore)}
	a, _, err := s.Assign(t.Context(), owner, chainName, "")
	if err != nil {
		t.Fatalf("assign %s an address: %v", owner, err)
	}
	return common.HexToAddress(a.Address)
}

// sendETH sends wei to the address and records the deposit.
func (r *rig) sendETH(t *testing.T, owner string, to common.Address, wei int64) *sent {
	t.Helper()
	d := r.record(&sent{owner: owner, asset: "ETH", amount: big.NewInt(wei)})
	d.tx = r.node.FundETH(t, to, d.amount)
	d.key = depositKey(d.tx, "native")
	return d
}

// sendUSDT sends units of the token to the address and records the deposit.
func (r *rig) sendUSDT(t *testing.T, owner string, to common.Address, units int64) *sent {
	t.Helper()
	d := r.record(&sent{owner: owner, asset: "USDT", amount: big.NewInt(units)})
	d.tx = r.node.FundToken(t, to, d.amount)
	d.key = depositKey(d.tx, "0")
	return d
}

// record adds d to the sent deposits before it is sent, so that the Accepted hook reads its
// wallet from its block on.
func (r *rig) record(d *sent) *sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, d)
	return d
}

// deposits returns the sent deposits.
func (r *rig) deposits() []*sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*sent(nil), r.sent...)
}

// mined waits for each deposit's transaction and notes its block; every one must succeed.
func (r *rig) mined(t *testing.T, ds ...*sent) {
	t.Helper()
	for _, d := range ds {
		rc := r.node.WaitMined(t, d.tx)
		if rc.Status != types.ReceiptStatusSuccessful {
			t.Fatalf("the %s deposit's transaction %s failed", d.asset, d.tx)
		}
		d.block = rc.BlockNumber.Uint64()
	}
}

func depositKey(tx common.Hash, position string) string {
	return fmt.Sprintf("%d:%s:%s", gethdev.ChainID, strings.ToLower(tx.Hex()), position)
}

// waitFor waits until cond holds, asking again after each of the watcher's passes, at most
// waitMax.
func (r *rig) waitFor(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.NewTimer(waitMax)
	defer deadline.Stop()
	for {
		next := r.ended.Wait()
		ok, err := cond()
		if err != nil {
			t.Fatalf("wait for %s: %v", what, err)
		}
		if ok {
			return
		}
		select {
		case <-next:
		case <-deadline.C:
			t.Fatalf("waited %s for %s", waitMax, what)
		}
	}
}

// waitStatus waits until each deposit is in the store with the status.
func (r *rig) waitStatus(t *testing.T, status coffer.DepositStatus, ds ...*sent) {
	t.Helper()
	r.waitFor(t, fmt.Sprintf("%d deposits %s", len(ds), status), func() (bool, error) {
		for _, d := range ds {
			got, err := r.store.(coffer.ChainWatchStore).Deposit(t.Context(), d.key)
			if coffer.ErrorCode(err) == coffer.ENOTFOUND {
				return false, nil
			}
			if err != nil {
				return false, err
			}
			if got.Status != status {
				return false, nil
			}
		}
		return true, nil
	})
}

// waitCredited waits until every sent deposit is confirmed, then stops Coffer and checks its
// database as an operator would: wantCredited.
func (r *rig) waitCredited(t *testing.T) {
	t.Helper()
	for _, d := range r.deposits() {
		if d.block == 0 {
			r.mined(t, d)
		}
	}
	r.waitStatus(t, coffer.DepositConfirmed, r.deposits()...)
	r.stop(t)
	r.wantCredited(t)
}

// wantCredited opens the database of a stopped Coffer and checks that each sent deposit was
// credited once and nothing else: the chain's deposits are exactly the sent ones, confirmed;
// each wallet's balance is the sum of its deposits, with nothing incoming; each deposit has
// one pending and then one confirmed event, credited at the required confirmations; and the
// ledger verifies clean, as `coffer verify` checks it.
func (r *rig) wantCredited(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	store, err := r.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ds := r.deposits()
	byKey := map[string]*sent{}
	sums := map[string]*big.Int{}
	for _, d := range ds {
		byKey[d.key] = d
		if sums[d.wallet()] == nil {
			sums[d.wallet()] = new(big.Int)
		}
		sums[d.wallet()].Add(sums[d.wallet()], d.amount)
	}

	watches := store.(coffer.ChainWatchStore)
	for _, status := range []coffer.DepositStatus{coffer.DepositPending, coffer.DepositConfirmed, coffer.DepositOrphaned, coffer.DepositRefused} {
		got, err := watches.Deposits(ctx, coffer.DepositFilter{Chain: chainName, Status: status})
		if err != nil {
			t.Fatal(err)
		}
		if status != coffer.DepositConfirmed {
			if len(got) > 0 {
				t.Errorf("%d deposits %s, want none: %+v", len(got), status, got)
			}
			continue
		}
		if len(got) != len(ds) {
			t.Errorf("%d deposits confirmed, want the %d sent", len(got), len(ds))
		}
		for _, g := range got {
			d := byKey[g.Key]
			if d == nil || g.Owner != d.owner || g.Asset != d.asset || g.Amount.Cmp(d.amount) != 0 || g.BlockNumber != d.block {
				t.Errorf("deposit %+v is not one sent", g)
			}
		}
	}

	for id, sum := range sums {
		a, err := store.Account(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if a.Balance().Big().Cmp(sum) != 0 || !a.Incoming().IsZero() {
			t.Errorf("%s: balance %s incoming %s, want %s credited once and nothing incoming", id, a.Balance(), a.Incoming(), sum)
		}
	}

	events := map[string][]coffer.DepositNotice{}
	for after := uint64(0); ; {
		es, err := store.Events(ctx, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			after = e.Seq
			switch e.Type {
			case coffer.EventDepositPending, coffer.EventDepositConfirmed, coffer.EventDepositOrphaned:
			default:
				continue
			}
			var n coffer.DepositNotice
			if err := json.Unmarshal(e.Data, &n); err != nil {
				t.Fatal(err)
			}
			events[n.Key] = append(events[n.Key], n)
		}
	}
	for key, ns := range events {
		if byKey[key] == nil {
			t.Errorf("deposit events of %s, which was not sent: %+v", key, ns)
		}
	}
	for _, d := range ds {
		ns := events[d.key]
		if len(ns) != 2 || ns[0].Status != "pending" || ns[1].Status != "confirmed" {
			t.Errorf("deposit %s's events %+v; want one pending, then one confirmed", d.key, ns)
			continue
		}
		c := ns[1]
		if c.BlockNumber != d.block || c.ConfirmationsRequired != confirmations || c.Confirmations < confirmations || c.Owner != d.owner {
			t.Errorf("deposit %s confirmed as %+v; want block %d at %d confirmations or more", d.key, c, d.block, confirmations)
		}
	}

	rep, err := ledger.Verify(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("verify: %+v", rep.Violations)
	}
}

// wantPendingUntilConfirmed checks, of deposits each alone in its wallet, that the wallet held
// the deposit as incoming and not credited at the acceptance of its block and of the blocks
// on top of it until it was confirmations deep. The blocks must have been accepted while the
// rig noted them.
func (r *rig) wantPendingUntilConfirmed(t *testing.T, ds ...*sent) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range ds {
		want := balances{incoming: amountOf(t, d.amount)}
		for n := d.block; n < d.block+confirmations; n++ {
			snap, ok := r.seen[n]
			if !ok {
				t.Fatalf("block %d was not accepted while Coffer ran", n)
			}
			if got := snap[d.wallet()]; got != want {
				t.Errorf("%s at block %d (the deposit's is %d): incoming %s balance %s; want %s incoming, nothing credited",
					d.wallet(), n, d.block, got.incoming, got.balance, want.incoming)
			}
		}
	}
}

func amountOf(t *testing.T, b *big.Int) coffer.Amount {
	t.Helper()
	a, ok := coffer.AmountFromBig(b)
	if !ok {
		t.Fatalf("%s does not fit an amount", b)
	}
	return a
}

// passLog is the watcher's log: each record goes to the test's log, and a failed pass is
// counted and wakes the waits.
type passLog struct {
	slog.Handler
	failed *atomic.Int64
	ended  *broadcast.Signal
}

func (h *passLog) Handle(ctx context.Context, rec slog.Record) error {
	if rec.Message == passFailed {
		h.failed.Add(1)
		h.ended.Notify()
	}
	return h.Handler.Handle(ctx, rec)
}

func (h *passLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &passLog{Handler: h.Handler.WithAttrs(attrs), failed: h.failed, ended: h.ended}
}

func (h *passLog) WithGroup(name string) slog.Handler {
	return &passLog{Handler: h.Handler.WithGroup(name), failed: h.failed, ended: h.ended}
}

// testWriter writes to the test's log, shown when it fails.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
