// Package payout carries withdrawals and payments out on a chain: the ledger's side of the
// sender. A request holds the amount on the owner's wallet (ledger.RequestPayout, the request's
// answer) and queues a send intent with the same id, so that a retried request never makes two;
// the sender of the chain's hot wallet (chain/send) gets it mined once, and its end comes back
// here as ledger.ConfirmPayout (the hold posted, the gas recorded, payout.confirmed) or
// ledger.FailPayout (the hold voided, payout.failed). An operator may cancel a payout the
// sender has not signed, which voids its hold.
//
// The hold and the intent are two writes. The intent is queued at once after the hold
// commits, and again by the queue duty (Service.RunQueue), which reads the payout.requested
// events after its cursor: a crash between the two leaves a hold whose intent the duty
// queues, and the intent's id, the transfer's, makes the second queueing change nothing.
package payout

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/send"
	"github.com/cofferhq/coffer/ledger"
)

// Reasons of a failed payout that Coffer gives rather than the chain.
const (
	ReasonCancelled = "cancelled by an operator before it was sent"
)

// Ledger is what the service needs of the ledger: ledger.Ledger.
type Ledger interface {
	Do(ctx context.Context, c ledger.Command) (*ledger.Result, error)
}

// Store is what the service reads and writes: the send intents, the deposit addresses (which a
// payout may not go to), the events and a cursor for the queue duty, and transfers.
type Store interface {
	coffer.SendStore
	LookupDepositAddresses(ctx context.Context, chain string, addresses []string) ([]coffer.DepositAddress, error)
	Events(ctx context.Context, after uint64, limit int) ([]coffer.Event, error)
	Cursor(ctx context.Context, sink string) (coffer.SinkCursor, error)
	AdvanceCursor(ctx context.Context, sink string, seq uint64, f coffer.Fence) error
	Transfer(ctx context.Context, id string) (coffer.Transfer, error)
}

// Config configures a Service.
type Config struct {
	// Chains are the configured chains and assets, validated.
	Chains chain.Config
	// Hot is each chain's hot wallet, by chain name: the address its payouts are sent from. A
	// chain without one takes no payouts.
	Hot    map[string]common.Address
	Ledger Ledger
	Store  Store
	// NetworkFee is what a payout of an asset charges the owner on top of its amount, in the
	// asset's minor unit, by asset code: the "network fee" of a withdrawal, held with it and
	// posted to the asset's fees account when it is confirmed. None when absent.
	NetworkFee map[string]coffer.Amount
	// Wake, if set, is called with a chain's name when an intent was queued on it: serve wakes
	// the chain's sender.
	Wake   func(chain string)
	Logger *slog.Logger
}

// Service requests, cancels and ends payouts. Its methods are safe for concurrent use.
type Service struct {
	cfg Config
}

// New returns a service of cfg.
func New(cfg Config) (*Service, error) {
	if cfg.Ledger == nil || cfg.Store == nil {
		return nil, fmt.Errorf("payout: Ledger and Store are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{cfg: cfg}, nil
}

// Request is a payout asked of Coffer: Amount of Asset from Owner's wallet to the address To
// on Chain.
type Request struct {
	// ID is the hold's transfer id and the send intent's: the caller's idempotency key.
	ID      string
	Kind    string // ledger.PayoutWithdrawal or ledger.PayoutPayment
	Owner   string
	Chain   string
	Asset   string
	Amount  coffer.Amount
	To      string // 0x and 40 hex digits; a mixed-case one must have a right EIP-55 checksum
	OrderID string // a payment's order
	// Metadata is kept on the hold.
	Metadata map[string]string
}

// Hot returns the hot wallet of a chain, if it sends payouts.
func (s *Service) Hot(chainName string) (common.Address, bool) {
	a, ok := s.cfg.Hot[chainName]
	return a, ok
}

// Request holds the payout on the owner's wallet and queues its send intent. The answer is the
// hold's: its transfers (the payout's, and its network fee's when there is one) as the ledger
// recorded them; a repeat of the same request answers the same and queues nothing more. Bad
// input is EINVALID naming the field and holds nothing; funds the wallet lacks are
// EINSUFFICIENTFUNDS. Its outcome comes later as a payout.confirmed or payout.failed event.
func (s *Service) Request(ctx context.Context, r Request) (*ledger.Result, error) {
	cmd, err := s.command(ctx, r)
	if err != nil {
		return nil, err
	}
	res, err := s.cfg.Ledger.Do(ctx, cmd)
	if err != nil {
		return nil, err
	}
	if err := s.queue(ctx, cmd); err != nil {
		// The hold stands; the queue duty will queue the intent from the event.
		s.cfg.Logger.Warn("payout: queue the send intent", "payout", r.ID, "err", err)
	}
	return res, nil
}

// command checks r and returns its ledger command.
func (s *Service) command(ctx context.Context, r Request) (ledger.RequestPayout, error) {
	c, ok := s.cfg.Chains.Chain(r.Chain)
	if !ok {
		return ledger.RequestPayout{}, coffer.Invalid("chain", "chain %q is not configured", r.Chain)
	}
	hot, ok := s.cfg.Hot[c.Name]
	if !ok {
		return ledger.RequestPayout{}, coffer.Invalid("chain", "chain %s sends no payouts: it has no hot wallet", c.Name)
	}
	a, ok := s.cfg.Chains.Asset(r.Asset)
	if !ok || a.Chain != c.Name {
		return ledger.RequestPayout{}, coffer.Invalid("asset", "asset %q is not one of chain %s's assets", r.Asset, c.Name)
	}
	to, err := chain.ParseAddress(r.To)
	if err != nil {
		return ledger.RequestPayout{}, coffer.Invalid("to", "%v", err)
	}
	if err := s.checkDestination(ctx, c.Name, to, hot); err != nil {
		return ledger.RequestPayout{}, err
	}
	if r.Amount.Sign() <= 0 {
		return ledger.RequestPayout{}, coffer.Invalid("amount", "amount must be greater than zero")
	}
	return ledger.RequestPayout{ID: r.ID, Kind: r.Kind, Owner: r.Owner, Asset: a.Code, Amount: r.Amount,
		NetworkFee: s.cfg.NetworkFee[a.Code], Chain: c.Name, From: hot.Hex(), To: to.Hex(), OrderID: r.OrderID,
		Metadata: r.Metadata}, nil
}

// checkDestination refuses the zero address, the hot wallet and Coffer's own deposit
// addresses: money sent there would not leave Coffer, and a deposit address would credit it
// to its owner a second time.
func (s *Service) checkDestination(ctx context.Context, chainName string, to, hot common.Address) error {
	switch to {
	case common.Address{}:
		return coffer.Invalid("to", "the zero address cannot be paid: what is sent there is lost")
	case hot:
		return coffer.Invalid("to", "address %s is Coffer's hot wallet on chain %s: a payout to it would pay Coffer itself", to.Hex(), chainName)
	}
	found, err := s.cfg.Store.LookupDepositAddresses(ctx, chainName, []string{to.Hex()})
	if err != nil {
		return fmt.Errorf("payout: look up deposit addresses: %w", err)
	}
	if len(found) > 0 {
		return coffer.Invalid("to", "address %s is one of Coffer's own deposit addresses on chain %s: pay its owner with a transfer in the ledger instead", to.Hex(), chainName)
	}
	return nil
}

// queue stores the send intent of a payout the ledger holds; one already there is left as it
// is.
func (s *Service) queue(ctx context.Context, c ledger.RequestPayout) error {
	a, ok := s.cfg.Chains.Asset(c.Asset)
	if !ok || a.Chain != c.Chain {
		return fmt.Errorf("payout %s: asset %s is not on chain %s", c.ID, c.Asset, c.Chain)
	}
	in := coffer.SendIntent{ID: c.ID, Chain: c.Chain, From: strings.ToLower(c.From), To: strings.ToLower(c.To),
		Asset: c.Asset, Amount: c.Amount.Big(), State: coffer.SendQueued}
	if !a.Native() {
		in.Contract = strings.ToLower(a.Contract.Hex())
	}
	err := s.cfg.Store.CreateSendIntent(ctx, in)
	switch {
	case coffer.ErrorCode(err) == coffer.ECONFLICT:
		return nil
	case err != nil:
		return err
	}
	if s.cfg.Wake != nil {
		s.cfg.Wake(c.Chain)
	}
	return nil
}

// Cancel cancels the payout id while its send intent is queued or waiting for funds, and voids
// its hold (payout.failed, ReasonCancelled). A payout already signed is ECONFLICT: it may be
// on its way. Cancelling a cancelled payout again answers the same, so that a cancel cut short
// between the intent and the ledger is finished by repeating it.
func (s *Service) Cancel(ctx context.Context, id string) (*ledger.Result, error) {
	in, err := s.cfg.Store.SendIntent(ctx, id)
	if coffer.ErrorCode(err) == coffer.ENOTFOUND {
		// The hold may be there with its intent not yet queued: queue it, so that the cancel
		// and the sender take turns on the intent as always.
		if err := s.requeue(ctx, id); err != nil {
			return nil, err
		}
		in, err = s.cfg.Store.SendIntent(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	if in.State != coffer.SendCancelled {
		if in, err = s.cfg.Store.CancelSendIntent(ctx, id); err != nil {
			return nil, err
		}
	}
	return s.cfg.Ledger.Do(ctx, ledger.FailPayout{ID: in.ID, Reason: ReasonCancelled})
}

// requeue queues the intent of the payout id from its hold, or answers ENOTFOUND.
func (s *Service) requeue(ctx context.Context, id string) error {
	t, err := s.cfg.Store.Transfer(ctx, id)
	if err != nil {
		return err
	}
	if (t.Type != coffer.TypeWithdrawal && t.Type != coffer.TypePayment) || t.Metadata["chain"] == "" {
		return coffer.Errorf(coffer.ENOTFOUND, "payout %q does not exist", id)
	}
	return s.queue(ctx, ledger.RequestPayout{ID: t.ID, Asset: t.Asset, Amount: t.Amount, Chain: t.Metadata["chain"],
		From: t.Metadata["from"], To: t.Metadata["to"]})
}

// Confirmed posts the payout of a confirmed intent and records its gas: the sender's
// send.Ledger. A repeat is answered from the first.
func (s *Service) Confirmed(ctx context.Context, in coffer.SendIntent, out send.Outcome) error {
	gas, err := s.gas(in, out)
	if err != nil {
		return err
	}
	_, err = s.cfg.Ledger.Do(ctx, ledger.ConfirmPayout{ID: in.ID, Gas: gas})
	return s.settled(err)
}

// Failed voids the payout of a failed intent and records its gas: the sender's send.Ledger.
func (s *Service) Failed(ctx context.Context, in coffer.SendIntent, out send.Outcome) error {
	gas, err := s.gas(in, out)
	if err != nil {
		return err
	}
	reason := out.Reason
	if reason == "" {
		reason = "the transaction failed on the chain"
	}
	_, err = s.cfg.Ledger.Do(ctx, ledger.FailPayout{ID: in.ID, Reason: reason, Gas: gas})
	return s.settled(err)
}

// settled passes a settling command's error on, except the refusal of one whose payout had
// already ended by the other command: nothing would ever change it, and the sender must move
// on. It is logged for an operator.
func (s *Service) settled(err error) error {
	if coffer.ErrorCode(err) == coffer.ECONFLICT {
		s.cfg.Logger.Error("payout: the chain's end of a payout that already ended in the ledger", "err", err)
		return nil
	}
	return err
}

// gas is the gas of a mined intent, in the chain's native asset.
func (s *Service) gas(in coffer.SendIntent, out send.Outcome) (ledger.PayoutGas, error) {
	g := ledger.PayoutGas{From: in.From, TxHash: out.TxHash, BlockNumber: out.BlockNumber, GasUsed: out.GasUsed}
	if out.Fee == nil || out.Fee.Sign() == 0 {
		return g, nil
	}
	for _, a := range s.cfg.Chains.AssetsOn(in.Chain) {
		if a.Native() {
			g.NativeAsset = a.Code
		}
	}
	if g.NativeAsset == "" {
		return g, fmt.Errorf("payout %s: chain %s has no native asset to record its gas in", in.ID, in.Chain)
	}
	fee, ok := coffer.AmountFromBig(out.Fee)
	if !ok {
		return g, fmt.Errorf("payout %s: fee %s wei is past 2^127-1", in.ID, out.Fee)
	}
	g.Fee = fee
	return g, nil
}
