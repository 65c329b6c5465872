package watch_test

import (
	"context"
	"fmt"
	"math/big"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/cofferhq/coffer/chain/devchain"
	"github.com/cofferhq/coffer/chain/watch"
	"github.com/cofferhq/coffer/internal/testdb"
)

// faulty is a node that misbehaves the ways providers do, each fault a number of times.
type faulty struct {
	watch.Client
	mu        sync.Mutex
	logsRange uint64 // FilterLogs refuses more blocks than this with -32005
	refused   int    // how many it refused
	lowHeads  int    // head answers below the watcher's cursor (a lagging node)
	throttles int    // head answers 429
	timeouts  int    // receipts time out
	empties   int    // log answers empty though logs exist
}

// rpcError is a JSON-RPC error as the node sends it.
type rpcError struct {
	code int
	msg  string
}

func (e rpcError) Error() string  { return e.msg }
func (e rpcError) ErrorCode() int { return e.code }

// take reports whether the fault *n is still due, counting it down.
func (c *faulty) take(n *int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if *n == 0 {
		return false
	}
	*n--
	return true
}

func (c *faulty) HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error) {
	if number == nil && c.take(&c.throttles) {
		return nil, rpc.HTTPError{StatusCode: 429, Status: "429 Too Many Requests"}
	}
	if number == nil && c.take(&c.lowHeads) {
		return c.Client.HeaderByNumber(ctx, big.NewInt(1))
	}
	return c.Client.HeaderByNumber(ctx, number)
}

func (c *faulty) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	if n := q.ToBlock.Uint64() - q.FromBlock.Uint64() + 1; n > c.logsRange {
		c.mu.Lock()
		c.refused++
		c.mu.Unlock()
		return nil, rpcError{-32005, fmt.Sprintf("query returned more than 10000 results (%d blocks)", n)}
	}
	logs, err := c.Client.FilterLogs(ctx, q)
	if err == nil && len(logs) > 0 && c.take(&c.empties) {
		return nil, nil
	}
	return logs, err
}

func (c *faulty) TransactionReceipt(ctx context.Context, tx common.Hash) (*types.Receipt, error) {
	if c.take(&c.timeouts) {
		return nil, fmt.Errorf("receipt: %w", context.DeadlineExceeded)
	}
	return c.Client.TransactionReceipt(ctx, tx)
}

// fundMany mines blocks blocks, with a deposit to one of addrs in every third, ETH and USDT in
// turn, and returns the deposits' keys.
func (f *fixture) fundMany(t *testing.T, addrs []common.Address, blocks int) map[string]bool {
	t.Helper()
	keys := map[string]bool{}
	for i := range blocks {
		if i%3 == 0 {
			to := addrs[i%len(addrs)]
			if i%2 == 0 {
				keys[key(f.fund(t, to, devchain.AssetETH, int64(1000+i)), "native")] = true
			} else {
				keys[key(f.fund(t, to, devchain.AssetUSDT, int64(1000+i)), "0")] = true
			}
		}
		f.mine(t, 1)
	}
	return keys
}

// wantDeposits checks that the pending calls are keys, each once, and that those
// Confirmations deep were confirmed once.
func (f *fixture) wantDeposits(t *testing.T, keys map[string]bool) {
	t.Helper()
	seen := map[string]int{}
	for _, c := range f.ledger.of("pending") {
		seen[c.Key]++
	}
	for k := range keys {
		if seen[k] != 1 {
			t.Errorf("deposit %s seen %d times; want once", k, seen[k])
		}
	}
	if len(seen) != len(keys) {
		t.Errorf("%d deposits seen; want %d", len(seen), len(keys))
	}
	head := f.head(t).Number.Uint64()
	confirmed := map[string]int{}
	for _, c := range f.ledger.of("confirmed") {
		confirmed[c.Key]++
		if head-c.Block+1 < f.cfg.Chain.Confirmations {
			t.Errorf("deposit %s confirmed at block %d, head %d", c.Key, c.Block, head)
		}
	}
	for k, n := range confirmed {
		if n != 1 || !keys[k] {
			t.Errorf("deposit %s confirmed %d times", k, n)
		}
	}
	var due int
	for k := range keys {
		d, err := f.store.Deposit(t.Context(), k)
		if err != nil {
			t.Fatalf("Deposit %s: %v", k, err)
		}
		if head-d.BlockNumber+1 >= f.cfg.Chain.Confirmations {
			due++
		}
	}
	if len(confirmed) != due {
		t.Errorf("%d deposits confirmed; want %d", len(confirmed), due)
	}
}

// The watcher stopped while 100 blocks were mined: the next one finds every deposit, once.
func TestDowntime(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, options{store: kind.Open, confirmations: 5, rangeMax: 16})
			addrs := []common.Address{f.address("alice"), f.address("bob"), f.address("carol")}
			keys := f.fundMany(t, addrs, 3)
			f.pass(t)
			more := f.fundMany(t, addrs, 100)
			for k := range more {
				keys[k] = true
			}
			f.restart(t)
			f.pass(t)
			f.wantDeposits(t, keys)
			f.wantCanonical(t)
			f.wantAcceptedInOrder(t)
			bs, _ := f.store.ChainBlocks(t.Context(), "dev", 0)
			if len(bs) != watch.KeepMin {
				t.Errorf("%d blocks kept; want %d", len(bs), watch.KeepMin)
			}
		})
	}
}

// A node that refuses large log ranges, throttles, times out, answers empty logs and lags:
// the watcher converges, never skipping a block or a deposit.
func TestFaults(t *testing.T) {
	var node *faulty
	f := setup(t, options{confirmations: 4, rangeMax: 64, client: func(c watch.Client) watch.Client {
		node = &faulty{Client: c, logsRange: 1 << 20}
		return node
	}})
	addrs := []common.Address{f.address("alice"), f.address("bob")}
	keys := f.fundMany(t, addrs, 3)
	f.pass(t)
	node.mu.Lock()
	node.logsRange, node.lowHeads, node.throttles, node.timeouts, node.empties = 8, 1, 1, 2, 2
	node.mu.Unlock()
	for k := range f.fundMany(t, addrs, 40) {
		keys[k] = true
	}
	head := f.head(t).Number.Uint64()
	var failed int
	for i := 0; ; i++ {
		if i == 20 {
			t.Fatalf("no convergence after 20 passes")
		}
		err := f.w.Pass(t.Context())
		if err != nil {
			failed++
			t.Logf("pass %d: %v", i, err)
			continue
		}
		if top, err := f.store.ChainTop(t.Context(), "dev"); err == nil && top.Number == head {
			break
		}
	}
	node.mu.Lock()
	defer node.mu.Unlock()
	if node.lowHeads+node.throttles+node.timeouts+node.empties != 0 || node.refused == 0 {
		t.Fatalf("faults left undone: %+v", node)
	}
	if failed < 3 {
		t.Errorf("%d passes failed; want the 429 and the two timeouts to fail one each", failed)
	}
	f.wantDeposits(t, keys)
	f.wantCanonical(t)
	f.wantAcceptedInOrder(t)
}

// A block whose bloom says a watched Transfer may be in it, though the node never gives a log
// for it (or a bloom false positive): read again BloomRetriesMax times, then accepted.
func TestBloomRetriesAreBounded(t *testing.T) {
	var node *faulty
	f := setup(t, options{client: func(c watch.Client) watch.Client {
		node = &faulty{Client: c, logsRange: 1 << 20}
		return node
	}})
	f.pass(t)
	node.mu.Lock()
	node.empties = 1000
	node.mu.Unlock()
	f.fund(t, f.address(""), devchain.AssetUSDT, 5)
	f.mine(t, 1)
	f.pass(t)
	node.mu.Lock()
	defer node.mu.Unlock()
	if got := 1000 - node.empties; got != watch.BloomRetriesMax+1 {
		t.Errorf("%d empty answers read; want %d", got, watch.BloomRetriesMax+1)
	}
	f.wantAcceptedInOrder(t)
}
