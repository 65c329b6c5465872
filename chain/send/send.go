// Package send gets the transactions Coffer must send on an EVM chain mined exactly once: the
// sender. One Sender sends from one address of one chain, as a duty under a lease, so that one
// process of a fleet sends from an address at a time.
//
// An intent (coffer.SendIntent) is queued by the caller. A pass of the sender checks that the
// address's balance covers the intent's amount (for the native coin) and the most its gas may
// cost, besides what the transactions sent but not yet mined may spend; if not, the intent
// waits for funds. Otherwise it takes the next nonce, the larger of the store's (the highest
// nonce any attempt of the address holds, plus one) and the node's pending nonce, signs an
// EIP-1559 transaction, commits it (raw bytes and hash, the nonce now the intent's for good)
// and only then broadcasts it. Later passes follow each intent in flight by its attempts'
// hashes: a receipt at the chain's confirmations in the canonical chain ends it, confirmed or
// failed, through the Ledger; a transaction the node has lost is sent again from its stored
// bytes (which repairs a nonce gap); one not mined after BumpBlocks blocks is replaced by
// another attempt with the same nonce and fees raised by BumpPercent, up to FeeCapMax.
//
// Every step is safe to cut short: whatever a crash leaves, the next pass reads what the chain
// knows and carries on. An intent's nonce is never handed to another intent and its stored
// transactions are sent again as they were, never signed anew with another nonce, so two
// transactions of one intent cannot both be mined, and no nonce is left unused behind a later
// one.
package send

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
)

// Defaults and limits of the sender.
const (
	// BumpBlocksDefault is how many blocks an attempt may wait unmined before it is replaced.
	BumpBlocksDefault = 3
	// BumpPercentDefault raises both fees of a replacement: above the 10% geth's pool demands
	// (replacePercent), with room for a node that rounds differently.
	BumpPercentDefault = 15
	// replacePercent is the least raise of both fees a node takes as a replacement.
	replacePercent = 10
	// GasMarginPercentDefault is added to eth_estimateGas's answer: state may change between the
	// estimate and the block.
	GasMarginPercentDefault = 20
	// GasMaxDefault caps a transaction's gas: a plain ERC-20 transfer takes 30 to 65 thousand.
	GasMaxDefault = 300_000
	// gasNative is the gas of a value transfer to an account without code, which needs no
	// estimate's margin.
	gasNative = 21_000
	// gasRevertedDefault is the gas of a token transfer whose estimate reverts: it is sent all
	// the same, so that the chain's answer, not a node's simulation, decides it (and the nonce
	// goes on), and the revert is reported as the intent's failure.
	gasRevertedDefault = 100_000
	// CallTimeoutDefault bounds each call to the node.
	CallTimeoutDefault = 10 * time.Second
	// BackoffMax caps the wait between failed passes in Run.
	BackoffMax = time.Minute
	// InFlightMax is the most intents a pass follows, and so the most it lets be in flight
	// (signed or broadcast, not yet ended) at once: new intents wait while there are as many.
	InFlightMax = coffer.PageSizeMax
)

// Outcome is how a mined intent ended: its mined attempt, and the fee it paid.
type Outcome struct {
	TxHash      string
	BlockNumber uint64
	GasUsed     uint64
	// EffectiveGasPrice is the wei paid per gas; Fee is GasUsed times it, the wei the sender's
	// address paid whether the transaction succeeded or reverted.
	EffectiveGasPrice *big.Int
	Fee               *big.Int
	// Reason says why a failed intent failed: the revert's reason when the node gives it.
	Reason string
	// Reverted is true when the failed transaction reverted (receipt status 0): nothing moved.
	// A failed token transfer that did not revert succeeded without logging the Transfer of the
	// amount from the sender to the recipient (a token that takes a fee, or not an ERC-20 at
	// all): what it moved is for an operator to find out before the ledger releases the hold.
	Reverted bool
}

// Ledger is told of each intent's end, before the sender stores it: a crash in between repeats
// the call, so each method must be idempotent by the intent's ID. An error leaves the intent in
// flight, and the call is made again at the next pass; the end is never skipped.
type Ledger interface {
	// Confirmed is called when the intent's transaction is mined with status 1 (and, for a
	// token, the Transfer log of the amount from the sender to the recipient) and Confirmations
	// deep in the canonical chain.
	Confirmed(ctx context.Context, in coffer.SendIntent, out Outcome) error
	// Failed is called when it is mined but reverted (or moved no tokens), as deep: the nonce is
	// used and the fee paid, the amount not sent. With FeeCapFixed it is also called for a
	// native intent abandoned before it was signed (its recipient needs more than a plain
	// transfer's gas, or refuses ether): out then has only a Reason, no transaction, no fee.
	Failed(ctx context.Context, in coffer.SendIntent, out Outcome) error
}

// Step names a boundary in a pass, for Config.Step.
type Step string

// The steps of a pass at which Config.Step is called.
const (
	StepChecked   Step = "checked"   // funds checked and gas estimated, nothing signed
	StepSigned    Step = "signed"    // an attempt committed in the store, not yet sent
	StepSent      Step = "sent"      // a node took the attempt; the store does not know yet
	StepMarked    Step = "marked"    // the store knows it was broadcast (at the pass's end)
	StepMined     Step = "mined"     // a receipt at depth read; the Ledger not yet told
	StepCalled    Step = "called"    // the Ledger told; the end not yet stored
	StepFinished  Step = "finished"  // the end stored
	StepWaiting   Step = "waiting"   // the intent stored as waiting for funds
	StepReplacing Step = "replacing" // an attempt is due for replacement; nothing signed yet
	StepAbandoned Step = "abandoned" // the intent ended failed, never signed
)

// Config configures a Sender of one address on one chain.
type Config struct {
	Chain chain.Chain
	// Assets are the chain's assets the sender may send: at most one native, and tokens.
	Assets []chain.Asset
	Client Client
	Store  coffer.SendStore
	// Key signs the transactions; its address is the one the sender sends from. It is never
	// logged or shown.
	Key    *ecdsa.PrivateKey
	Ledger Ledger
	// FeeCapMax caps the fee cap (and so the tip) of every attempt, in wei per gas. Required.
	FeeCapMax *big.Int
	// CheckTokens makes a token intent wait for funds, as a native one does, while the
	// address's token balance at the head, less what the token intents in flight may still
	// move, does not cover it. Without it a shortfall is sent and reverts.
	CheckTokens bool
	// FeeCapFixed makes FeeCapMax the fee cap of every attempt, and the tip the node's
	// suggestion capped by it; an attempt is then never replaced, since its fees cannot rise.
	// A sweep's cost is fixed so when it is planned: the gas it may spend is topped up, or
	// left out of the amount, exactly. A native intent whose recipient needs more than a plain
	// transfer's 21000 gas, or refuses ether, is therefore abandoned (Ledger.Failed, then
	// SendStore.AbandonSendIntent) rather than left waiting for ever.
	FeeCapFixed bool
	// GasToken, if not zero, is the gas limit of every token transfer instead of the estimate
	// and its margin, so that the most it may cost is known before it is sent.
	GasToken uint64
	// BumpBlocks, BumpPercent, GasMarginPercent and GasMax: their Default constants if zero.
	BumpBlocks       uint64
	BumpPercent      int64
	GasMarginPercent int64
	GasMax           uint64
	// CallTimeout bounds each call to the node; CallTimeoutDefault if zero.
	CallTimeout time.Duration
	// Step, if set, is called at each step of a pass with the intent concerned: a hook for tests,
	// which stop the sender there to play a crash.
	Step   func(Step, coffer.SendIntent)
	Logger *slog.Logger
	// Now is the clock of the intents' times; time.Now if nil.
	Now func() time.Time
}

// Sender sends from one address on one chain. Pass is not safe for concurrent use: one sender
// per address and chain runs, as a duty under a lease (DutyName).
type Sender struct {
	cfg     Config
	from    common.Address
	fromHex string
	chainID *big.Int
	assets  map[string]chain.Asset
	checked bool
	wake    chan struct{}
	last    Progress
}

// New returns a sender of cfg.Chain from the address of cfg.Key.
func New(cfg Config) (*Sender, error) {
	if cfg.Client == nil || cfg.Store == nil || cfg.Key == nil || cfg.Ledger == nil {
		return nil, errors.New("send: Client, Store, Key and Ledger are required")
	}
	if cfg.FeeCapMax == nil || cfg.FeeCapMax.Sign() <= 0 {
		return nil, fmt.Errorf("send %s: FeeCapMax must be set", cfg.Chain.Name)
	}
	if cfg.Chain.Confirmations == 0 || cfg.Chain.ID == 0 {
		return nil, fmt.Errorf("send %s: the chain's ID and Confirmations must be set (chain.Config.Validate does)", cfg.Chain.Name)
	}
	if cfg.BumpBlocks == 0 {
		cfg.BumpBlocks = BumpBlocksDefault
	}
	if cfg.BumpPercent == 0 {
		cfg.BumpPercent = BumpPercentDefault
	}
	if cfg.BumpPercent < replacePercent {
		return nil, fmt.Errorf("send %s: BumpPercent %d is below the %d%% a node takes as a replacement", cfg.Chain.Name, cfg.BumpPercent, replacePercent)
	}
	if cfg.GasMarginPercent == 0 {
		cfg.GasMarginPercent = GasMarginPercentDefault
	}
	if cfg.GasMax == 0 {
		cfg.GasMax = GasMaxDefault
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
	from := crypto.PubkeyToAddress(cfg.Key.PublicKey)
	s := &Sender{
		cfg:     cfg,
		from:    from,
		fromHex: hexAddress(from),
		chainID: new(big.Int).SetUint64(cfg.Chain.ID),
		assets:  map[string]chain.Asset{},
		wake:    make(chan struct{}, 1),
	}
	native := false
	for _, a := range cfg.Assets {
		if a.Chain != cfg.Chain.Name {
			continue
		}
		if a.Native() {
			if native {
				return nil, fmt.Errorf("send %s: two native assets", cfg.Chain.Name)
			}
			native = true
		}
		s.assets[a.Code] = a
	}
	return s, nil
}

// hexAddress is an address as the store keeps it: lowercase 0x-prefixed hex.
func hexAddress(a common.Address) string { return strings.ToLower(a.Hex()) }

// From returns the address the sender sends from.
func (s *Sender) From() common.Address { return s.from }

// DutyName is the name of the duty, and of its lease, that runs the sender of the address from
// on the chain named chain.
func DutyName(chain string, from common.Address) string {
	return "send:" + chain + ":" + hexAddress(from)
}

// Payout is what a caller asks the sender to send.
type Payout struct {
	ID     string // the intent's id, unique: the caller's idempotency key
	To     common.Address
	Asset  string // one of Config.Assets
	Amount *big.Int
}

// Queue stores p as a queued intent and wakes Run. An unknown asset, the zero address or an
// amount that is not positive is EINVALID; a taken id is ECONFLICT.
func (s *Sender) Queue(ctx context.Context, p Payout) (coffer.SendIntent, error) {
	a, ok := s.assets[p.Asset]
	if !ok {
		return coffer.SendIntent{}, coffer.Errorf(coffer.EINVALID, "asset %q is not sent on chain %s", p.Asset, s.cfg.Chain.Name)
	}
	if p.To == (common.Address{}) {
		return coffer.SendIntent{}, coffer.Errorf(coffer.EINVALID, "payout %s: the zero address cannot be paid", p.ID)
	}
	if p.Amount == nil || p.Amount.Sign() <= 0 {
		return coffer.SendIntent{}, coffer.Errorf(coffer.EINVALID, "payout %s: the amount must be positive", p.ID)
	}
	if p.Amount.BitLen() > 256 {
		return coffer.SendIntent{}, coffer.Errorf(coffer.EINVALID, "payout %s: the amount exceeds 2^256-1", p.ID)
	}
	in := coffer.SendIntent{
		ID: p.ID, Chain: s.cfg.Chain.Name, From: s.fromHex, To: hexAddress(p.To), Asset: a.Code,
		Amount: new(big.Int).Set(p.Amount), State: coffer.SendQueued, CreatedAt: s.cfg.Now().UTC(),
	}
	if !a.Native() {
		in.Contract = hexAddress(*a.Contract)
	}
	if err := s.cfg.Store.CreateSendIntent(ctx, in); err != nil {
		return coffer.SendIntent{}, err
	}
	s.Wake()
	return in, nil
}

// Wake makes Run start its next pass now.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Progress is what Run reports after each pass, as the JSON of the sender duty's lease.
type Progress struct {
	Chain string `json:"chain"`
	From  string `json:"from"`
	Head  uint64 `json:"head"` // the head the pass read
	// InFlight counts the intents signed or broadcast and not yet ended; Queued those waiting
	// for their turn, WaitingFunds those the balance does not cover (whose ids are Waiting, the
	// first few), AtFeeCap the intents in flight whose fees reached FeeCapMax.
	InFlight     int       `json:"in_flight"`
	Queued       int       `json:"queued"`
	WaitingFunds int       `json:"waiting_funds"`
	Waiting      []string  `json:"waiting,omitempty"`
	AtFeeCap     int       `json:"at_fee_cap"`
	At           time.Time `json:"at"`
	// LastError is the last failed pass's error, the RPC URLs' keys and passwords masked;
	// LastErrorAt is when it happened. Both stay after passes that succeed.
	LastError   string     `json:"last_error,omitempty"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty"`
}

// waitingShown is how many waiting intents' ids Progress names.
const waitingShown = 10

// Run runs passes every Chain.Poll, and at once after Wake, until ctx ends, backing off after a
// failed pass (up to BackoffMax), and reports Progress after each. It returns only ctx's error.
// Its writes that could send or end an intent carry fence, so a stale holder of the lease that
// wakes after losing it cannot sign another transaction or end an intent.
func (s *Sender) Run(ctx context.Context, fence coffer.Fence, report func(progress any)) error {
	poll := s.cfg.Chain.Poll
	if poll <= 0 {
		poll = time.Second
	}
	wait := poll
	for {
		p, err := s.Pass(ctx, fence)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			wait = min(max(2*wait, poll), BackoffMax)
			msg := chain.RedactRPC(err.Error(), s.cfg.Chain.RPC)
			s.cfg.Logger.Warn("chain send pass failed", "chain", s.cfg.Chain.Name, "from", s.fromHex, "retry_in", wait, "err", msg)
			at := s.cfg.Now().UTC()
			p.LastError, p.LastErrorAt = msg, &at
		} else {
			wait = poll
		}
		if p.LastError == "" {
			p.LastError, p.LastErrorAt = s.last.LastError, s.last.LastErrorAt
		}
		s.last = p
		report(p)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-s.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// call runs fn with the call timeout.
func (s *Sender) call(ctx context.Context, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
	defer cancel()
	return fn(ctx)
}

// step calls the Step hook.
func (s *Sender) step(st Step, in coffer.SendIntent) {
	if s.cfg.Step != nil {
		s.cfg.Step(st, in)
	}
}
