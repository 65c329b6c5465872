package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/sweep"
	"github.com/cofferhq/coffer/ledger"
)

// devChainGone is the reason of a payout that was unfinished on an earlier dev chain.
const devChainGone = "the dev chain it was sent on is gone: coffer serve starts a new dev chain at every start"

// devSendStore is what forgetting the dev chain's sends needs of a store; both stores have it.
type devSendStore interface {
	coffer.SendIntentLister
	coffer.SendForgetter
}

// forgetDevSends forgets what was being sent on the dev chain before this start: that chain
// no longer exists, so its unfinished intents will never be mined, and its nonces would make
// the new chain's payouts wait behind nonces the new chain never saw. Each unfinished intent
// first ends in the ledger: a payout fails (its hold voided, payout.failed with devChainGone),
// a sweep or gas top-up (by its id, sweep.Prefix) fails with nothing booked but its
// sweep.failed event; then the store ends the intents and deletes the chain's attempts and
// nonces in one transaction. A crash in between leaves the intents unfinished, and the next
// start ends them again as the same operations; one the ledger had already ended is left as it
// ended.
func forgetDevSends(ctx context.Context, store devSendStore, l *ledger.Ledger, logger *slog.Logger) error {
	unfinished, err := coffer.ListSendIntentsIn(ctx, store, coffer.SendIntentQuery{Chain: devChainName},
		coffer.SendQueued, coffer.SendWaitingFunds, coffer.SendSigned, coffer.SendBroadcast)
	if err != nil {
		return fmt.Errorf("dev chain: the unfinished sends: %w", err)
	}
	for _, in := range unfinished {
		var err error
		if strings.HasPrefix(in.ID, sweep.Prefix) {
			kind, _ := sweep.Kind(in.ID)
			amount, ok := coffer.AmountFromBig(in.Amount)
			if !ok {
				return fmt.Errorf("dev chain: sweep %s: amount %s is past 2^127-1", in.ID, in.Amount)
			}
			_, err = l.Do(ctx, ledger.MoveCustody{ID: in.ID, Kind: kind, Chain: in.Chain, From: in.From, To: in.To,
				Asset: in.Asset, Amount: amount, Failed: true, Reason: devChainGone})
		} else {
			_, err = l.Do(ctx, ledger.FailPayout{ID: in.ID, Reason: devChainGone})
		}
		switch coffer.ErrorCode(err) {
		case "", coffer.ECONFLICT:
		default:
			return fmt.Errorf("dev chain: end %s: %w", in.ID, err)
		}
	}
	ended, err := store.ForgetSends(ctx, devChainName, devChainGone)
	if err != nil {
		return fmt.Errorf("dev chain: %w", err)
	}
	if ended > 0 {
		logger.Warn("dev chain: the sends unfinished on the earlier dev chain ended failed", "intents", ended)
	}
	return nil
}

// forgetDevSends runs forgetDevSends when the dev chain is one of the chains, before any
// sender starts.
func (c *chains) forgetDevSends(ctx context.Context, store coffer.Store, l *ledger.Ledger, logger *slog.Logger) error {
	if c.dev == nil {
		return nil
	}
	ds, ok := store.(devSendStore)
	if !ok {
		return fmt.Errorf("the %T store cannot forget the dev chain's sends", store)
	}
	return forgetDevSends(ctx, ds, l, logger)
}
