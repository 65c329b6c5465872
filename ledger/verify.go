package ledger

import (
	"context"
	"fmt"

	"coffer"
)

// Violation is one broken invariant found by Verify.
type Violation struct {
	Kind       string `json:"kind"`
	AccountID  string `json:"account_id,omitempty"`
	TransferID string `json:"transfer_id,omitempty"`
	Message    string `json:"message"`
}

// Report is what Verify found.
type Report struct {
	Accounts   int         `json:"accounts"`
	Transfers  int         `json:"transfers"`
	Entries    int         `json:"entries"`
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
}

// released counts, per transfer and side, the pending amounts released and the amounts posted,
// to check that each pending transfer ended exactly once.
type transferTally struct {
	pendings, releases, posts int
	posted                    coffer.Amount
}

// Verify checks the whole ledger: every account's totals equal the replay of its entries, entry
// sequences are gapless, each entry's before is the previous entry's after, each asset's balances
// sum to zero, no account is below its floor, and every transfer's entries match its state (a
// pending transfer resolved at most once, posted for the amount it says).
func Verify(ctx context.Context, s coffer.Store) (*Report, error) {
	r := &Report{Violations: []Violation{}}
	add := func(v Violation) {
		if len(r.Violations) < violationsMax {
			r.Violations = append(r.Violations, v)
		}
	}
	replays := map[string]*replayed{}
	tallies := map[string]*transferTally{} // transfer id + "/" + side
	err := s.Scan(ctx, coffer.Scanner{Entry: func(e coffer.Entry) error {
		r.Entries++
		p := replays[e.AccountID]
		if p == nil {
			p = &replayed{}
			replays[e.AccountID] = p
		}
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
		key := e.TransferID + "/" + string(e.Side)
		tl := tallies[key]
		if tl == nil {
			tl = &transferTally{}
			tallies[key] = tl
		}
		switch e.Phase {
		case coffer.PhasePosted:
			*posted, _ = posted.Add(e.Amount)
			tl.posts++
			tl.posted, _ = tl.posted.Add(e.Amount)
		case coffer.PhasePending:
			*pending, _ = pending.Add(e.Amount)
			tl.pendings++
		case coffer.PhaseReleased:
			*pending, _ = pending.Sub(e.Amount)
			tl.releases++
		}
		acct := coffer.Account{DebitsPending: p.debitsPending, DebitsPosted: p.debitsPosted,
			CreditsPending: p.creditsPending, CreditsPosted: p.creditsPosted}
		p.balance, p.available = acct.Balance(), acct.Available()
		if e.BalanceAfter != p.balance || e.AvailableAfter != p.available {
			add(Violation{Kind: VEntry, AccountID: e.AccountID, TransferID: e.TransferID,
				Message: fmt.Sprintf("entry %d ends at balance %s available %s; its amount gives %s and %s",
					e.Seq, e.BalanceAfter, e.AvailableAfter, p.balance, p.available)})
		}
		return nil
	}})
	if err != nil {
		return nil, fmt.Errorf("scan entries: %w", err)
	}

	sums := map[string]coffer.Amount{}
	err = s.Scan(ctx, coffer.Scanner{
		Account: func(a coffer.Account) error {
			r.Accounts++
			p := replays[a.ID]
			if p == nil {
				p = &replayed{}
			}
			if a.DebitsPending != p.debitsPending || a.DebitsPosted != p.debitsPosted ||
				a.CreditsPending != p.creditsPending || a.CreditsPosted != p.creditsPosted || a.Seq != p.seq {
				add(Violation{Kind: VBalance, AccountID: a.ID, Message: fmt.Sprintf(
					"account holds debits %s/%s credits %s/%s (pending/posted) at seq %d; its entries replay to %s/%s %s/%s at seq %d",
					a.DebitsPending, a.DebitsPosted, a.CreditsPending, a.CreditsPosted, a.Seq,
					p.debitsPending, p.debitsPosted, p.creditsPending, p.creditsPosted, p.seq)})
			}
			if !a.OverdraftUnlimited && a.Available().Cmp(a.OverdraftLimit.Neg()) < 0 {
				add(Violation{Kind: VFloor, AccountID: a.ID, Message: fmt.Sprintf(
					"available %s is below the floor -%s", a.Available(), a.OverdraftLimit)})
			}
			sum, ok := sums[a.Asset].Add(a.Balance())
			if !ok {
				return fmt.Errorf("sum of %s balances overflows", a.Asset)
			}
			sums[a.Asset] = sum
			return nil
		},
		Transfer: func(t coffer.Transfer) error {
			r.Transfers++
			for _, side := range []coffer.Side{coffer.Debit, coffer.Credit} {
				if msg := checkTransfer(t, tallies[t.ID+"/"+string(side)]); msg != "" {
					add(Violation{Kind: VTransfer, TransferID: t.ID, Message: string(side) + " side: " + msg})
				}
			}
			return nil
		},
	})
	if err != nil {
		return nil, fmt.Errorf("scan accounts and transfers: %w", err)
	}
	for asset, sum := range sums {
		if !sum.IsZero() {
			add(Violation{Kind: VSum, Message: fmt.Sprintf("the balances of %s sum to %s, not zero", asset, sum)})
		}
	}
	return r, nil
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
