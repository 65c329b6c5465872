package payout

import (
	"context"
	"fmt"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/ledger"
)

// StateRequested is the state of a payout held in the ledger whose send intent is not queued
// yet: for the moment between the two writes, or after a crash until the queue duty runs.
const StateRequested = "requested"

// View is a payout as people see it: its hold and network fee in the ledger, its send intent,
// and how deep its mined transaction is.
type View struct {
	Transfer   coffer.Transfer
	NetworkFee *coffer.Transfer   // nil without one
	Intent     *coffer.SendIntent // nil while StateRequested
	// State is the intent's, or StateRequested.
	State string
	// Confirmations counts the mined transaction's block and those on top of it, as far as the
	// chain's watcher has read, and at least ConfirmationsRequired (the chain's) once the
	// payout ended, since the sender ends it only that deep; 0 before.
	Confirmations         uint64
	ConfirmationsRequired uint64
	// FeeAsset is the chain's native asset, in which Intent.Fee is.
	FeeAsset string
}

// Lister is the listing the views need: coffer.SendIntentLister, and the watcher's cursor.
type Lister interface {
	coffer.SendIntentLister
	ChainTop(ctx context.Context, chain string) (coffer.ChainBlock, error)
}

// Get returns the payout id, or ENOTFOUND.
func (s *Service) Get(ctx context.Context, l Lister, id string) (View, error) {
	t, err := s.cfg.Store.Transfer(ctx, id)
	if err != nil {
		return View{}, err
	}
	if (t.Type != coffer.TypeWithdrawal && t.Type != coffer.TypePayment) || t.Metadata["chain"] == "" {
		return View{}, coffer.Errorf(coffer.ENOTFOUND, "payout %q does not exist", id)
	}
	var in *coffer.SendIntent
	switch got, err := s.cfg.Store.SendIntent(ctx, id); {
	case err == nil:
		in = &got
	case coffer.ErrorCode(err) != coffer.ENOTFOUND:
		return View{}, err
	}
	return s.view(ctx, l, t, in)
}

// List returns a page of the payouts q selects, newest first, as the intents are listed; a
// payout held and not yet queued is not among them.
func (s *Service) List(ctx context.Context, l Lister, q coffer.SendIntentQuery) ([]View, error) {
	ins, err := l.ListSendIntents(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]View, 0, len(ins))
	for i := range ins {
		t, err := s.cfg.Store.Transfer(ctx, ins[i].ID)
		if err != nil {
			return nil, fmt.Errorf("payout %s: %w", ins[i].ID, err)
		}
		v, err := s.view(ctx, l, t, &ins[i])
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// FeeAsset returns the native asset of the configured chain, in which its gas is paid; "" for a
// chain without one, or one not configured.
func (s *Service) FeeAsset(chainName string) string {
	for _, a := range s.cfg.Chains.AssetsOn(chainName) {
		if a.Native() {
			return a.Code
		}
	}
	return ""
}

func (s *Service) view(ctx context.Context, l Lister, t coffer.Transfer, in *coffer.SendIntent) (View, error) {
	v := View{Transfer: t, Intent: in, State: StateRequested}
	if f, err := s.cfg.Store.Transfer(ctx, ledger.PayoutFeeID(t.ID)); err == nil {
		v.NetworkFee = &f
	} else if coffer.ErrorCode(err) != coffer.ENOTFOUND {
		return View{}, err
	}
	name := t.Metadata["chain"]
	if c, ok := s.cfg.Chains.Chain(name); ok {
		v.ConfirmationsRequired = c.Confirmations
	}
	v.FeeAsset = s.FeeAsset(name)
	if in == nil {
		return v, nil
	}
	v.State = string(in.State)
	if !in.State.Final() {
		// The ledger hears of the end before the sender stores it: for that moment the hold
		// says how it ended.
		switch t.State {
		case coffer.StatePosted:
			v.State = string(coffer.SendConfirmed)
		case coffer.StateVoided:
			v.State = string(coffer.SendFailed)
		}
	}
	if in.BlockNumber > 0 {
		top, err := l.ChainTop(ctx, name)
		switch {
		case err == nil && top.Number >= in.BlockNumber:
			v.Confirmations = top.Number - in.BlockNumber + 1
		case err != nil && coffer.ErrorCode(err) != coffer.ENOTFOUND:
			return View{}, err
		}
		// The sender ended it at the required depth by the node's head, which the watcher's
		// cursor may trail by a block or so.
		v.Confirmations = max(v.Confirmations, v.ConfirmationsRequired)
	}
	return v, nil
}
