package credit_test

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/credit"
	"github.com/cofferhq/coffer/chain/devchain"
	"github.com/cofferhq/coffer/chain/hdkey"
	"github.com/cofferhq/coffer/chain/testtoken"
	"github.com/cofferhq/coffer/chain/watch"
	"github.com/cofferhq/coffer/internal/chaintest"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/sqlite"
)

// The backlog the catch-up benchmark scans.
const (
	backlogBlocks    = 10_000 // the head; the watcher scans from block 0
	backlogDeposits  = 10_000 // half ETH, half USDT
	depositsPerBlock = 10     // deposits per block that holds any: 1,000 blocks of 10
	benchOwners      = 2_000  // each with a deposit address, 5 deposits each
	benchSenders     = 10     // keys that send the deposits, one transaction each per block
	benchConfirm     = 12     // the chain's confirmations
)

// quiet is the benchmarks' logger: the watcher's warnings are not the figures.
var quiet = slog.New(slog.DiscardHandler)

// owners are the benchmarks' owners and their deposit addresses (the golden seed's first),
// and template a SQLite file holding the assets and the addresses assigned, copied for each
// round.
var (
	ownersOnce  sync.Once
	ownerAddrs  []common.Address
	template    string
	templateErr error
)

func owners(b *testing.B) ([]common.Address, string) {
	ownersOnce.Do(func() {
		seed, err := hdkey.NewSeed(chaintest.Golden, "")
		if err != nil {
			templateErr = err
			return
		}
		xpub, err := seed.XPub()
		seed.Zero()
		if err != nil {
			templateErr = err
			return
		}
		for i := range uint32(benchOwners) {
			a, err := xpub.Address(i)
			if err != nil {
				templateErr = err
				return
			}
			ownerAddrs = append(ownerAddrs, a)
		}
		dir, err := os.MkdirTemp("", "coffer-credit-bench-")
		if err != nil {
			templateErr = err
			return
		}
		template = filepath.Join(dir, "coffer.db")
		templateErr = makeTemplate(template)
	})
	if templateErr != nil {
		b.Fatal(templateErr)
	}
	return ownerAddrs, template
}

// makeTemplate creates the assets and assigns every owner its address in a new SQLite file.
func makeTemplate(path string) error {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	l := ledger.New(s, ledger.Config{Logger: quiet})
	for _, a := range []ledger.CreateAsset{{Code: "ETH", Scale: 18}, {Code: "USDT", Scale: devchain.TokenDecimals}} {
		if _, err := l.Do(ctx, a); err != nil {
			return err
		}
	}
	l.Close()
	for i, a := range ownerAddrs {
		derive := func(uint32) (string, error) { return a.Hex(), nil }
		got, _, err := s.AssignDepositAddress(ctx, "dev", owner(i), derive)
		if err != nil {
			return err
		}
		if got.Index != uint32(i) {
			return fmt.Errorf("owner %d has index %d", i, got.Index)
		}
	}
	return s.Close()
}

func owner(i int) string { return fmt.Sprintf("u%04d", i) }

// openCopy opens a copy of the template: a fresh store with the owners' addresses.
func openCopy(b *testing.B, template string) *sqlite.Store {
	b.Helper()
	dir := b.TempDir()
	for _, suffix := range []string{"", "-wal"} {
		data, err := os.ReadFile(template + suffix)
		if os.IsNotExist(err) && suffix != "" {
			continue
		}
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "coffer.db"+suffix), data, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	s, err := sqlite.Open(context.Background(), filepath.Join(dir, "coffer.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// sender is a key that sends deposits with nonces of its own.
type sender struct {
	key   *ecdsa.PrivateKey
	addr  common.Address
	nonce uint64
}

// deposits is what a backlog holds: the amounts each owner received of each asset.
type deposits map[string]*big.Int // "<owner> <asset>"

var (
	backlogOnce sync.Once
	backlogDev  *devchain.Chain
	backlogWant deposits
	backlogErr  error
)

// backlog returns a dev chain of backlogBlocks blocks whose blocks hold backlogDeposits
// deposits to the owners' addresses, all at least benchConfirm deep, made once per benchmark
// binary, and the amounts deposited.
func backlog(b *testing.B) (*devchain.Chain, deposits) {
	addrs, _ := owners(b)
	backlogOnce.Do(func() {
		start := time.Now()
		backlogDev, backlogWant, backlogErr = makeBacklog(addrs)
		b.Logf("backlog of %d blocks and %d deposits mined in %v", backlogBlocks, backlogDeposits, time.Since(start).Round(time.Millisecond))
	})
	if backlogErr != nil {
		b.Fatal(backlogErr)
	}
	return backlogDev, backlogWant
}

// makeBacklog mines the backlog. The deposits are signed here, with nonces counted here and a
// fixed gas: devchain's Fund asks the node for the head, the gas and the nonce of each.
func makeBacklog(addrs []common.Address) (*devchain.Chain, deposits, error) {
	ctx := context.Background()
	dev, err := devchain.Start(ctx, devchain.Config{Manual: true, Logger: quiet})
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*devchain.Chain, deposits, error) {
		dev.Close()
		return nil, nil, err
	}
	client := dev.Client()
	senders := make([]*sender, benchSenders)
	for i := range senders {
		key, _ := crypto.GenerateKey()
		senders[i] = &sender{key: key, addr: crypto.PubkeyToAddress(key.PublicKey)}
		if _, err := dev.Fund(ctx, senders[i].addr, devchain.AssetETH, new(big.Int).Mul(big.NewInt(1000), big.NewInt(1e18))); err != nil {
			return fail(err)
		}
		if _, err := dev.Fund(ctx, senders[i].addr, devchain.AssetUSDT, big.NewInt(1e12)); err != nil {
			return fail(err)
		}
	}
	for {
		if _, err := dev.Mine(); err != nil {
			return fail(err)
		}
		n, err := client.PendingNonceAt(ctx, dev.Faucet())
		if err != nil {
			return fail(err)
		}
		if m, err := client.NonceAt(ctx, dev.Faucet(), nil); err != nil || m != n {
			if err != nil {
				return fail(err)
			}
			continue // the pool had not yet taken them all in
		}
		break
	}
	// Bring the pool to the head at once, so that it knows the senders' funds.
	head, err := client.HeaderByNumber(ctx, nil)
	if err != nil {
		return fail(err)
	}
	if err := dev.Fork(head.Hash()); err != nil {
		return fail(err)
	}
	first := head.Number.Uint64() + 1
	blocks := backlogDeposits / depositsPerBlock
	// The blocks of deposits, spread evenly from first, the last benchConfirm deep at the head.
	span := backlogBlocks - benchConfirm + 1 - first
	at := make(map[uint64]bool, blocks)
	for k := range uint64(blocks) {
		at[first+k*span/uint64(blocks)] = true
	}
	if len(at) != blocks {
		return fail(fmt.Errorf("%d blocks of deposits fit in %d", blocks, span))
	}
	signer := types.LatestSignerForChainID(big.NewInt(devchain.ChainID))
	tip, feeCap := big.NewInt(1e9), big.NewInt(20e9)
	token, tokenABI := dev.Token(), testtoken.NewCofferTestToken()
	want := deposits{}
	sent := 0
	for n := first; n <= backlogBlocks; n++ {
		if at[n] {
			for j := range depositsPerBlock {
				d := sent + j
				s := senders[j%len(senders)]
				o := d % benchOwners
				to, asset := addrs[o], "ETH"
				tx := &types.DynamicFeeTx{ChainID: big.NewInt(devchain.ChainID), Nonce: s.nonce, GasTipCap: tip, GasFeeCap: feeCap,
					Gas: 21_000, To: &to, Value: new(big.Int).Add(big.NewInt(1e16), big.NewInt(int64(d)))}
				if d%2 == 1 {
					asset = "USDT"
					tx.To, tx.Value, tx.Gas = &token, new(big.Int), 100_000
					tx.Data = tokenABI.PackTransfer(to, big.NewInt(1_000_000+int64(d)))
				}
				signed, err := types.SignNewTx(s.key, signer, tx)
				if err != nil {
					return fail(err)
				}
				if err := client.SendTransaction(ctx, signed); err != nil {
					return fail(fmt.Errorf("block %d: %w", n, err))
				}
				s.nonce++
				k := owner(o) + " " + asset
				if want[k] == nil {
					want[k] = new(big.Int)
				}
				if asset == "ETH" {
					want[k].Add(want[k], tx.Value)
				} else {
					want[k].Add(want[k], big.NewInt(1_000_000+int64(d)))
				}
			}
			sent += depositsPerBlock
		}
		h, err := dev.Mine()
		if err != nil {
			return fail(err)
		}
		if at[n] {
			// Each block of deposits must hold them all: the confirmations depend on it.
			count, err := client.TransactionCount(ctx, h)
			if err != nil {
				return fail(err)
			}
			if count != depositsPerBlock {
				return fail(fmt.Errorf("block %d holds %d transactions, not %d", n, count, depositsPerBlock))
			}
		}
	}
	if head, err := client.BlockNumber(ctx); err != nil || head != backlogBlocks {
		return fail(fmt.Errorf("the head is %d (%v), not %d", head, err, backlogBlocks))
	}
	return dev, want, nil
}

// counting is a watch.Ledger that counts the calls and passes them on to next, if any: with
// none, it is the baseline, the watcher's own cost with no ledger behind it.
type counting struct {
	next                         watch.Ledger
	pending, confirmed, orphaned atomic.Int64
	// onConfirmed, if set, is called after each Confirmed, with the time it returned.
	onConfirmed func(d coffer.Deposit, at time.Time)
}

func (c *counting) Pending(ctx context.Context, d coffer.Deposit) error {
	if c.next != nil {
		if err := c.next.Pending(ctx, d); err != nil {
			return err
		}
	}
	c.pending.Add(1)
	return nil
}

func (c *counting) Confirmed(ctx context.Context, d coffer.Deposit) error {
	if c.next != nil {
		if err := c.next.Confirmed(ctx, d); err != nil {
			return err
		}
	}
	c.confirmed.Add(1)
	if c.onConfirmed != nil {
		c.onConfirmed(d, time.Now())
	}
	return nil
}

func (c *counting) Orphaned(ctx context.Context, d coffer.Deposit) error {
	if c.next != nil {
		if err := c.next.Orphaned(ctx, d); err != nil {
			return err
		}
	}
	c.orphaned.Add(1)
	return nil
}

// benchChain is the chain of the benchmarks, and its assets on dev.
func benchChain(dev *devchain.Chain, poll time.Duration) (chain.Chain, []chain.Asset) {
	token := dev.Token()
	return chain.Chain{Name: "dev", ID: devchain.ChainID, Confirmations: benchConfirm, Poll: poll, BlockRangeMax: chain.BlockRangeMaxDefault},
		[]chain.Asset{{Code: "ETH", Chain: "dev", Decimals: 18}, {Code: "USDT", Chain: "dev", Contract: &token, Decimals: devchain.TokenDecimals}}
}

// round is one watcher over a fresh copy of the template, with the real ledger behind a
// credit.Credit or (baseline) none.
type round struct {
	store  *sqlite.Store
	ledger *ledger.Ledger
	count  *counting
	w      *watch.Watcher
}

func newRound(b *testing.B, dev *devchain.Chain, withLedger bool, poll time.Duration, from uint64) *round {
	b.Helper()
	_, tmpl := owners(b)
	r := &round{store: openCopy(b, tmpl), count: &counting{}}
	ch, assets := benchChain(dev, poll)
	if withLedger {
		r.ledger = ledger.New(r.store, ledger.Config{Logger: quiet})
		b.Cleanup(func() { r.ledger.Close() })
		r.count.next = &credit.Credit{Chain: ch, Ledger: r.ledger, Transfers: r.store, Tops: r.store, Logger: quiet}
	}
	w, err := watch.New(watch.Config{Chain: ch, Assets: assets, Client: dev.Client(), Store: r.store,
		Addresses: credit.Addresses(r.store, "dev"), Ledger: r.count, From: from, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	r.w = w
	return r
}

// check holds a round's ledger to the backlog: each owner credited what was sent, nothing
// incoming, and verified clean.
func (r *round) check(b *testing.B, want deposits) {
	b.Helper()
	if n := r.count.confirmed.Load(); n != backlogDeposits || r.count.orphaned.Load() != 0 {
		b.Fatalf("%d deposits confirmed and %d orphaned; want %d confirmed", n, r.count.orphaned.Load(), backlogDeposits)
	}
	if r.ledger == nil {
		return
	}
	ctx := context.Background()
	for k, amount := range want {
		var o, asset string
		fmt.Sscan(k, &o, &asset)
		a, err := r.store.Account(ctx, coffer.AccountID(coffer.KindWallet, o, asset))
		if err != nil {
			b.Fatal(err)
		}
		if a.Balance().String() != amount.String() || !a.Incoming().IsZero() {
			b.Fatalf("wallet of %s in %s: balance %s, incoming %s; want %s credited", o, asset, a.Balance(), a.Incoming(), amount)
		}
	}
	rep, err := ledger.Verify(ctx, r.store)
	if err != nil || !rep.OK() {
		b.Fatalf("verify: %v %+v", err, rep)
	}
}

// catchUpBaseline is the baseline's seconds per round of this run, for the ratio.
var catchUpBaseline float64

// BenchmarkCatchUp times the watcher's passes from block 0 until every deposit of the backlog
// (10,000 blocks, 10,000 ETH and USDT deposits to 2,000 owners, in 1,000 blocks of 10) is
// confirmed, over a fresh SQLite store each round. "count" is the baseline: the watcher with a
// ledger that only counts, so its own reads of the node and writes of blocks and deposits.
// "ledger" is the real credit.Credit over the real ledger on the same store: each deposit a
// pending transfer, then posted. Not measured: mining the backlog (once per binary) and copying
// a store with the owners' addresses assigned.
func BenchmarkCatchUp(b *testing.B) {
	if testing.Short() {
		b.Skip("mines 10,000 blocks")
	}
	dev, want := backlog(b)
	for _, withLedger := range []bool{false, true} {
		name := map[bool]string{false: "count", true: "ledger"}[withLedger]
		b.Run(name, func(b *testing.B) {
			var took time.Duration
			rounds := 0
			for b.Loop() {
				b.StopTimer()
				r := newRound(b, dev, withLedger, time.Second, 0)
				b.StartTimer()
				start := time.Now()
				for passes := 0; r.count.confirmed.Load() < backlogDeposits; passes++ {
					if passes == 10 {
						b.Fatalf("%d of %d deposits confirmed after %d passes", r.count.confirmed.Load(), backlogDeposits, passes)
					}
					if err := r.w.Pass(context.Background()); err != nil {
						b.Fatal(err)
					}
				}
				took += time.Since(start)
				rounds++
				b.StopTimer()
				r.check(b, want)
				b.StartTimer()
			}
			perRound := took.Seconds() / float64(rounds)
			b.ReportMetric(backlogBlocks/perRound, "blocks/s")
			b.ReportMetric(backlogDeposits/perRound, "deposits/s")
			if withLedger && catchUpBaseline > 0 {
				b.ReportMetric(perRound/catchUpBaseline, "x-baseline-time")
			} else if !withLedger {
				catchUpBaseline = perRound
			}
		})
	}
}

// delayDeposits is how many deposits the delay benchmark times, one a block.
const delayDeposits = 200

// BenchmarkConfirmDelay times, with a running watcher (Run, polling every 100 ms) and the dev
// chain mining a block every 100 ms in its loop, the delay from the block that makes a deposit
// confirmed (its benchConfirm-th) being mined to the deposit's confirmation being committed:
// for "ledger" the real credit.Credit's ConfirmChainDeposit returned, for the "count" baseline
// the watcher's call of a ledger that only counts. One deposit a block, ETH and USDT in turn.
// A block's mining time is when its head notification arrives.
func BenchmarkConfirmDelay(b *testing.B) {
	if testing.Short() {
		b.Skip("runs for 20 s")
	}
	addrs, _ := owners(b)
	for _, withLedger := range []bool{false, true} {
		name := map[bool]string{false: "count", true: "ledger"}[withLedger]
		b.Run(name, func(b *testing.B) {
			var delays []time.Duration
			for b.Loop() {
				delays = append(delays, confirmDelays(b, addrs, withLedger)...)
			}
			slices.Sort(delays)
			pct := func(p float64) float64 {
				return float64(delays[int(p*float64(len(delays)-1))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.5), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(pct(1), "max-ms")
		})
	}
}

// confirmDelays runs one round of BenchmarkConfirmDelay and returns its delays.
func confirmDelays(b *testing.B, addrs []common.Address, withLedger bool) []time.Duration {
	b.StopTimer()
	defer b.StartTimer()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const period = 100 * time.Millisecond
	dev, err := devchain.Start(ctx, devchain.Config{BlockPeriod: period, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer dev.Close()
	heads := make(chan *types.Header, 1024)
	sub, err := dev.Client().SubscribeNewHead(ctx, heads)
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Unsubscribe()
	head, err := dev.Client().BlockNumber(ctx)
	if err != nil {
		b.Fatal(err)
	}
	r := newRound(b, dev, withLedger, period, head+1)
	var mu sync.Mutex
	mined := map[uint64]time.Time{}
	confirmed := map[string]time.Duration{} // key: block to commit
	all := make(chan struct{})
	r.count.onConfirmed = func(d coffer.Deposit, at time.Time) {
		mu.Lock()
		defer mu.Unlock()
		m, ok := mined[d.BlockNumber+benchConfirm-1]
		if !ok {
			b.Errorf("deposit %s confirmed before its block %d's head notification", d.Key, d.BlockNumber+benchConfirm-1)
			return
		}
		confirmed[d.Key] = at.Sub(m)
		if len(confirmed) == delayDeposits {
			close(all)
		}
	}
	b.StartTimer()
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		r.w.Run(ctx, coffer.Fence{}, func(any) {})
	}()
	// The heads are timed as they arrive, and the deposits sent apart, so that a send never
	// delays a head's time.
	next := make(chan struct{}, 1)
	go func() {
		for {
			select {
			case h := <-heads:
				mu.Lock()
				mined[h.Number.Uint64()] = time.Now()
				mu.Unlock()
				select {
				case next <- struct{}{}:
				default:
				}
			case err := <-sub.Err():
				if err != nil {
					b.Error(err)
				}
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	sent := 0
wait:
	for {
		select {
		case <-next:
			if sent == delayDeposits {
				continue
			}
			asset, amount := devchain.AssetETH, big.NewInt(1e15+int64(sent))
			if sent%2 == 1 {
				asset, amount = devchain.AssetUSDT, big.NewInt(1_000_000+int64(sent))
			}
			if _, err := dev.Fund(ctx, addrs[sent%len(addrs)], asset, amount); err != nil {
				b.Fatal(err)
			}
			sent++
		case <-all:
			break wait
		case <-ctx.Done():
			b.Fatalf("%d of %d deposits confirmed: %v", len(confirmed), delayDeposits, ctx.Err())
		}
	}
	b.StopTimer()
	cancel()
	<-stopped
	mu.Lock()
	defer mu.Unlock()
	out := make([]time.Duration, 0, len(confirmed))
	for _, d := range confirmed {
		out = append(out, d)
	}
	return out
}

// TestMain removes the benchmarks' template store and stops their backlog's chain.
func TestMain(m *testing.M) {
	code := m.Run()
	if template != "" {
		os.RemoveAll(filepath.Dir(template))
	}
	if backlogDev != nil {
		backlogDev.Close()
	}
	os.Exit(code)
}
