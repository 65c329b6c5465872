// Package sweep moves what the owners deposit from their deposit addresses to the hot wallet
// (or a cold address) once an address holds more of an asset than its threshold: the sweeps.
//
// A sweep is a send intent (coffer.SendIntent) from the deposit address, sent by chain/send's
// Sender with the address's own key (hdkey.DepositPath of its index), so it is as crash-safe as
// a payout: signed and stored before it is broadcast, followed by its hash, never signed anew
// with another nonce. Each deposit address is a sender of its own and the sweeps' gas wallet
// (hdkey.GasWalletPath) another, all run by the chain's sweep duty (DutyName), apart from the
// payouts' sender of the hot wallet: a stuck sweep never holds back a payout.
//
// A token sweep needs ether for its gas at the deposit address. The gas wallet first sends
// what the transfer may cost at most (GasToken at the fixed fee cap FeeCap, less what the
// ledger says the address holds already); the token transfer is queued only when that top-up
// is confirmed, at the chain's confirmations. A native sweep sends the address's holding less
// 21000 gas at FeeCap, with the fee cap fixed in the transaction, so that the transaction can
// never cost more: what the chain charges below the cap (the base fee and tip under it) stays
// at the address, as custody, and is swept with a later deposit.
//
// The ledger books each mined transaction through ledger.MoveCustody: the amount from the
// custody account of the sending address to that of the recipient, and the gas from the gas
// account to the sender's custody of ether. The owners' wallets never change. Each sweep and
// top-up ends with one event written with its booking: sweep.confirmed, or sweep.failed with
// the reason (reverted: only the gas booked; abandoned unsent: nothing booked). A native sweep
// to a destination that runs code or refuses ether is abandoned by its sender (a fixed cost
// leaves room for a plain transfer's gas only), its holding left at the address.
//
// Sweeps are planned from the ledger's custody holdings (what the watcher confirmed) and
// identified by the address, the asset and the custody account's sequence when planned, so a
// plan repeated after a crash finds what it queued. An address has at most one sweep in
// flight: the next is planned when it ended. A sweep that failed (a token that blacklisted the
// address, say, or a destination that refuses ether) is not planned again until the address's
// holding changes: it is logged for an operator, and listed (GET /v1/sweeps) as failed.
package sweep

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/send"
	"github.com/cofferhq/coffer/ledger"
)

// Defaults and limits of the sweeps.
const (
	// GasTokenDefault is the gas limit of a token sweep, and so of its top-up: an ERC-20
	// transfer to an address that holds none of the token takes up to 65 thousand.
	GasTokenDefault = 100_000
	// gasNative is a value transfer's gas.
	gasNative = 21_000
	// Prefix starts the id of every sweep's and top-up's send intent, and so of the ledger's
	// custody moves. Its '/' (coffer.DerivedSep) is reserved: no client's payout or transfer id
	// holds one, so none can take a sweep's id or show in the sweeps' listing.
	Prefix = "sweep" + coffer.DerivedSep
)

// Store is what the sweeps read and write: the send intents (the sweeps and top-ups are
// intents), the deposit addresses and the ledger's custody accounts (listed by asset, to find
// the holdings due).
type Store interface {
	coffer.SendStore
	coffer.SendIntentLister
	LookupDepositAddresses(ctx context.Context, chain string, addresses []string) ([]coffer.DepositAddress, error)
	Account(ctx context.Context, id string) (coffer.Account, error)
	Accounts(ctx context.Context, f coffer.AccountFilter) ([]coffer.Account, error)
}

// Ledger is what the sweeps need of the ledger: ledger.Ledger.
type Ledger interface {
	Do(ctx context.Context, c ledger.Command) (*ledger.Result, error)
}

// Keys gives the private key of a derivation path: *hdkey.Seed.
type Keys interface {
	PrivateKey(path accounts.DerivationPath) (*ecdsa.PrivateKey, error)
}

// Config configures the sweeps of one chain.
type Config struct {
	Chain  chain.Chain
	Assets []chain.Asset // the chain's assets; others are ignored
	Client send.Client
	Store  Store
	Ledger Ledger
	// Keys gives each deposit address's key; DepositPath(i) is that of deposit address i.
	Keys Keys
	// DepositPath returns the derivation path of deposit address i: hdkey.DepositPath.
	DepositPath func(i uint32) accounts.DerivationPath
	// GasKey is the gas wallet's key, which sends the top-ups.
	GasKey *ecdsa.PrivateKey
	// To receives the sweeps: the hot wallet or a cold address.
	To common.Address
	// Thresholds are, by asset code, the holding of an address above which (or at which) it is
	// swept, in the asset's minor unit. An asset without one is not swept.
	Thresholds map[string]*big.Int
	// FeeCap is the fee cap of every sweep and top-up, in wei per gas: fixed, so that what
	// a sweep costs is known when it is planned. Sweeps wait while the base fee is above it.
	FeeCap *big.Int
	// GasToken is a token sweep's gas limit; GasTokenDefault if zero.
	GasToken uint64
	// Step, if set, is passed to every sender: a hook for tests.
	Step   func(send.Step, coffer.SendIntent)
	Logger *slog.Logger
	// Now is the senders' clock; time.Now if nil.
	Now func() time.Time
}

// Sweeper plans and sends the sweeps of one chain. Pass is not safe for concurrent use: one
// sweeper per chain runs, as a duty under a lease.
type Sweeper struct {
	cfg     Config
	native  *chain.Asset
	assets  []chain.Asset // those with a threshold, in code order
	gas     *send.Sender
	gasHex  string
	senders map[string]*send.Sender // by deposit address, lowercase
	failed  map[string]bool         // sweeps whose failure was logged
}

// DutyName is the name of the duty, and of its lease, that runs the sweeps of the chain.
func DutyName(chain string) string { return "sweep:" + chain }

// New returns the sweeper of cfg.Chain.
func New(cfg Config) (*Sweeper, error) {
	if cfg.Client == nil || cfg.Store == nil || cfg.Ledger == nil || cfg.Keys == nil || cfg.GasKey == nil || cfg.DepositPath == nil {
		return nil, errors.New("sweep: Client, Store, Ledger, Keys, DepositPath and GasKey are required")
	}
	if cfg.FeeCap == nil || cfg.FeeCap.Sign() <= 0 {
		return nil, fmt.Errorf("sweep %s: FeeCap must be set", cfg.Chain.Name)
	}
	if cfg.To == (common.Address{}) {
		return nil, fmt.Errorf("sweep %s: the address to sweep to must be set", cfg.Chain.Name)
	}
	if cfg.GasToken == 0 {
		cfg.GasToken = GasTokenDefault
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Sweeper{cfg: cfg, senders: map[string]*send.Sender{}, failed: map[string]bool{}}
	for _, a := range cfg.Assets {
		if a.Chain != cfg.Chain.Name {
			continue
		}
		if a.Native() {
			s.native = &a
		}
		if t, ok := cfg.Thresholds[a.Code]; ok {
			if t == nil || t.Sign() <= 0 {
				return nil, fmt.Errorf("sweep %s: the threshold of %s must be positive", cfg.Chain.Name, a.Code)
			}
			s.assets = append(s.assets, a)
		}
	}
	for code := range cfg.Thresholds {
		if !slices.ContainsFunc(s.assets, func(a chain.Asset) bool { return a.Code == code }) {
			return nil, fmt.Errorf("sweep %s: asset %s with a threshold is not one of the chain's", cfg.Chain.Name, code)
		}
	}
	if s.native == nil {
		return nil, fmt.Errorf("sweep %s: the chain has no native asset to pay the gas in", cfg.Chain.Name)
	}
	slices.SortFunc(s.assets, func(a, b chain.Asset) int { return strings.Compare(a.Code, b.Code) })
	gas, err := s.sender(cfg.GasKey, false)
	if err != nil {
		return nil, err
	}
	s.gas, s.gasHex = gas, hexAddress(gas.From())
	if strings.EqualFold(s.gasHex, cfg.To.Hex()) {
		return nil, fmt.Errorf("sweep %s: the gas wallet cannot be the address swept to", cfg.Chain.Name)
	}
	return s, nil
}

// GasWallet returns the gas wallet's address.
func (s *Sweeper) GasWallet() common.Address { return s.gas.From() }

// sender returns a sender from key with the sweeps' fixed fees: the gas wallet's (fixed false:
// a top-up is replaced with higher fees, up to FeeCap, when it is not mined) or a deposit
// address's (fixed true).
func (s *Sweeper) sender(key *ecdsa.PrivateKey, fixed bool) (*send.Sender, error) {
	return send.New(send.Config{Chain: s.cfg.Chain, Assets: s.cfg.Assets, Client: s.cfg.Client, Store: s.cfg.Store,
		Key: key, Ledger: s, FeeCapMax: s.cfg.FeeCap, FeeCapFixed: fixed, GasToken: s.cfg.GasToken, CheckTokens: true,
		Step: s.cfg.Step, Logger: s.cfg.Logger, Now: s.cfg.Now})
}

func hexAddress(a common.Address) string { return strings.ToLower(a.Hex()) }

// Progress is what Run reports after each pass, as the JSON of the sweep duty's lease.
type Progress struct {
	Chain     string    `json:"chain"`
	GasWallet string    `json:"gas_wallet"`
	InFlight  int       `json:"in_flight"` // sweeps and top-ups queued or sent, not yet ended
	Planned   int       `json:"planned"`   // sweeps and top-ups the pass queued
	At        time.Time `json:"at"`
	LastError string    `json:"last_error,omitempty"`
}

// Run runs passes every Chain.Poll until ctx ends, and reports Progress after each. It
// returns only ctx's error.
func (s *Sweeper) Run(ctx context.Context, fence coffer.Fence, report func(progress any)) error {
	poll := s.cfg.Chain.Poll
	if poll <= 0 {
		poll = time.Second
	}
	for {
		p, err := s.Pass(ctx, fence)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			p.LastError = chain.RedactRPC(err.Error(), s.cfg.Chain.RPC)
			s.cfg.Logger.Warn("sweep pass failed", "chain", s.cfg.Chain.Name, "err", p.LastError)
		}
		report(p)
		if err := chain.Wait(ctx, poll); err != nil {
			return err
		}
	}
}

// Pass plans the sweeps due and queues them, then runs a pass of every sender with a sweep or
// top-up in flight. An error with one address does not stop the others; Pass returns them
// all, joined.
func (s *Sweeper) Pass(ctx context.Context, fence coffer.Fence) (Progress, error) {
	p := Progress{Chain: s.cfg.Chain.Name, GasWallet: s.gasHex, At: s.cfg.Now().UTC()}
	busy, err := s.inFlight(ctx)
	if err != nil {
		return p, err
	}
	var errs []error
	planned, err := s.plan(ctx, busy)
	p.Planned = planned
	if err != nil {
		errs = append(errs, err)
	}
	if planned > 0 { // read again only when the plan queued something
		if busy, err = s.inFlight(ctx); err != nil {
			return p, errors.Join(append(errs, err)...)
		}
	}
	if _, err := s.gas.Pass(ctx, fence); err != nil {
		errs = append(errs, fmt.Errorf("gas wallet: %w", err))
	}
	for addr, n := range busy.from {
		p.InFlight += n
		if addr == s.gasHex {
			continue
		}
		snd, err := s.depositSender(ctx, addr)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, err := snd.Pass(ctx, fence); err != nil {
			errs = append(errs, fmt.Errorf("deposit address %s: %w", addr, err))
		}
	}
	return p, errors.Join(errs...)
}

// flight is what the sweeps have in flight (queued or sent, not ended): the number of intents
// by sending address, and the deposit addresses a top-up is on its way to.
type flight struct {
	from   map[string]int
	topped map[string]bool
}

// busy reports whether the deposit address addr has a sweep or top-up in flight.
func (f flight) busy(addr string) bool { return f.from[addr] > 0 || f.topped[addr] }

// inFlight reads what the sweeps have in flight.
func (s *Sweeper) inFlight(ctx context.Context) (flight, error) {
	f := flight{from: map[string]int{}, topped: map[string]bool{}}
	ins, err := coffer.ListSendIntentsIn(ctx, s.cfg.Store, coffer.SendIntentQuery{Chain: s.cfg.Chain.Name, IDPrefix: Prefix},
		coffer.SendQueued, coffer.SendWaitingFunds, coffer.SendSigned, coffer.SendBroadcast)
	if err != nil {
		return f, fmt.Errorf("sweeps in flight: %w", err)
	}
	for _, in := range ins {
		f.from[in.From]++
		if in.From == s.gasHex {
			f.topped[in.To] = true
		}
	}
	return f, nil
}

// depositSender returns the sender of the deposit address addr (lowercase), made with the
// address's key on first use.
func (s *Sweeper) depositSender(ctx context.Context, addr string) (*send.Sender, error) {
	if snd, ok := s.senders[addr]; ok {
		return snd, nil
	}
	found, err := s.cfg.Store.LookupDepositAddresses(ctx, s.cfg.Chain.Name, []string{addr})
	if err != nil {
		return nil, fmt.Errorf("deposit address %s: %w", addr, err)
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("address %s has a sweep in flight and is no deposit address on chain %s", addr, s.cfg.Chain.Name)
	}
	key, err := s.cfg.Keys.PrivateKey(s.cfg.DepositPath(found[0].Index))
	if err != nil {
		return nil, fmt.Errorf("deposit address %s: key: %w", addr, err)
	}
	if got := hexAddress(crypto.PubkeyToAddress(key.PublicKey)); got != addr {
		return nil, fmt.Errorf("deposit address %s: index %d derives %s: the seed is not the addresses'", addr, found[0].Index, got)
	}
	snd, err := s.sender(key, true)
	if err != nil {
		return nil, err
	}
	s.senders[addr] = snd
	return snd, nil
}
