package payout

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/ledger"
)

// The queue duty's names and limits.
const (
	// QueueDutyName is the duty, and its lease, that queues the intents of held payouts.
	QueueDutyName = "payout:queue"
	// QueueCursor is the cursor (coffer.CursorStore) of the payout.requested events the queue
	// duty has handled: it is listed with the relay's sinks.
	QueueCursor = "payout-queue"
	// queueEventsMax is how many events a queue pass reads at a time.
	queueEventsMax = 500
	// QueuePollDefault is how often the queue duty looks for new events.
	QueuePollDefault = time.Second
)

// QueueProgress is what the queue duty reports after each pass.
type QueueProgress struct {
	Cursor uint64    `json:"cursor"` // the last event handled
	Queued int       `json:"queued"` // intents this pass found missing and queued
	At     time.Time `json:"at"`
	// LastError is the last failed pass's error.
	LastError string `json:"last_error,omitempty"`
}

// QueuePass reads the events after the queue cursor and queues the send intent of every
// payout.requested among them that has none, then moves the cursor, with fence, past them. It
// returns the progress; an intent queued twice is stored once.
func (s *Service) QueuePass(ctx context.Context, fence coffer.Fence) (QueueProgress, error) {
	c, err := s.cfg.Store.Cursor(ctx, QueueCursor)
	if err != nil {
		return QueueProgress{}, err
	}
	p := QueueProgress{Cursor: c.Seq}
	for {
		es, err := s.cfg.Store.Events(ctx, p.Cursor, queueEventsMax)
		if err != nil {
			return p, err
		}
		if len(es) == 0 {
			return p, nil
		}
		for _, e := range es {
			if e.Type != coffer.EventPayoutRequested {
				continue
			}
			var n coffer.PayoutNotice
			if err := json.Unmarshal(e.Data, &n); err != nil {
				return p, fmt.Errorf("event %d: %w", e.Seq, err)
			}
			if _, err := s.cfg.Store.SendIntent(ctx, n.TransferID); err == nil {
				continue
			} else if coffer.ErrorCode(err) != coffer.ENOTFOUND {
				return p, err
			}
			t, err := s.cfg.Store.Transfer(ctx, n.TransferID)
			if err != nil {
				return p, fmt.Errorf("payout %s: %w", n.TransferID, err)
			}
			if t.State != coffer.StatePending {
				continue // ended without an intent: cancelled before it was queued
			}
			if err := s.queue(ctx, ledger.RequestPayout{ID: t.ID, Asset: t.Asset, Amount: t.Amount, Chain: n.Chain,
				From: n.From, To: n.To}); err != nil {
				return p, fmt.Errorf("payout %s: %w", n.TransferID, err)
			}
			p.Queued++
		}
		last := es[len(es)-1].Seq
		if err := s.cfg.Store.AdvanceCursor(ctx, QueueCursor, last, fence); err != nil {
			return p, err
		}
		p.Cursor = last
	}
}

// RunQueue runs QueuePass every poll until ctx ends, reporting its progress: the queue duty.
func (s *Service) RunQueue(ctx context.Context, fence coffer.Fence, poll time.Duration, report func(any)) error {
	if poll <= 0 {
		poll = QueuePollDefault
	}
	for {
		p, err := s.QueuePass(ctx, fence)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			s.cfg.Logger.Warn("payout queue pass failed", "err", err)
			p.LastError = err.Error()
		}
		p.At = time.Now().UTC()
		report(p)
		if err := chain.Wait(ctx, poll); err != nil {
			return err
		}
	}
}
