package ledger

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cofferhq/coffer"
)

// Violation kinds of the audit trail.
const (
	VEvent    = "event_chain"      // an event does not follow the one before, or its hash does not match its content
	VHead     = "chain_head"       // the chain does not end where event_seq or an exported head says
	VRecorded = "entry_unrecorded" // an account's entries differ from those its transfers' events record
)

// chainCheck follows the event chain in seq order (see coffer.ChainEvent). It reports the first
// event of each break and goes on from that event's stored hash, so one edited event is reported
// once, not once for every event after it.
type chainCheck struct {
	add      func(Violation)
	prev     coffer.ChainHead // the last event seen
	stored   coffer.ChainHead // event_seq's head
	exported *coffer.ChainHead
	matched  bool // the exported head's event was found with its hash
	// recorded holds, per account, the entries the transfers' events record (see recordEntries).
	recorded map[string]*entryDigest
}

// entryDigest is an account's entries as an order-independent digest of (seq, transfer, side,
// phase, amount) and their count: the seq makes a reordering show.
type entryDigest struct {
	n uint64
	d digest
}

func (c *chainCheck) event(e coffer.Event) {
	switch {
	case e.Seq != c.prev.Seq+1:
		c.add(Violation{Kind: VEvent, Seq: e.Seq, Message: fmt.Sprintf(
			"event %d: does not follow event %d (%d events between are missing)", e.Seq, c.prev.Seq, e.Seq-c.prev.Seq-1)})
	case e.ID != coffer.EventID(e.Seq) || coffer.ChainEvent(c.prev.Hash, &e) != e.Hash:
		c.add(Violation{Kind: VEvent, Seq: e.Seq, Message: fmt.Sprintf(
			"event %d: its hash does not match its content chained to event %d", e.Seq, c.prev.Seq)})
	}
	if x := c.exported; x != nil && e.Seq == x.Seq {
		if e.Hash == x.Hash {
			c.matched = true
		} else {
			c.add(Violation{Kind: VHead, Seq: e.Seq, Message: fmt.Sprintf(
				"event %d: its hash %s is not the exported head's %s: the events up to it were rewritten",
				e.Seq, e.Hash, x.Hash)})
		}
	}
	c.prev = coffer.ChainHead{Seq: e.Seq, Hash: e.Hash}
	c.recordEntries(e)
}

// end checks where the chain ends: at event_seq's head, and at or past an exported head.
func (c *chainCheck) end() {
	if c.prev != c.stored {
		c.add(Violation{Kind: VHead, Seq: c.prev.Seq, Message: fmt.Sprintf(
			"the chain ends at event %d (hash %s) but event_seq holds event %d (hash %s)",
			c.prev.Seq, c.prev.Hash, c.stored.Seq, c.stored.Hash)})
	}
	if x := c.exported; x != nil && !c.matched && c.prev.Seq < x.Seq {
		c.add(Violation{Kind: VHead, Seq: c.prev.Seq, Message: fmt.Sprintf(
			"the chain ends at event %d, before the exported head's event %d", c.prev.Seq, x.Seq)})
	}
}

// recordEntries adds the entries a transfer event records (transferMoves) to its accounts'
// digests. An account's events are in seq order, as its entries are, so the k-th entry an
// account's events record is its entry seq k.
func (c *chainCheck) recordEntries(e coffer.Event) {
	t, moves, err := transferMoves(e)
	if err != nil {
		c.add(Violation{Kind: VEvent, Seq: e.Seq, TransferID: e.Subject, Message: err.Error()})
		return
	}
	for _, m := range moves {
		r := c.recorded[m.account]
		if r == nil {
			r = &entryDigest{}
			c.recorded[m.account] = r
		}
		r.n++
		r.d.addEntry(r.n, t.ID, t.Type, m.side, m.phase, m.amount)
	}
}

// move is one entry a transfer event records.
type move struct {
	account string
	side    coffer.Side
	phase   coffer.Phase
	amount  coffer.Amount
}

// transferMoves returns the entries a transfer event records, in the order the ledger writes
// them (posting.go): creating a transfer moves the debit side then the credit side, posted or
// pending; posting a pending one releases then posts on the debit account, then on the credit
// account; voiding or expiring releases on each. Other events record none.
func transferMoves(e coffer.Event) (coffer.Transfer, []move, error) {
	var t coffer.Transfer
	switch e.Type {
	case coffer.EventTransferCreated, coffer.EventTransferPosted, coffer.EventTransferVoided, coffer.EventTransferExpired:
		if err := json.Unmarshal(e.Data, &t); err != nil {
			return t, nil, fmt.Errorf("event %d: its data is not a transfer: %v", e.Seq, err)
		}
	default:
		return t, nil, nil
	}
	dr, cr := t.DebitAccountID, t.CreditAccountID
	switch e.Type {
	case coffer.EventTransferCreated:
		phase := coffer.PhasePosted
		if t.Pending {
			phase = coffer.PhasePending
		}
		return t, []move{{dr, coffer.Debit, phase, t.Amount}, {cr, coffer.Credit, phase, t.Amount}}, nil
	case coffer.EventTransferPosted:
		return t, []move{{dr, coffer.Debit, coffer.PhaseReleased, t.Amount}, {dr, coffer.Debit, coffer.PhasePosted, t.PostedAmount},
			{cr, coffer.Credit, coffer.PhaseReleased, t.Amount}, {cr, coffer.Credit, coffer.PhasePosted, t.PostedAmount}}, nil
	}
	return t, []move{{dr, coffer.Debit, coffer.PhaseReleased, t.Amount}, {cr, coffer.Credit, coffer.PhaseReleased, t.Amount}}, nil
}

// recordedAccountsMax caps how many accounts nameEntries looks into: it keeps their entries in
// memory, twice.
const recordedAccountsMax = 20

// nameEntries is Verify's second pass over the accounts whose entries differ from what the
// events record: it keeps both lists of each and reports the first entry where they part.
func nameEntries(ctx context.Context, s coffer.Store, accounts []string, add func(Violation)) error {
	type item struct {
		transfer string
		typ      coffer.TransferType
		side     coffer.Side
		phase    coffer.Phase
		amount   coffer.Amount
	}
	got, want := map[string][]item{}, map[string][]item{}
	for _, a := range accounts {
		got[a], want[a] = []item{}, []item{}
	}
	err := s.Scan(ctx, coffer.Scanner{
		Entry: func(e coffer.Entry) error {
			if l, ok := got[e.AccountID]; ok {
				for uint64(len(l))+1 < e.Seq { // a gap: hold the place of the missing entry
					l = append(l, item{})
				}
				got[e.AccountID] = append(l, item{e.TransferID, e.Type, e.Side, e.Phase, e.Amount})
			}
			return nil
		},
		Event: func(e coffer.Event) error {
			t, moves, err := transferMoves(e)
			if err != nil {
				return nil // reported by the first pass
			}
			for _, m := range moves {
				if l, ok := want[m.account]; ok {
					want[m.account] = append(l, item{t.ID, t.Type, m.side, m.phase, m.amount})
				}
			}
			return nil
		},
	})
	if err != nil {
		return fmt.Errorf("scan entries and events: %w", err)
	}
	for _, a := range accounts {
		g, w := got[a], want[a]
		for i := 0; i < max(len(g), len(w)); i++ {
			var msg string
			missing := i >= len(g) || g[i] == item{}
			switch {
			case missing && i < len(w):
				msg = fmt.Sprintf("entry %d: missing; the events record %s %s %s of transfer %s",
					i+1, w[i].side, w[i].phase, w[i].amount, w[i].transfer)
			case missing:
				msg = fmt.Sprintf("entry %d: missing", i+1)
			case i >= len(w):
				msg = fmt.Sprintf("entry %d: no event records it (%s %s %s of transfer %s)",
					i+1, g[i].side, g[i].phase, g[i].amount, g[i].transfer)
			case g[i] != w[i]:
				msg = fmt.Sprintf("entry %d: says %s %s %s of %s %s; the events record %s %s %s of %s %s", i+1,
					g[i].side, g[i].phase, g[i].amount, g[i].typ, g[i].transfer,
					w[i].side, w[i].phase, w[i].amount, w[i].typ, w[i].transfer)
			default:
				continue
			}
			add(Violation{Kind: VRecorded, AccountID: a, Message: msg})
			break
		}
	}
	return nil
}

// addEntry adds one entry of an account to d.
func (d *digest) addEntry(seq uint64, transferID string, typ coffer.TransferType, side coffer.Side,
	phase coffer.Phase, amount coffer.Amount) {
	d.add(fmt.Sprintf("%d\x00%s\x00%s", seq, typ, transferID), side, phase, amount)
}
