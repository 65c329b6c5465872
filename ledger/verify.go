package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/big"
	"slices"

	"github.com/cofferhq/coffer"
)

// Violation is one broken invariant found by Verify.
type Violation struct {
	Kind       string `json:"kind"`
	AccountID  string `json:"account_id,omitempty"`
	TransferID string `json:"transfer_id,omitempty"`
	Seq        uint64 `json:"seq,omitempty"` // the event's, for the audit trail's kinds
	Message    string `json:"message"`
}

// Report is what Verify found.
type Report struct {
	Accounts  int `json:"accounts"`
	Transfers int `json:"transfers"`
	Entries   int `json:"entries"`
	Events    int `json:"events"`
	// Head is the chain head the events end at (hex hash): what an operator exports and checks
	// a later Verify against (VerifyOptions.Head).
	HeadSeq    uint64      `json:"head_seq"`
	HeadHash   string      `json:"head_hash"`
	Violations []Violation `json:"violations"`
}

// OK reports whether no invariant was broken.
func (r *Report) OK() bool { return len(r.Violations) == 0 }

// violationsMax caps the report: a ledger broken everywhere needs the first ones, not a million.
const violationsMax = 1000

// Violation kinds.
const (
	VBalance  = "balance_mismatch"   // an account's totals differ from the replay of its entries
	VSequence = "sequence_gap"       // an account's entry sequence is not 1, 2, 3, ...
	VChain    = "chain_break"        // an entry's before differs from the previous entry's after
	VEntry    = "entry_inconsistent" // an entry's after differs from its before and amount
	VSum      = "asset_not_zero"     // an asset's balances do not sum to zero
	VFloor    = "below_floor"        // an account shows available below its floor
	VTransfer = "transfer_inconsistent"
)

type replayed struct {
	debitsPending, debitsPosted, creditsPending, creditsPosted coffer.Amount
	seq                                                        uint64
	balance, available                                         coffer.Amount
	entries                                                    entryDigest
}

// transferTally counts, per transfer and side, the pending amounts released and the amounts
// posted, to name the transfers whose entries do not match their state.
type transferTally struct {
	pendings, releases, posts int
	posted                    coffer.Amount
}

// Verify checks the whole ledger as of one moment (one read transaction): every account's totals
// equal the replay of its entries, entry sequences are gapless, each entry's before is the
// previous entry's after, each asset's balances sum to zero, no account is below its floor, and
// every transfer's entries are exactly those its state calls for (a pending transfer resolved at
// most once, posted for the amount it says). It also follows the events' hash chain, naming the
// first event of each break, checks that it ends at the head event_seq keeps, and checks every
// account's entries against those its transfers' events record (verifychain.go).
//
// Its memory grows with the accounts, not with the transfers: the entries the transfers call for
// and the entries there are are compared as two multisets through an order-independent digest.
// Only when the digests differ does a second pass keep a tally per transfer, to name the
// transfers that are wrong.
func Verify(ctx context.Context, s coffer.Store) (*Report, error) {
	return VerifyWith(ctx, s, VerifyOptions{})
}

// VerifyOptions are the options of VerifyWith.
type VerifyOptions struct {
	// Head, if set, is a chain head exported earlier: the event of its seq must still have its
	// hash, so no event up to it was changed since, even if every hash after was recomputed.
	Head *coffer.ChainHead
}

// VerifyWith is Verify, and it checks the chain against an exported head.
func VerifyWith(ctx context.Context, s coffer.Store, o VerifyOptions) (*Report, error) {
	r := &Report{Violations: []Violation{}}
	add := func(v Violation) {
		if len(r.Violations) < violationsMax {
			r.Violations = append(r.Violations, v)
		}
	}
	accounts := map[string]*coffer.Account{}
	sums := map[string]*total{}
	var want, got digest // the entries the transfers call for, the entries there are
	var p replayed
	var current string // the account whose entries are being replayed
	var replays []accountReplay
	chain := &chainCheck{add: add, exported: o.Head, recorded: map[string]*entryDigest{}}
	finish := func() {
		if current != "" {
			replays = append(replays, accountReplay{id: current, r: p})
		}
	}
	err := s.Scan(ctx, coffer.Scanner{
		Account: func(a coffer.Account) error {
			r.Accounts++
			accounts[a.ID] = &a
			if !a.OverdraftUnlimited && a.Available().Cmp(a.OverdraftLimit.Neg()) < 0 {
				add(Violation{Kind: VFloor, AccountID: a.ID, Message: fmt.Sprintf(
					"available %s is below the floor -%s", a.Available(), a.OverdraftLimit)})
			}
			sum := sums[a.Asset]
			if sum == nil {
				sum = &total{}
				sums[a.Asset] = sum
			}
			sum.add(a.Balance())
			return nil
		},
		Transfer: func(t coffer.Transfer) error {
			r.Transfers++
			for _, e := range expectedEntries(t) {
				want.add(t.ID, e.side, e.phase, e.amount)
			}
			return nil
		},
		Entry: func(e coffer.Entry) error {
			r.Entries++
			if e.AccountID != current {
				finish()
				current, p = e.AccountID, replayed{}
			}
			got.add(e.TransferID, e.Side, e.Phase, e.Amount)
			replayEntry(&p, e, add)
			p.entries.n++
			p.entries.d.addEntry(e.Seq, e.TransferID, e.Type, e.Side, e.Phase, e.Amount)
			return nil
		},
		Head: func(h coffer.ChainHead) error {
			chain.stored = h
			return nil
		},
		Event: func(e coffer.Event) error {
			r.Events++
			chain.event(e)
			return nil
		},
	})
	if err != nil {
		return nil, fmt.Errorf("scan the ledger: %w", err)
	}
	finish()
	chain.end()
	r.HeadSeq, r.HeadHash = chain.prev.Seq, chain.prev.Hash.String()

	var unrecorded []string // accounts whose entries differ from what the events record
	for _, rp := range replays {
		if rec := chain.recorded[rp.id]; rec == nil && rp.r.entries.n > 0 || rec != nil && *rec != rp.r.entries {
			unrecorded = append(unrecorded, rp.id)
		}
		delete(chain.recorded, rp.id)
	}
	for id := range chain.recorded { // accounts the events record entries of, without entries
		unrecorded = append(unrecorded, id)
	}
	slices.Sort(unrecorded)
	if len(unrecorded) > 0 {
		if err := nameEntries(ctx, s, unrecorded[:min(len(unrecorded), recordedAccountsMax)], add); err != nil {
			return nil, err
		}
		if len(unrecorded) > recordedAccountsMax {
			add(Violation{Kind: VRecorded, Message: fmt.Sprintf("and %d more accounts whose entries differ from the events",
				len(unrecorded)-recordedAccountsMax)})
		}
	}

	for _, rp := range replays {
		a := accounts[rp.id]
		if a == nil {
			add(Violation{Kind: VBalance, AccountID: rp.id, Message: fmt.Sprintf(
				"entries up to seq %d belong to an account that does not exist", rp.r.seq)})
			continue
		}
		compareTotals(a, &rp.r, add)
		delete(accounts, rp.id)
	}
	for _, a := range accounts { // accounts without entries
		compareTotals(a, &replayed{}, add)
	}
	for asset, sum := range sums {
		if !sum.isZero() {
			add(Violation{Kind: VSum, Message: fmt.Sprintf("the balances of %s sum to %s, not zero", asset, sum)})
		}
	}
	if want != got {
		before := len(r.Violations)
		if err := nameTransfers(ctx, s, add); err != nil {
			return nil, err
		}
		if len(r.Violations) == before {
			add(Violation{Kind: VTransfer, Message: "the entries differ from what the transfers' states call for, " +
				"but a second look found no transfer wrong: the ledger changed in between, or an entry names no transfer"})
		}
	}
	return r, nil
}

// total is a sum of amounts that cannot overflow. Each account's balance is within ±(2^127-1),
// but an asset's balances may add up past that before the negative ones bring the sum back to
// zero: a wallet of 2^127-1 and another of 2^127-1 bought from an exchange pool. It adds in an
// Amount while the sum stays in range, which costs nothing per account, and moves to a big.Int
// once it would not.
type total struct {
	small coffer.Amount
	wide  *big.Int // nil until the sum left the range of an Amount
}

func (t *total) add(a coffer.Amount) {
	if t.wide == nil {
		if s, ok := t.small.Add(a); ok {
			t.small = s
			return
		}
		t.wide = t.small.Big()
	}
	t.wide.Add(t.wide, a.Big())
}

func (t *total) isZero() bool {
	if t.wide == nil {
		return t.small.IsZero()
	}
	return t.wide.Sign() == 0
}

func (t *total) String() string {
	if t.wide == nil {
		return t.small.String()
	}
	return t.wide.String()
}

// accountReplay is the replay of one account's entries.
type accountReplay struct {
	id string
	r  replayed
}

// replayEntry applies entry e to p, the replay of its account so far.
func replayEntry(p *replayed, e coffer.Entry, add func(Violation)) {
	if e.Seq != p.seq+1 {
		add(Violation{Kind: VSequence, AccountID: e.AccountID, TransferID: e.TransferID,
			Message: fmt.Sprintf("entry seq %d follows seq %d", e.Seq, p.seq)})
	}
	p.seq = e.Seq
	if e.BalanceBefore != p.balance || e.AvailableBefore != p.available {
		add(Violation{Kind: VChain, AccountID: e.AccountID, TransferID: e.TransferID,
			Message: fmt.Sprintf("entry %d starts at balance %s available %s, the previous entry ended at %s and %s",
				e.Seq, e.BalanceBefore, e.AvailableBefore, p.balance, p.available)})
	}
	pending, posted := &p.debitsPending, &p.debitsPosted
	if e.Side == coffer.Credit {
		pending, posted = &p.creditsPending, &p.creditsPosted
	}
	switch e.Phase {
	case coffer.PhasePosted:
		*posted, _ = posted.Add(e.Amount)
	case coffer.PhasePending:
		*pending, _ = pending.Add(e.Amount)
	case coffer.PhaseReleased:
		*pending, _ = pending.Sub(e.Amount)
	}
	acct := coffer.Account{DebitsPending: p.debitsPending, DebitsPosted: p.debitsPosted,
		CreditsPending: p.creditsPending, CreditsPosted: p.creditsPosted}
	p.balance, p.available = acct.Balance(), acct.Available()
	if e.BalanceAfter != p.balance || e.AvailableAfter != p.available {
		add(Violation{Kind: VEntry, AccountID: e.AccountID, TransferID: e.TransferID,
			Message: fmt.Sprintf("entry %d ends at balance %s available %s; its amount gives %s and %s",
				e.Seq, e.BalanceAfter, e.AvailableAfter, p.balance, p.available)})
	}
}

// compareTotals compares an account's totals with the replay of its entries.
func compareTotals(a *coffer.Account, p *replayed, add func(Violation)) {
	if a.DebitsPending != p.debitsPending || a.DebitsPosted != p.debitsPosted ||
		a.CreditsPending != p.creditsPending || a.CreditsPosted != p.creditsPosted || a.Seq != p.seq {
		add(Violation{Kind: VBalance, AccountID: a.ID, Message: fmt.Sprintf(
			"account holds debits %s/%s credits %s/%s (pending/posted) at seq %d; its entries replay to %s/%s %s/%s at seq %d",
			a.DebitsPending, a.DebitsPosted, a.CreditsPending, a.CreditsPosted, a.Seq,
			p.debitsPending, p.debitsPosted, p.creditsPending, p.creditsPosted, p.seq)})
	}
}

// expected is one entry a transfer's state calls for on one side.
type expected struct {
	side   coffer.Side
	phase  coffer.Phase
	amount coffer.Amount
}

// expectedEntries returns the entries t's state calls for on each of its two sides: a posted
// transfer posts its amount; a pending one holds it, releases it once resolved, and if posted
// posts its posted amount. An unknown state calls for none, so its entries show as a difference.
func expectedEntries(t coffer.Transfer) []expected {
	var phases []expected
	switch {
	case !t.Pending:
		phases = []expected{{phase: coffer.PhasePosted, amount: t.Amount}}
	case t.State == coffer.StatePending:
		phases = []expected{{phase: coffer.PhasePending, amount: t.Amount}}
	case t.State == coffer.StatePosted:
		phases = []expected{{phase: coffer.PhasePending, amount: t.Amount},
			{phase: coffer.PhaseReleased, amount: t.Amount}, {phase: coffer.PhasePosted, amount: t.PostedAmount}}
	case t.State == coffer.StateVoided || t.State == coffer.StateExpired:
		phases = []expected{{phase: coffer.PhasePending, amount: t.Amount},
			{phase: coffer.PhaseReleased, amount: t.Amount}}
	}
	out := make([]expected, 0, 2*len(phases))
	for _, side := range []coffer.Side{coffer.Debit, coffer.Credit} {
		for _, e := range phases {
			e.side = side
			out = append(out, e)
		}
	}
	return out
}

// digest is an order-independent digest of a multiset of entries: the sum, in two 64-bit lanes,
// of the SHA-256 of each entry's transfer id, side, phase and amount. Two different multisets
// give the same digest with a chance of about 2^-128.
type digest [2]uint64

func (d *digest) add(transferID string, side coffer.Side, phase coffer.Phase, amount coffer.Amount) {
	b := make([]byte, 0, binary.MaxVarintLen64+len(transferID)+64)
	b = binary.AppendUvarint(b, uint64(len(transferID)))
	b = append(b, transferID...)
	b = append(b, side...)
	b = append(b, 0)
	b = append(b, phase...)
	b = append(b, 0)
	b = append(b, amount.String()...)
	sum := sha256.Sum256(b)
	d[0] += binary.LittleEndian.Uint64(sum[0:8])
	d[1] += binary.LittleEndian.Uint64(sum[8:16])
}

// nameTransfers is Verify's second pass, run only when the digests differ: it tallies every
// transfer's entries by side and reports each transfer whose entries do not match its state.
func nameTransfers(ctx context.Context, s coffer.Store, add func(Violation)) error {
	var transfers []coffer.Transfer
	tallies := map[string]*transferTally{} // transfer id + "/" + side
	err := s.Scan(ctx, coffer.Scanner{
		Transfer: func(t coffer.Transfer) error {
			transfers = append(transfers, t)
			return nil
		},
		Entry: func(e coffer.Entry) error {
			key := e.TransferID + "/" + string(e.Side)
			tl := tallies[key]
			if tl == nil {
				tl = &transferTally{}
				tallies[key] = tl
			}
			switch e.Phase {
			case coffer.PhasePosted:
				tl.posts++
				tl.posted, _ = tl.posted.Add(e.Amount)
			case coffer.PhasePending:
				tl.pendings++
			case coffer.PhaseReleased:
				tl.releases++
			}
			return nil
		},
	})
	if err != nil {
		return fmt.Errorf("scan transfers and entries: %w", err)
	}
	for _, t := range transfers {
		for _, side := range []coffer.Side{coffer.Debit, coffer.Credit} {
			if msg := checkTransfer(t, tallies[t.ID+"/"+string(side)]); msg != "" {
				add(Violation{Kind: VTransfer, TransferID: t.ID, Message: string(side) + " side: " + msg})
			}
		}
	}
	return nil
}

// checkTransfer compares a transfer's state with the entries written for one of its sides.
func checkTransfer(t coffer.Transfer, tl *transferTally) string {
	if tl == nil {
		return "has no entries"
	}
	if !t.Pending {
		if tl.posts != 1 || tl.pendings != 0 || tl.releases != 0 || tl.posted != t.Amount {
			return fmt.Sprintf("a posted transfer of %s has %d posted, %d pending, %d released entries posting %s",
				t.Amount, tl.posts, tl.pendings, tl.releases, tl.posted)
		}
		return ""
	}
	if tl.pendings != 1 {
		return fmt.Sprintf("a pending transfer has %d pending entries", tl.pendings)
	}
	switch t.State {
	case coffer.StatePending:
		if tl.releases != 0 || tl.posts != 0 {
			return "an unresolved pending transfer has released or posted entries"
		}
	case coffer.StatePosted:
		if tl.releases != 1 || tl.posts != 1 || tl.posted != t.PostedAmount {
			return fmt.Sprintf("posted %s but has %d released and %d posted entries posting %s",
				t.PostedAmount, tl.releases, tl.posts, tl.posted)
		}
	case coffer.StateVoided, coffer.StateExpired:
		if tl.releases != 1 || tl.posts != 0 {
			return fmt.Sprintf("%s but has %d released and %d posted entries", t.State, tl.releases, tl.posts)
		}
	default:
		return fmt.Sprintf("unknown state %q", t.State)
	}
	return ""
}
