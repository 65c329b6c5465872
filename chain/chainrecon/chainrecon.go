// Package chainrecon checks the ledger's custody of a chain against the chain itself, at one
// block. It pins a block (the head less the chain's confirmations, named by its hash, so that
// every read sees the same state even as the head moves on), reads each custody address's
// balance of each of the chain's assets at that hash (eth_getBalance, and balanceOf through
// eth_call), and compares them with what the ledger holds for the address. It then compares the
// transfers of the blocks since the chain's last reconciliation by transaction hash: those the
// chain has into or out of a custody address (token Transfer logs, the blocks' transactions and
// the gas their senders paid) against those Coffer booked (the watcher's deposits, the sender's
// mined intents). Every difference becomes a line of the stored result.
package chainrecon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
)

// Defaults and limits of a reconciliation.
const (
	// WindowBlocksDefault is how many blocks' transfers a chain's first reconciliation compares.
	WindowBlocksDefault = 256
	// WindowBlocksMax caps the blocks whose transfers one reconciliation compares: each block is
	// read whole for its native transfers. A longer gap since the last one compares the newest
	// WindowBlocksMax blocks; the balances still cover all that came before.
	WindowBlocksMax = 2048
	// ConcurrencyDefault is how many balance reads are in flight at once.
	ConcurrencyDefault = 8
	// CallTimeoutDefault bounds each call to the node.
	CallTimeoutDefault = 10 * time.Second
	// AddressesMax caps the custody addresses of one reconciliation: each costs a read per
	// asset at the node.
	AddressesMax = 1_000_000
)

// Client is the part of a node's JSON-RPC API a reconciliation reads. *ethclient.Client, chain/node's
// client and the simulated backend's client have it.
type Client interface {
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	BlockByNumber(ctx context.Context, number *big.Int) (*types.Block, error)
	BalanceAtHash(ctx context.Context, account common.Address, blockHash common.Hash) (*big.Int, error)
	CallContractAtHash(ctx context.Context, msg ethereum.CallMsg, blockHash common.Hash) ([]byte, error)
	FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error)
	TransactionReceipt(ctx context.Context, txHash common.Hash) (*types.Receipt, error)
}

// Holding is what the ledger holds at one of Coffer's addresses in one asset, in the asset's
// minor unit. Address is lowercase 0x-prefixed hex.
type Holding struct {
	Address string
	Asset   string
	Amount  *big.Int
}

// Books is the ledger's side: its custody accounts.
type Books interface {
	// Custody returns what the ledger holds at each of the addresses on the chain, in each of
	// the assets. An address and asset the ledger has no custody account for holds zero and
	// may be left out.
	Custody(ctx context.Context, chain string, addresses []string, assets []string) ([]Holding, error)
	// Credited reports which of the chain deposits with the keys the ledger has credited (its
	// transfer posted). The ledger credits a deposit a moment before the watcher records it
	// confirmed, so the watcher's record alone may lag the custody.
	Credited(ctx context.Context, keys []string) (map[string]bool, error)
	// Settled reports, of the send intents with the ids, those whose end the ledger has
	// booked: a payout (its id is its intent's) posted or voided, a custody move (a sweep, a gas
	// top-up) booked, with the gas it recorded. The ledger books an end a moment before the
	// sender records it, so the sender's record alone may lag the custody. An id the ledger
	// has booked nothing of, or a payout still held, is left out.
	Settled(ctx context.Context, ids []string) (map[string]Settlement, error)
}

// Settlement is how the ledger booked an intent's end.
type Settlement struct {
	// Moved is true when the amount left the sender (a payout posted, a custody move booked),
	// false when it did not (a payout voided, the gas alone of a failed move).
	Moved bool
	// Fee is the gas the ledger recorded for its transaction, in the native coin's minor unit;
	// nil when it recorded none.
	Fee *big.Int
}

// Store is what a reconciliation reads and writes.
type Store interface {
	coffer.ChainReconciliationStore
	// Deposits lists the watcher's deposits (coffer.ChainWatchStore).
	Deposits(ctx context.Context, f coffer.DepositFilter) ([]coffer.Deposit, error)
	// DepositAddresses lists the owners' deposit addresses (coffer.DepositAddressStore).
	DepositAddresses(ctx context.Context, f coffer.DepositAddressFilter) ([]coffer.DepositAddress, error)
	// ListSendIntents (coffer.SendIntentLister) and SendAttempts (coffer.SendStore) read the
	// chain's intents in flight and their attempts.
	ListSendIntents(ctx context.Context, q coffer.SendIntentQuery) ([]coffer.SendIntent, error)
	SendAttempts(ctx context.Context, intentID string) ([]coffer.SendAttempt, error)
}

// Config configures the reconciliations of one chain.
type Config struct {
	Chain  chain.Chain
	Assets []chain.Asset // the chain's assets; the others are ignored
	Client Client
	Store  Store
	Books  Books
	// Addresses are Coffer's own addresses on the chain besides the deposit addresses: the hot
	// wallet, the gas and sweep wallets, a cold address. Lowercase or checksummed hex.
	Addresses []string
	// Concurrency is how many balance reads are in flight at once; ConcurrencyDefault if zero.
	Concurrency int
	// CallTimeout bounds each call to the node; CallTimeoutDefault if zero.
	CallTimeout time.Duration
	Logger      *slog.Logger
	// Now is the clock of CreatedAt; time.Now if nil.
	Now func() time.Time
}

// Reconciler reconciles one chain. Its methods may be called from many goroutines: two runs at
// once compare the same things, and each stores its own result.
type Reconciler struct {
	cfg    Config
	assets []chain.Asset
}

// New returns a reconciler of cfg.Chain.
func New(cfg Config) (*Reconciler, error) {
	if cfg.Client == nil || cfg.Store == nil || cfg.Books == nil {
		return nil, errors.New("chainrecon: Client, Store and Books are required")
	}
	if cfg.Chain.Confirmations == 0 {
		return nil, fmt.Errorf("chainrecon %s: the chain's Confirmations must be set (chain.Config.Validate does)", cfg.Chain.Name)
	}
	for _, a := range cfg.Addresses {
		if !common.IsHexAddress(a) {
			return nil, fmt.Errorf("chainrecon %s: %q is not an address", cfg.Chain.Name, a)
		}
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = ConcurrencyDefault
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = CallTimeoutDefault
	}
	if cfg.Chain.BlockRangeMax == 0 {
		cfg.Chain.BlockRangeMax = chain.BlockRangeMaxDefault
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := &Reconciler{cfg: cfg}
	for _, a := range cfg.Assets {
		if a.Chain == cfg.Chain.Name {
			r.assets = append(r.assets, a)
		}
	}
	return r, nil
}

// Chain returns the chain's name.
func (r *Reconciler) Chain() string { return r.cfg.Chain.Name }

// Request asks for one reconciliation.
type Request struct {
	// ID names the result; RunID makes one for the scheduled duty.
	ID        string
	CreatedBy string // the API key's id, "" for the duty
}

// RunID is the id the scheduled duty gives a reconciliation of the chain at a moment: it holds
// "/" (coffer.DerivedSep), which no client id may, so no client takes it.
func RunID(chain string, at time.Time) string {
	return fmt.Sprintf("chain/%s/%d", chain, at.UnixMicro())
}

// redact masks the parts of the node URLs that may hold a key.
func redact(msg string, rpc []string) string { return chain.RedactRPC(msg, rpc) }

// Run pins a block, compares, stores the result under req.ID and returns it. A taken id is
// ECONFLICT (and nothing is read from the chain); a chain shorter than its confirmations is
// EUNAVAILABLE.
func (r *Reconciler) Run(ctx context.Context, req Request) (coffer.ChainReconciliation, error) {
	if _, err := r.cfg.Store.ChainReconciliation(ctx, req.ID); err == nil {
		return coffer.ChainReconciliation{}, coffer.Errorf(coffer.ECONFLICT, "chain reconciliation %q already exists", req.ID)
	} else if coffer.ErrorCode(err) != coffer.ENOTFOUND {
		return coffer.ChainReconciliation{}, err
	}
	pin, err := r.pin(ctx)
	if err != nil {
		return coffer.ChainReconciliation{}, err
	}
	rec := coffer.ChainReconciliation{ID: req.ID, Chain: r.cfg.Chain.Name, BlockNumber: pin.Number.Uint64(),
		BlockHash: strings.ToLower(pin.Hash().Hex()), CreatedBy: req.CreatedBy, Assets: len(r.assets)}
	rec.FromBlock, err = r.window(ctx, rec.BlockNumber)
	if err != nil {
		return coffer.ChainReconciliation{}, err
	}
	addrs, err := r.addresses(ctx)
	if err != nil {
		return coffer.ChainReconciliation{}, err
	}
	rec.Addresses = len(addrs)
	var lines []coffer.ChainReconLine
	balances, err := r.balances(ctx, rec.BlockNumber, pin.Hash(), addrs)
	if err != nil {
		return coffer.ChainReconciliation{}, err
	}
	lines = append(lines, balances...)
	transfers, err := r.transfers(ctx, rec.FromBlock, rec.BlockNumber, addrs)
	if err != nil {
		return coffer.ChainReconciliation{}, err
	}
	lines = append(lines, transfers...)
	rec.Status = coffer.ReconMatched
	if len(lines) > 0 {
		rec.Status = coffer.ReconMismatched
	}
	if len(lines) > coffer.ChainReconLinesMax {
		rec.Omitted = len(lines) - coffer.ChainReconLinesMax
		lines = lines[:coffer.ChainReconLinesMax]
	}
	rec.Lines = lines
	rec.CreatedAt = r.cfg.Now().UTC()
	if err := r.cfg.Store.PutChainReconciliation(ctx, rec); err != nil {
		return coffer.ChainReconciliation{}, err
	}
	return rec, nil
}

// pin returns the header Confirmations blocks below the head: one below the newest block whose
// deposits the watcher credits and whose intents the sender ends, so that a watcher or sender a
// block behind the node does not show as a difference.
func (r *Reconciler) pin(ctx context.Context) (*types.Header, error) {
	var head, pin *types.Header
	err := r.call(ctx, func(ctx context.Context) (err error) {
		head, err = r.cfg.Client.HeaderByNumber(ctx, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	depth := r.cfg.Chain.Confirmations
	if head.Number.Uint64() < depth {
		return nil, coffer.Errorf(coffer.EUNAVAILABLE, "chain %s is at block %d, short of its %d confirmations: nothing is confirmed yet",
			r.cfg.Chain.Name, head.Number.Uint64(), r.cfg.Chain.Confirmations)
	}
	n := new(big.Int).SetUint64(head.Number.Uint64() - depth)
	err = r.call(ctx, func(ctx context.Context) (err error) {
		pin, err = r.cfg.Client.HeaderByNumber(ctx, n)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("header %s: %w", n, err)
	}
	return pin, nil
}

// window returns the first block whose transfers to compare, up to block: the one after the
// chain's last reconciliation's, within WindowBlocksMax.
func (r *Reconciler) window(ctx context.Context, block uint64) (uint64, error) {
	span := uint64(WindowBlocksDefault)
	last, err := r.cfg.Store.LastChainReconciliation(ctx, r.cfg.Chain.Name)
	switch {
	case err == nil && last.BlockNumber < block:
		span = block - last.BlockNumber
	case err == nil:
		// The head has not moved past the last one's block: compare that block's transfers
		// again rather than none.
		span = 1
	case coffer.ErrorCode(err) != coffer.ENOTFOUND:
		return 0, err
	}
	span = min(span, WindowBlocksMax)
	if span > block+1 {
		return 0, nil
	}
	return block + 1 - span, nil
}

// addresses returns every custody address of the chain, lowercase, each once: the configured
// ones, then the deposit addresses.
func (r *Reconciler) addresses(ctx context.Context) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(a string) {
		a = strings.ToLower(a)
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	for _, a := range r.cfg.Addresses {
		add(a)
	}
	var after *coffer.DepositAddressKey
	for {
		page, err := r.cfg.Store.DepositAddresses(ctx, coffer.DepositAddressFilter{Chain: r.cfg.Chain.Name, After: after,
			Limit: coffer.ListRowsMax})
		if err != nil {
			return nil, fmt.Errorf("deposit addresses: %w", err)
		}
		for _, d := range page {
			add(d.Address)
		}
		if len(out) > AddressesMax {
			return nil, fmt.Errorf("chain %s has more than %d custody addresses", r.cfg.Chain.Name, AddressesMax)
		}
		if len(page) < coffer.ListRowsMax {
			return out, nil
		}
		last := page[len(page)-1]
		after = &coffer.DepositAddressKey{Index: last.Index, Chain: last.Chain}
	}
}

// call runs fn with the call timeout.
func (r *Reconciler) call(ctx context.Context, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.CallTimeout)
	defer cancel()
	return fn(ctx)
}
