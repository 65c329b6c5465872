// Package watch finds deposits into Coffer's addresses on an EVM chain: the chain watcher.
//
// Polling is the source of truth. Each Pass reads the head and scans the blocks after the
// cursor (the highest block in the store) in ranges of at most the chain's BlockRangeMax. Every
// block is accepted only once it is fully read and its parent hash equals the stored hash of the
// block below it; on a mismatch the watcher walks back to the common ancestor, abandons the
// blocks above it and scans the new branch. ERC-20 deposits come from eth_getLogs of the chain's
// configured token contracts with the Transfer topic only, matched against the deposit
// addresses locally; native deposits are the top-level transactions of each block that pay a
// deposit address a positive value and succeeded. Ether moved to a deposit address by a
// contract (an internal transfer) is not seen: that needs tracing, which nodes do not all offer;
// reconciliation of balances is what finds it.
package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
)

// Defaults and limits of the watcher.
const (
	// CallTimeoutDefault bounds each call to the node.
	CallTimeoutDefault = 10 * time.Second
	// BloomRetriesMax is how often a range is read again when a block's bloom says a Transfer
	// of a watched token may be in it but the node gave no log for it: load-balanced nodes
	// answer empty for blocks they have not yet indexed. A bloom's false positive costs only
	// these retries, after which the block is accepted with a warning.
	BloomRetriesMax = 3
	// RacesMax is how often a pass reads a range again when what it read did not fit together
	// (a log or a receipt from another block than the header's): a reorg raced the reads.
	RacesMax = 5
	// KeepMin is the fewest recent blocks the store keeps, for walking back a reorg; it keeps
	// twice the chain's confirmations when that is more.
	KeepMin = 64
	// BackoffMax caps the wait between failed passes in Run.
	BackoffMax = time.Minute
)

// amountMax is the largest amount the ledger holds: 2^127-1 minor units.
var amountMax = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 127), big.NewInt(1))

// Ledger is told of each deposit's transitions, before the watcher stores the new status: a
// crash in between repeats the call, so each method must be idempotent by the deposit's Key.
// An error stops the pass, which is retried; the transition is never skipped.
type Ledger interface {
	// Pending is called when a deposit is first seen in a canonical block, and again when an
	// orphaned deposit reappears.
	Pending(ctx context.Context, d coffer.Deposit) error
	// Confirmed is called once, when the deposit's block is Confirmations deep: credit it.
	Confirmed(ctx context.Context, d coffer.Deposit) error
	// Orphaned is called when the deposit's block was abandoned and the transaction did not
	// reappear within Confirmations blocks past the fork point.
	Orphaned(ctx context.Context, d coffer.Deposit) error
}

// Config configures a Watcher of one chain.
type Config struct {
	Chain chain.Chain
	// Assets are the chain's assets: at most one native, and the tokens whose Transfer logs
	// are deposits. Those of other chains are ignored.
	Assets []chain.Asset
	Client Client
	Store  coffer.ChainWatchStore
	// Addresses returns, of addrs, those that are Coffer's deposit addresses, with their owner.
	Addresses func(ctx context.Context, addrs []common.Address) (map[common.Address]string, error)
	Ledger    Ledger
	// From is the first block scanned when the store has none of this chain.
	From uint64
	// CallTimeout bounds each call to the node; CallTimeoutDefault if zero.
	CallTimeout time.Duration
	// Accepted, if set, is called after each block is accepted: a hook for tests.
	Accepted func(coffer.ChainBlock)
	Logger   *slog.Logger
	// Now is the clock of the deposits' times; time.Now if nil.
	Now func() time.Time
}

// Watcher watches one chain. Pass is not safe for concurrent use: one watcher per chain runs,
// as a duty under a lease.
type Watcher struct {
	cfg     Config
	native  *chain.Asset
	tokens  map[common.Address]chain.Asset
	rng     uint64 // the blocks of the next range, halved on a node's refusal
	checked bool   // the node's chain id was checked
	head    uint64 // the head the last pass read
}

// New returns a watcher of cfg.Chain.
func New(cfg Config) (*Watcher, error) {
	if cfg.Client == nil || cfg.Store == nil || cfg.Addresses == nil || cfg.Ledger == nil {
		return nil, errors.New("watch: Client, Store, Addresses and Ledger are required")
	}
	if cfg.Chain.Confirmations == 0 || cfg.Chain.BlockRangeMax == 0 {
		return nil, fmt.Errorf("watch %s: Confirmations and BlockRangeMax must be set (chain.Config.Validate does)", cfg.Chain.Name)
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = CallTimeoutDefault
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	w := &Watcher{cfg: cfg, tokens: map[common.Address]chain.Asset{}, rng: cfg.Chain.BlockRangeMax}
	for _, a := range cfg.Assets {
		switch {
		case a.Chain != cfg.Chain.Name:
		case a.Native():
			if w.native != nil {
				return nil, fmt.Errorf("watch %s: two native assets, %s and %s", cfg.Chain.Name, w.native.Code, a.Code)
			}
			w.native = &a
		default:
			w.tokens[*a.Contract] = a
		}
	}
	return w, nil
}

// keep returns how many recent blocks the store keeps.
func (w *Watcher) keep() uint64 { return max(2*w.cfg.Chain.Confirmations, KeepMin) }

// DutyName is the name of the duty, and of its lease, that runs the watcher of the chain named
// chain: one process of a fleet watches each chain.
func DutyName(chain string) string { return "watch:" + chain }

// Progress is what Run reports after each pass, as the JSON of the watcher duty's lease.
type Progress struct {
	Chain string `json:"chain"`
	Block uint64 `json:"block"` // the cursor
	// Head is the node's head as the last pass that read one saw it; 0 before.
	Head uint64 `json:"head,omitempty"`
	// At is when the pass ended.
	At time.Time `json:"at"`
	// LastError is the last failed pass's error, the RPC URLs' keys and passwords masked;
	// LastErrorAt is when it happened. Both stay after passes that succeed.
	LastError   string     `json:"last_error,omitempty"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty"`
}

// Head returns the node's head as the last Pass that read one saw it; 0 before.
func (w *Watcher) Head() uint64 { return w.head }

// Run runs passes every Chain.Poll until ctx ends, backing off after a failed one (up to
// BackoffMax), and reports Progress after each. It returns only ctx's error. The fence is not
// checked on each write: the watcher's writes are idempotent, so a stale holder's overlap with
// the next costs repeated idempotent callbacks, never a lost or doubled deposit.
func (w *Watcher) Run(ctx context.Context, fence coffer.Fence, report func(progress any)) error {
	wait := w.cfg.Chain.Poll
	p := Progress{Chain: w.cfg.Chain.Name}
	for {
		err := w.Pass(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			wait = min(max(2*wait, w.cfg.Chain.Poll), BackoffMax)
			w.cfg.Logger.Warn("chain watch pass failed", "chain", w.cfg.Chain.Name, "retry_in", wait,
				"err", chain.RedactRPC(err.Error(), w.cfg.Chain.RPC))
		} else {
			wait = w.cfg.Chain.Poll
		}
		if top, err := w.cfg.Store.ChainTop(ctx, w.cfg.Chain.Name); err == nil {
			p.Block = top.Number
		}
		p.Head, p.At = w.head, w.cfg.Now().UTC()
		if err != nil {
			at := p.At
			p.LastError, p.LastErrorAt = chain.RedactRPC(err.Error(), w.cfg.Chain.RPC), &at
		}
		report(p)
		if err := chain.Wait(ctx, wait); err != nil {
			return err
		}
	}
}

// call runs fn with the call timeout.
func (w *Watcher) call(ctx context.Context, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.CallTimeout)
	defer cancel()
	return fn(ctx)
}
