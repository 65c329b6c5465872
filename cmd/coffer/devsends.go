package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/cofferhq/coffer"
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
// the new chain's payouts wait behind nonces the new chain never saw. Each unfinished payout
// first fails in the ledger (its hold voided, payout.failed with devChainGone, its one end),
// then the store ends the intents and deletes the chain's attempts and nonces in one
// transaction. A crash in between leaves the intents unfinished, and the next start fails them
// again: a payout that already ended in the ledger is left as it ended, and an intent that is
// no payout (a sweep's) holds nothing in the ledger.
func forgetDevSends(ctx context.Context, store devSendStore, l *ledger.Ledger, logger *slog.Logger) error {
	var unfinished []coffer.SendIntent
	for _, st := range []coffer.SendState{coffer.SendQueued, coffer.SendWaitingFunds, coffer.SendSigned, coffer.SendBroadcast} {
		var before *coffer.SendIntentCursor
		for {
			page, err := store.ListSendIntents(ctx, coffer.SendIntentQuery{Chain: devChainName, State: st, Before: before,
				Limit: coffer.ListRowsMax})
			if err != nil {
				return fmt.Errorf("dev chain: the unfinished sends: %w", err)
			}
			unfinished = append(unfinished, page...)
			if len(page) < coffer.ListRowsMax {
				break
			}
			last := page[len(page)-1]
			before = &coffer.SendIntentCursor{CreatedAt: last.CreatedAt, ID: last.ID}
		}
	}
	failed := 0
	for _, in := range unfinished {
		_, err := l.Do(ctx, ledger.FailPayout{ID: in.ID, Reason: devChainGone})
		switch coffer.ErrorCode(err) {
		case "":
			failed++
		case coffer.ENOTFOUND, coffer.ECONFLICT:
		default:
			return fmt.Errorf("dev chain: fail payout %s: %w", in.ID, err)
		}
	}
	ended, err := store.ForgetSends(ctx, devChainName, devChainGone)
	if err != nil {
		return fmt.Errorf("dev chain: %w", err)
	}
	if ended > 0 {
		logger.Warn("dev chain: the sends unfinished on the earlier dev chain ended failed", "intents", ended, "payouts_voided", failed)
	}
	return nil
}
