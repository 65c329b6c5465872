// Package hotwallet reads a chain's hot wallet's balances (the native coin and each token) at
// the chain's head, on a schedule, for the metrics and the low-balance alert: the wallet every
// payout leaves from must hold what the payouts ask, and an operator refills it before they
// wait. It reads the chain only; the ledger's side of the hot wallet is the chain
// reconciliation's.
package hotwallet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/testtoken"
)

// Defaults of a Watcher.
const (
	// IntervalDefault is how often the balances are read when the chain has no Poll: a refill
	// is needed in minutes, not seconds.
	IntervalDefault = 15 * time.Second
	// CallTimeoutDefault bounds each call to the node.
	CallTimeoutDefault = 10 * time.Second
)

// erc20 packs balanceOf(owner) and unpacks its answer; only its ABI is used.
var erc20 = testtoken.NewCofferTestToken()

// Client is the part of a node's JSON-RPC API the watcher reads. chain/node's client, the dev
// chain's and the simulated backend's have it.
type Client interface {
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	BalanceAt(ctx context.Context, account common.Address, number *big.Int) (*big.Int, error)
	CallContract(ctx context.Context, msg ethereum.CallMsg, number *big.Int) ([]byte, error)
}

// Config configures the watcher of one chain's hot wallet.
type Config struct {
	Chain  chain.Chain
	Assets []chain.Asset // the chain's assets; the others are ignored
	Client Client
	// Address is the hot wallet's.
	Address common.Address
	// Low is the balance under which an asset's is low, in its minor unit, by asset code; an
	// asset without one is never low.
	Low map[string]*big.Int
	// Interval is how often the balances are read: the chain's Poll when zero, or
	// IntervalDefault without one.
	Interval time.Duration
	// CallTimeout bounds each call to the node; CallTimeoutDefault if zero.
	CallTimeout time.Duration
	Logger      *slog.Logger
	// Now is the clock of Progress.At; time.Now if nil.
	Now func() time.Time
}

// DutyName is the name of the duty, and of its lease, that watches the chain's hot wallet.
func DutyName(chain string) string { return "hot-wallet:" + chain }

// Balance is the hot wallet's holding of one asset, in its minor unit.
type Balance struct {
	Asset    string   `json:"asset"`
	Decimals uint8    `json:"decimals"`
	Amount   *big.Int `json:"amount"`
	// Low is the configured low balance, nil without one; IsLow reports Amount below it.
	Low   *big.Int `json:"low,omitempty"`
	IsLow bool     `json:"is_low"`
}

// Progress is what Run reports after each read, as the JSON of the duty's lease.
type Progress struct {
	Chain    string    `json:"chain"`
	Address  string    `json:"address"`
	Block    uint64    `json:"block"`
	Balances []Balance `json:"balances"`
	At       time.Time `json:"at"`
	// LastError is the last failed read's error, the RPC URLs' keys masked; it stays after
	// reads that succeed, with LastErrorAt.
	LastError   string     `json:"last_error,omitempty"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty"`
}

// Watcher reads one chain's hot wallet's balances.
type Watcher struct {
	cfg    Config
	assets []chain.Asset
}

// New returns a watcher of cfg. A low balance of an asset that is not the chain's is an error.
func New(cfg Config) (*Watcher, error) {
	if cfg.Client == nil {
		return nil, errors.New("hotwallet: Client is required")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = cfg.Chain.Poll
	}
	if cfg.Interval <= 0 {
		cfg.Interval = IntervalDefault
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
	w := &Watcher{cfg: cfg}
	for _, a := range cfg.Assets {
		if a.Chain == cfg.Chain.Name {
			w.assets = append(w.assets, a)
		}
	}
	for code := range cfg.Low {
		if _, ok := w.asset(code); !ok {
			return nil, fmt.Errorf("hotwallet %s: %s is not an asset of the chain", cfg.Chain.Name, code)
		}
	}
	return w, nil
}

func (w *Watcher) asset(code string) (chain.Asset, bool) {
	for _, a := range w.assets {
		if a.Code == code {
			return a, true
		}
	}
	return chain.Asset{}, false
}

// Read reads every asset's balance at the chain's head, all at the one block.
func (w *Watcher) Read(ctx context.Context) (Progress, error) {
	p := Progress{Chain: w.cfg.Chain.Name, Address: w.cfg.Address.Hex()}
	var head *types.Header
	if err := w.call(ctx, func(ctx context.Context) (err error) {
		head, err = w.cfg.Client.HeaderByNumber(ctx, nil)
		return err
	}); err != nil {
		return p, fmt.Errorf("head: %w", err)
	}
	p.Block = head.Number.Uint64()
	for _, a := range w.assets {
		amount, err := w.balance(ctx, a, head.Number)
		if err != nil {
			return p, fmt.Errorf("%s balance: %w", a.Code, err)
		}
		b := Balance{Asset: a.Code, Decimals: a.Decimals, Amount: amount}
		if low := w.cfg.Low[a.Code]; low != nil {
			b.Low, b.IsLow = new(big.Int).Set(low), amount.Cmp(low) < 0
		}
		p.Balances = append(p.Balances, b)
	}
	p.At = w.cfg.Now().UTC()
	return p, nil
}

func (w *Watcher) balance(ctx context.Context, a chain.Asset, block *big.Int) (*big.Int, error) {
	var out *big.Int
	err := w.call(ctx, func(ctx context.Context) error {
		if a.Native() {
			b, err := w.cfg.Client.BalanceAt(ctx, w.cfg.Address, block)
			out = b
			return err
		}
		data, err := w.cfg.Client.CallContract(ctx, ethereum.CallMsg{To: a.Contract, Data: erc20.PackBalanceOf(w.cfg.Address)}, block)
		if err != nil {
			return err
		}
		out, err = erc20.UnpackBalanceOf(data)
		return err
	})
	return out, err
}

// Run reads the balances at once and then every interval until ctx ends, reports Progress
// after each read, logs a warning when an asset's balance falls below its low balance, and
// returns only ctx's error. A failed read is logged and tried again at the next tick. It is a
// duty's Run: the fence is not needed, since nothing is written.
func (w *Watcher) Run(ctx context.Context, _ coffer.Fence, report func(any)) error {
	t := time.NewTicker(w.cfg.Interval)
	defer t.Stop()
	var last Progress
	low := map[string]bool{}
	for {
		p, err := w.Read(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			msg := chain.RedactRPC(err.Error(), w.cfg.Chain.RPC)
			w.cfg.Logger.Warn("hot wallet balance", "chain", w.cfg.Chain.Name, "err", msg)
			at := w.cfg.Now().UTC()
			last.Chain, last.Address, last.LastError, last.LastErrorAt = p.Chain, p.Address, msg, &at
		} else {
			p.LastError, p.LastErrorAt = last.LastError, last.LastErrorAt
			last = p
			for _, b := range p.Balances {
				if b.IsLow && !low[b.Asset] {
					w.cfg.Logger.Warn("hot wallet balance low", "chain", p.Chain, "address", p.Address, "asset", b.Asset,
						"balance", decimal(b.Amount, b.Decimals), "low", decimal(b.Low, b.Decimals))
				}
				low[b.Asset] = b.IsLow
			}
		}
		report(last)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// call runs fn with the call timeout.
func (w *Watcher) call(ctx context.Context, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.CallTimeout)
	defer cancel()
	return fn(ctx)
}

// decimal writes a minor-unit amount in the asset's unit, for the log.
func decimal(v *big.Int, decimals uint8) string {
	a, ok := coffer.AmountFromBig(v)
	if !ok {
		return v.String() + " (minor units)"
	}
	return a.Format(int(decimals))
}
