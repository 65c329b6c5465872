package ledger

import (
	"fmt"
	"time"

	"github.com/cofferhq/coffer"
)

// move changes one running total of an account by amount, as phase and side say, and appends the
// entry with the figures before and after. It rejects the change if a total or the sum of a
// side's totals would pass MaxAmount; it does not check the overdraft floor (see checkFloor).
func (b *batch) move(a *coffer.Account, t *coffer.Transfer, side coffer.Side, phase coffer.Phase, amount coffer.Amount) error {
	b.touchAccount(a)
	balanceBefore, availableBefore := a.Balance(), a.Available()
	pending, posted := &a.DebitsPending, &a.DebitsPosted
	if side == coffer.Credit {
		pending, posted = &a.CreditsPending, &a.CreditsPosted
	}
	var ok bool
	switch phase {
	case coffer.PhasePosted:
		*posted, ok = posted.Add(amount)
	case coffer.PhasePending:
		*pending, ok = pending.Add(amount)
	case coffer.PhaseReleased:
		*pending, ok = pending.Sub(amount)
		if ok && pending.Sign() < 0 {
			panic("ledger: released more than was pending on " + a.ID)
		}
	}
	if !ok {
		return coffer.Errorf(coffer.ELIMIT, "account %s would pass the largest total Coffer keeps (2^127-1 minor units)", a.ID)
	}
	if _, ok := pending.Add(*posted); !ok {
		return coffer.Errorf(coffer.ELIMIT, "account %s would pass the largest total Coffer keeps (2^127-1 minor units)", a.ID)
	}
	a.Seq++
	// An account's entries are never dated before its previous one: with several writers, a
	// batch that read the clock first may commit second. So the entries of an account are in
	// time order as in seq order, and its balance at a moment is the one after a prefix.
	if a.UpdatedAt.Before(b.now) {
		a.UpdatedAt = b.now
	}
	b.changes.Entries = append(b.changes.Entries, coffer.Entry{
		AccountID: a.ID, Seq: a.Seq, TransferID: t.ID, Type: t.Type, Phase: phase, Side: side,
		Amount: amount, BalanceBefore: balanceBefore, BalanceAfter: a.Balance(),
		AvailableBefore: availableBefore, AvailableAfter: a.Available(), CreatedAt: a.UpdatedAt,
	})
	return nil
}

// checkFloor rejects a debit that took the account's available below its floor: zero, or minus
// its overdraft limit.
func checkFloor(a *coffer.Account, amount string) error {
	if a.OverdraftUnlimited {
		return nil
	}
	if a.Available().Cmp(a.OverdraftLimit.Neg()) < 0 {
		return coffer.Errorf(coffer.EINSUFFICIENTFUNDS, "account %s has not enough available to debit %s",
			a.ID, amount)
	}
	return nil
}

// assertFloor panics if an account shows available below its floor: the ledger must never get
// there, so a batch that would is a bug and must not be written.
func assertFloor(a *coffer.Account) {
	if !a.OverdraftUnlimited && a.Available().Cmp(a.OverdraftLimit.Neg()) < 0 {
		panic("ledger: account " + a.ID + " is below its floor")
	}
}

// newTransfer is what a command asks to create.
type newTransfer struct {
	ID        string
	Debit     *coffer.Account
	Credit    *coffer.Account
	Amount    coffer.Amount
	Type      coffer.TransferType
	Pending   bool
	Timeout   time.Duration
	Group     string
	Reference string
	Metadata  map[string]string
	// Arrived says the money already arrived outside the ledger (a chain deposit): a lock on
	// the credited account does not refuse it, since refusing changes nothing on the chain.
	Arrived bool
}

// createTransfer checks and applies a new transfer: posted at once, or pending. Its id must be
// free, in the database (as load found) and in the batch so far.
func (b *batch) createTransfer(n newTransfer) (*coffer.Transfer, error) {
	if !b.declared.creates[n.ID] {
		// A bug, as in addAccount: the batch cannot know whether the id is taken.
		return nil, fmt.Errorf("ledger: transfer %q is created but was not declared in needs", n.ID)
	}
	if _, taken := b.transfers[n.ID]; taken || b.taken[n.ID] {
		return nil, coffer.Errorf(coffer.ECONFLICT, "transfer %q already exists", n.ID)
	}
	dr, cr := n.Debit, n.Credit
	switch {
	case n.Amount.Sign() <= 0:
		return nil, coffer.Errorf(coffer.EINVALID, "amount must be greater than zero")
	case dr.ID == cr.ID:
		return nil, coffer.Errorf(coffer.EINVALID, "debit and credit account are both %s", dr.ID)
	case dr.Asset != cr.Asset:
		return nil, coffer.Errorf(coffer.EINVALID, "account %s holds %s but %s holds %s", dr.ID, dr.Asset, cr.ID, cr.Asset)
	case dr.LockedDebits:
		return nil, coffer.Errorf(coffer.ELOCKED, "account %s is locked for debits: %s", dr.ID, dr.LockReason)
	case cr.LockedCredits && !n.Arrived:
		return nil, coffer.Errorf(coffer.ELOCKED, "account %s is locked for credits: %s", cr.ID, cr.LockReason)
	case !n.Pending && n.Timeout != 0:
		return nil, coffer.Errorf(coffer.EINVALID, "only a pending transfer can have a timeout")
	case n.Timeout < 0:
		return nil, coffer.Errorf(coffer.EINVALID, "timeout must not be negative")
	}
	t := &coffer.Transfer{
		ID: n.ID, DebitAccountID: dr.ID, CreditAccountID: cr.ID, Asset: dr.Asset, Amount: n.Amount,
		Type: n.Type, State: coffer.StatePosted, Pending: n.Pending, Group: n.Group,
		Reference: n.Reference, Metadata: n.Metadata, CreatedAt: b.now,
	}
	if t.Type == "" {
		t.Type = coffer.TypeTransfer
	}
	phase := coffer.PhasePosted
	if !n.Pending {
		t.PostedAmount = n.Amount
	} else {
		t.State, phase = coffer.StatePending, coffer.PhasePending
		if n.Timeout > 0 {
			at := b.now.Add(n.Timeout).Truncate(time.Microsecond)
			t.ExpiresAt = &at
		}
	}
	if err := b.move(dr, t, coffer.Debit, phase, n.Amount); err != nil {
		return nil, err
	}
	if err := checkFloor(dr, b.format(n.Amount, dr.Asset)); err != nil {
		return nil, err
	}
	if err := b.move(cr, t, coffer.Credit, phase, n.Amount); err != nil {
		return nil, err
	}
	b.addTransfer(t)
	if err := b.event(coffer.EventTransferCreated, t.ID, t); err != nil {
		return nil, err
	}
	return t, nil
}

// pendingFor returns a pending transfer that an action of want type (empty: any) may resolve.
func (b *batch) pendingFor(id string, want coffer.TransferType) (*coffer.Transfer, error) {
	t, err := b.transfer(id)
	if err != nil {
		return nil, err
	}
	if want != "" && t.Type != want {
		return nil, coffer.Errorf(coffer.ENOTFOUND, "%s %q does not exist (transfer %q is a %s)", want, id, id, t.Type)
	}
	if !t.Pending {
		return nil, coffer.Errorf(coffer.ECONFLICT, "transfer %q is not pending: it was posted when created", id)
	}
	if t.State != coffer.StatePending {
		return nil, coffer.Errorf(coffer.ECONFLICT, "%s", b.resolved(t))
	}
	return t, nil
}

// pendingWords are the words a kind of pending transfer goes by: its noun, and how posting and
// voiding it read, so that a message speaks the verbs the client used.
type pendingWords struct {
	noun, post, void string // "hold", "capture", "release"
	posted, voided   string // "was already captured", "was already released"
}

func wordsFor(typ coffer.TransferType) pendingWords {
	switch typ {
	case coffer.TypeHold:
		return pendingWords{"hold", "capture", "release", "was already captured", "was already released"}
	case coffer.TypeWithdrawal:
		return pendingWords{"withdrawal", "completion", "failure", "was already completed", "has already failed"}
	}
	return pendingWords{"transfer", "post", "void", "was already posted", "was already voided"}
}

// resolved says how a pending transfer that is no longer pending ended, in its own words:
// "hold "hold-1" was already captured for 4.00 USD".
func (b *batch) resolved(t *coffer.Transfer) string {
	w := wordsFor(t.Type)
	switch t.State {
	case coffer.StatePosted:
		return fmt.Sprintf("%s %q %s for %s", w.noun, t.ID, w.posted, b.format(t.PostedAmount, t.Asset))
	case coffer.StateVoided:
		return fmt.Sprintf("%s %q %s", w.noun, t.ID, w.voided)
	case coffer.StateExpired:
		return fmt.Sprintf("%s %q has expired", w.noun, t.ID)
	}
	return fmt.Sprintf("%s %q is %s", w.noun, t.ID, t.State)
}

// postPending posts a pending transfer for amount (zero: all of it), releasing what it held.
func (b *batch) postPending(t *coffer.Transfer, amount coffer.Amount) error {
	return b.post(t, amount, false)
}

// post is postPending; arrived, for money that already moved outside the ledger (a chain
// deposit confirmed, a payout mined), lets it debit and credit locked accounts: refusing would
// change nothing on the chain.
func (b *batch) post(t *coffer.Transfer, amount coffer.Amount, arrived bool) error {
	if t.ExpiresAt != nil && !b.now.Before(*t.ExpiresAt) {
		return coffer.Errorf(coffer.EEXPIRED, "transfer %q expired at %s", t.ID, t.ExpiresAt.Format(time.RFC3339Nano))
	}
	if amount.IsZero() {
		amount = t.Amount
	}
	if amount.Sign() < 0 || amount.Cmp(t.Amount) > 0 {
		return coffer.Errorf(coffer.EINVALID, "cannot post %s of transfer %q: it holds %s", b.format(amount, t.Asset), t.ID, b.format(t.Amount, t.Asset))
	}
	dr, cr := b.accounts[t.DebitAccountID], b.accounts[t.CreditAccountID]
	if dr.LockedDebits && !arrived {
		return coffer.Errorf(coffer.ELOCKED, "account %s is locked for debits: %s", dr.ID, dr.LockReason)
	}
	if cr.LockedCredits && !arrived {
		return coffer.Errorf(coffer.ELOCKED, "account %s is locked for credits: %s", cr.ID, cr.LockReason)
	}
	b.touchTransfer(t)
	at := b.now
	t.State, t.PostedAmount, t.ResolvedAt = coffer.StatePosted, amount, &at
	// Posting never lowers available: it releases the whole pending amount and posts at most
	// that much, so no floor check is needed.
	for _, m := range []struct {
		a    *coffer.Account
		side coffer.Side
	}{{dr, coffer.Debit}, {cr, coffer.Credit}} {
		if err := b.move(m.a, t, m.side, coffer.PhaseReleased, t.Amount); err != nil {
			return err
		}
		if err := b.move(m.a, t, m.side, coffer.PhasePosted, amount); err != nil {
			return err
		}
	}
	assertFloor(dr)
	return b.event(coffer.EventTransferPosted, t.ID, t)
}

// voidPending releases a pending transfer: voided by a caller, or expired by the expiry duty.
func (b *batch) voidPending(t *coffer.Transfer, state coffer.TransferState) error {
	b.touchTransfer(t)
	at := b.now
	t.State, t.ResolvedAt = state, &at
	if err := b.move(b.accounts[t.DebitAccountID], t, coffer.Debit, coffer.PhaseReleased, t.Amount); err != nil {
		return err
	}
	if err := b.move(b.accounts[t.CreditAccountID], t, coffer.Credit, coffer.PhaseReleased, t.Amount); err != nil {
		return err
	}
	typ := coffer.EventTransferVoided
	if state == coffer.StateExpired {
		typ = coffer.EventTransferExpired
	}
	return b.event(typ, t.ID, t)
}
