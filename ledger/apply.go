package ledger

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cofferhq/coffer"
)

// result snapshots transfers as they stand now.
func result(ts ...*coffer.Transfer) *Result {
	r := &Result{Transfers: make([]coffer.Transfer, len(ts))}
	for i, t := range ts {
		r.Transfers[i] = *t
	}
	return r
}

func (c CreateAsset) OperationID() string {
	return coffer.DerivedSep + "asset" + coffer.DerivedSep + c.Code
}
func (CreateAsset) kind() string { return "asset.create" }
func (c CreateAsset) needs(n *needs) {
	n.asset(c.Code)
	for _, o := range coffer.SystemOwners {
		n.account(coffer.AccountID(coffer.KindSystem, o, c.Code))
	}
}

func (c CreateAsset) apply(b *batch) (*Result, error) {
	a := coffer.Asset{Code: c.Code, Scale: c.Scale, CreatedAt: b.now}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if _, ok := b.assets[c.Code]; ok {
		return nil, coffer.Errorf(coffer.ECONFLICT, "asset %s already exists", c.Code)
	}
	b.addAsset(a)
	if err := b.event(coffer.EventAssetCreated, a.Code, a); err != nil {
		return nil, err
	}
	// System accounts may go below zero: the world's balance is minus everything that entered.
	for _, o := range coffer.SystemOwners {
		acct := &coffer.Account{ID: coffer.AccountID(coffer.KindSystem, o, c.Code), Owner: o, Asset: c.Code,
			Kind: coffer.KindSystem, OverdraftUnlimited: true, CreatedAt: b.now, UpdatedAt: b.now}
		if err := b.addAccount(acct); err != nil {
			return nil, err
		}
		if err := b.event(coffer.EventAccountCreated, acct.ID, acct); err != nil {
			return nil, err
		}
	}
	return &Result{Asset: &a}, nil
}

func (c CreateAccount) OperationID() string {
	return coffer.DerivedSep + "account" + coffer.DerivedSep + coffer.AccountID(c.Kind, c.Owner, c.Asset)
}
func (CreateAccount) kind() string { return "account.create" }
func (c CreateAccount) needs(n *needs) {
	n.asset(c.Asset)
	n.account(coffer.AccountID(c.Kind, c.Owner, c.Asset))
}

func (c CreateAccount) apply(b *batch) (*Result, error) {
	if !coffer.ValidKind(c.Kind) {
		return nil, coffer.Errorf(coffer.EINVALID, "account kind %q must be wallet, merchant or system", c.Kind)
	}
	if err := coffer.ValidateOwner(c.Owner); err != nil {
		return nil, err
	}
	if c.OverdraftLimit.Sign() < 0 {
		return nil, coffer.Errorf(coffer.EINVALID, "overdraft limit must not be negative")
	}
	id := coffer.AccountID(c.Kind, c.Owner, c.Asset)
	if _, ok := b.accounts[id]; ok {
		return nil, coffer.Errorf(coffer.ECONFLICT, "account %s already exists", id)
	}
	if _, err := b.asset(c.Asset); err != nil {
		return nil, err
	}
	a := &coffer.Account{
		ID: id, Owner: c.Owner, Asset: c.Asset, Kind: c.Kind, OverdraftLimit: c.OverdraftLimit,
		OverdraftUnlimited: c.OverdraftUnlimited, CreatedAt: b.now, UpdatedAt: b.now,
	}
	if err := b.addAccount(a); err != nil {
		return nil, err
	}
	if err := b.event(coffer.EventAccountCreated, a.ID, a); err != nil {
		return nil, err
	}
	snap := *a
	return &Result{Account: &snap}, nil
}

func (c LockAccount) OperationID() string { return c.ID }
func (LockAccount) kind() string          { return "account.lock" }
func (c LockAccount) needs(n *needs)      { n.account(c.AccountID) }

func (c LockAccount) apply(b *batch) (*Result, error) {
	a, err := b.account(c.AccountID)
	if err != nil {
		return nil, err
	}
	if !c.Debits && !c.Credits {
		return nil, coffer.Errorf(coffer.EINVALID, "a lock must refuse debits, credits or both")
	}
	if strings.TrimSpace(c.Reason) == "" {
		return nil, coffer.Errorf(coffer.EINVALID, "a lock needs a reason")
	}
	b.touchAccount(a)
	a.LockedDebits = a.LockedDebits || c.Debits
	a.LockedCredits = a.LockedCredits || c.Credits
	a.LockReason = c.Reason
	a.UpdatedAt = b.now
	if err := b.event(coffer.EventAccountLocked, a.ID, a); err != nil {
		return nil, err
	}
	snap := *a
	return &Result{Account: &snap}, nil
}

func (c UnlockAccount) OperationID() string { return c.ID }
func (UnlockAccount) kind() string          { return "account.unlock" }
func (c UnlockAccount) needs(n *needs)      { n.account(c.AccountID) }

func (c UnlockAccount) apply(b *batch) (*Result, error) {
	a, err := b.account(c.AccountID)
	if err != nil {
		return nil, err
	}
	b.touchAccount(a)
	a.LockedDebits, a.LockedCredits, a.LockReason = false, false, ""
	a.UpdatedAt = b.now
	if err := b.event(coffer.EventAccountUnlocked, a.ID, a); err != nil {
		return nil, err
	}
	snap := *a
	return &Result{Account: &snap}, nil
}

func worldID(asset string) string {
	return coffer.AccountID(coffer.KindSystem, coffer.OwnerWorld, asset)
}

func (c Deposit) OperationID() string { return c.ID }
func (Deposit) kind() string          { return "deposit" }
func (c Deposit) needs(n *needs) {
	n.wallet(c.Owner, c.Asset)
	n.account(worldID(c.Asset))
	n.create(c.ID)
}

func (c Deposit) apply(b *batch) (*Result, error) {
	w, err := b.openAccount(coffer.KindWallet, c.Owner, c.Asset)
	if err != nil {
		return nil, err
	}
	world, err := b.account(worldID(c.Asset))
	if err != nil {
		return nil, err
	}
	t, err := b.createTransfer(newTransfer{ID: c.ID, Debit: world, Credit: w, Amount: c.Amount,
		Type: coffer.TypeDeposit, Reference: c.Source, Metadata: c.Metadata})
	if err != nil {
		return nil, err
	}
	return result(t), nil
}

func (c Withdraw) OperationID() string { return c.ID }
func (Withdraw) kind() string          { return "withdrawal" }
func (c Withdraw) needs(n *needs) {
	n.wallet(c.Owner, c.Asset)
	n.account(worldID(c.Asset))
	n.create(c.ID)
}

func (c Withdraw) apply(b *batch) (*Result, error) {
	w, err := b.openAccount(coffer.KindWallet, c.Owner, c.Asset)
	if err != nil {
		return nil, err
	}
	world, err := b.account(worldID(c.Asset))
	if err != nil {
		return nil, err
	}
	t, err := b.createTransfer(newTransfer{ID: c.ID, Debit: w, Credit: world, Amount: c.Amount,
		Type: coffer.TypeWithdrawal, Pending: true, Timeout: c.Timeout, Reference: c.Destination,
		Metadata: c.Metadata})
	if err != nil {
		return nil, err
	}
	return result(t), nil
}

func merchantID(owner, asset string) string {
	return coffer.AccountID(coffer.KindMerchant, owner, asset)
}

func (c Pay) OperationID() string { return c.ID }
func (Pay) kind() string          { return "payment" }
func (c Pay) needs(n *needs) {
	n.wallet(c.Owner, c.Asset)
	n.account(merchantID(c.Merchant, c.Asset))
	n.account(coffer.AccountID(coffer.KindSystem, coffer.OwnerFees, c.Asset))
	n.create(c.ID)
	if c.Fee.Sign() > 0 {
		n.create(coffer.DerivedID(c.ID, "fee"))
	}
}

func (c Pay) apply(b *batch) (*Result, error) {
	if c.Fee.Sign() < 0 || c.Fee.Cmp(c.Amount) > 0 {
		return nil, coffer.Errorf(coffer.EINVALID, "fee must be between zero and the payment's amount")
	}
	w, err := b.openAccount(coffer.KindWallet, c.Owner, c.Asset)
	if err != nil {
		return nil, err
	}
	m, err := b.openAccount(coffer.KindMerchant, c.Merchant, c.Asset)
	if err != nil {
		return nil, err
	}
	group := ""
	if c.Fee.Sign() > 0 {
		group = c.ID
	}
	pay, err := b.createTransfer(newTransfer{ID: c.ID, Debit: w, Credit: m, Amount: c.Amount,
		Type: coffer.TypePayment, Group: group, Reference: c.OrderID, Metadata: c.Metadata})
	if err != nil {
		return nil, err
	}
	if c.Fee.Sign() == 0 {
		return result(pay), nil
	}
	fees, err := b.account(coffer.AccountID(coffer.KindSystem, coffer.OwnerFees, c.Asset))
	if err != nil {
		return nil, err
	}
	fee, err := b.createTransfer(newTransfer{ID: coffer.DerivedID(c.ID, "fee"), Debit: m, Credit: fees, Amount: c.Fee,
		Type: coffer.TypeFee, Group: group, Reference: c.OrderID})
	if err != nil {
		return nil, err
	}
	return result(pay, fee), nil
}

func (c Refund) OperationID() string { return c.ID }
func (Refund) kind() string          { return "refund" }
func (c Refund) needs(n *needs)      { n.transfer(c.PaymentID); n.create(c.ID) }

func (c Refund) apply(b *batch) (*Result, error) {
	p, err := b.transfer(c.PaymentID)
	if err != nil || p.Type != coffer.TypePayment {
		return nil, coffer.Errorf(coffer.ENOTFOUND, "payment %q does not exist", c.PaymentID)
	}
	left, _ := p.Amount.Sub(p.Refunded)
	amount := c.Amount
	if amount.IsZero() {
		amount = left
	}
	if left.IsZero() {
		return nil, coffer.Errorf(coffer.ECONFLICT, "payment %q is already fully refunded", p.ID)
	}
	if amount.Cmp(left) > 0 {
		return nil, coffer.Errorf(coffer.EINVALID, "refund of %s is more than the %s left to refund on payment %q",
			b.format(amount, p.Asset), b.format(left, p.Asset), p.ID)
	}
	md := c.Metadata
	if c.Reason != "" {
		md = withMeta(md, "reason", c.Reason)
	}
	t, err := b.createTransfer(newTransfer{ID: c.ID, Debit: b.accounts[p.CreditAccountID],
		Credit: b.accounts[p.DebitAccountID], Amount: amount, Type: coffer.TypeRefund, Reference: p.ID,
		Metadata: md})
	if err != nil {
		return nil, err
	}
	b.touchTransfer(p)
	p.Refunded, _ = p.Refunded.Add(amount)
	return result(t, p), nil
}

// withMeta returns a copy of md with k set to v.
func withMeta(md map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(md)+1)
	for mk, mv := range md {
		out[mk] = mv
	}
	out[k] = v
	return out
}

func (c Hold) OperationID() string { return c.ID }
func (Hold) kind() string          { return "hold" }
func (c Hold) needs(n *needs) {
	n.wallet(c.Owner, c.Asset)
	n.account(c.destination())
	n.create(c.ID)
}

func (c Hold) destination() string {
	if c.Merchant == "" {
		return worldID(c.Asset)
	}
	return merchantID(c.Merchant, c.Asset)
}

func (c Hold) apply(b *batch) (*Result, error) {
	w, err := b.openAccount(coffer.KindWallet, c.Owner, c.Asset)
	if err != nil {
		return nil, err
	}
	var dst *coffer.Account
	if c.Merchant == "" {
		dst, err = b.account(worldID(c.Asset))
	} else {
		dst, err = b.openAccount(coffer.KindMerchant, c.Merchant, c.Asset)
	}
	if err != nil {
		return nil, err
	}
	t, err := b.createTransfer(newTransfer{ID: c.ID, Debit: w, Credit: dst, Amount: c.Amount,
		Type: coffer.TypeHold, Pending: true, Timeout: c.Timeout, Reference: c.Reference, Metadata: c.Metadata})
	if err != nil {
		return nil, err
	}
	return result(t), nil
}

func (c CreateTransfers) OperationID() string { return c.ID }
func (CreateTransfers) kind() string          { return "transfer.create" }
func (c CreateTransfers) needs(n *needs) {
	for _, s := range c.Transfers {
		n.account(s.DebitAccountID)
		n.account(s.CreditAccountID)
		n.create(s.ID)
	}
}

// transfersMax bounds one linked group.
const transfersMax = 10000

func (c CreateTransfers) apply(b *batch) (*Result, error) {
	switch {
	case len(c.Transfers) == 0:
		return nil, coffer.Errorf(coffer.EINVALID, "no transfers given")
	case len(c.Transfers) > transfersMax:
		return nil, coffer.Errorf(coffer.EINVALID, "at most %d transfers may be linked", transfersMax)
	case len(c.Transfers) == 1 && c.Transfers[0].ID != c.ID:
		return nil, coffer.Errorf(coffer.EINVALID, "a single transfer's operation id must be its transfer id")
	}
	group := ""
	if len(c.Transfers) > 1 {
		group = c.ID
	}
	ts := make([]*coffer.Transfer, 0, len(c.Transfers))
	for i, s := range c.Transfers {
		if s.Type != "" && !coffer.ValidType(s.Type) {
			return nil, coffer.Errorf(coffer.EINVALID, "transfer %d: type %q is not a transfer type", i, s.Type)
		}
		dr, err := b.account(s.DebitAccountID)
		if err != nil {
			return nil, itemErr(i, len(c.Transfers), err)
		}
		cr, err := b.account(s.CreditAccountID)
		if err != nil {
			return nil, itemErr(i, len(c.Transfers), err)
		}
		t, err := b.createTransfer(newTransfer{ID: s.ID, Debit: dr, Credit: cr, Amount: s.Amount, Type: s.Type,
			Pending: s.Pending, Timeout: s.Timeout, Group: group, Reference: s.Reference, Metadata: s.Metadata})
		if err != nil {
			return nil, itemErr(i, len(c.Transfers), err)
		}
		ts = append(ts, t)
	}
	return result(ts...), nil
}

var errNotDue = errors.New("the transfer has not expired yet")

// itemErr names the failing transfer of a linked group in the rejection.
func itemErr(i, n int, err error) error {
	ce, ok := err.(*coffer.Error)
	if !ok || n == 1 {
		return err
	}
	return &coffer.Error{Code: ce.Code, Message: fmt.Sprintf("transfer %d of the group: %s; none was applied", i, ce.Message)}
}

func (c PostTransfer) OperationID() string { return orDerived(c.ID, c.TransferID, "post") }
func (PostTransfer) kind() string          { return "transfer.post" }
func (c PostTransfer) needs(n *needs)      { n.transfer(c.TransferID) }

func (c PostTransfer) apply(b *batch) (*Result, error) {
	t, err := b.pendingFor(c.TransferID, c.Type)
	if err != nil {
		return nil, err
	}
	if err := b.postPending(t, c.Amount); err != nil {
		return nil, err
	}
	return result(t), nil
}

func (c VoidTransfer) OperationID() string { return orDerived(c.ID, c.TransferID, "void") }
func (VoidTransfer) kind() string          { return "transfer.void" }
func (c VoidTransfer) needs(n *needs)      { n.transfer(c.TransferID) }

func (c VoidTransfer) apply(b *batch) (*Result, error) {
	t, err := b.pendingFor(c.TransferID, c.Type)
	if err != nil {
		return nil, err
	}
	if err := b.voidPending(t, coffer.StateVoided); err != nil {
		return nil, err
	}
	return result(t), nil
}

func (c expireTransfer) OperationID() string { return coffer.DerivedID(c.TransferID, "expire") }
func (expireTransfer) kind() string          { return "transfer.expire" }
func (c expireTransfer) needs(n *needs)      { n.transfer(c.TransferID) }

func (c expireTransfer) apply(b *batch) (*Result, error) {
	t, err := b.pendingFor(c.TransferID, "")
	if err != nil {
		return nil, err
	}
	if t.ExpiresAt == nil || b.now.Before(*t.ExpiresAt) {
		// Not recorded as the operation's outcome (it is no *coffer.Error), so a later pass can
		// still expire it.
		return nil, errNotDue
	}
	if err := b.voidPending(t, coffer.StateExpired); err != nil {
		return nil, err
	}
	return result(t), nil
}

func (c Adjust) OperationID() string { return c.ID }
func (Adjust) kind() string          { return "adjustment" }
func (c Adjust) needs(n *needs) {
	n.account(c.AccountID)
	if c.CounterAccountID != "" {
		n.account(c.CounterAccountID)
	} else if i := strings.LastIndexByte(c.AccountID, ':'); i >= 0 {
		n.account(worldID(c.AccountID[i+1:]))
	}
	n.create(c.ID)
}

func (c Adjust) apply(b *batch) (*Result, error) {
	if strings.TrimSpace(c.Reason) == "" {
		return nil, coffer.Errorf(coffer.EINVALID, "an adjustment needs a reason")
	}
	a, err := b.account(c.AccountID)
	if err != nil {
		return nil, err
	}
	counterID := c.CounterAccountID
	if counterID == "" {
		counterID = worldID(a.Asset)
	}
	counter, err := b.account(counterID)
	if err != nil {
		return nil, err
	}
	if counter.Kind != coffer.KindSystem {
		return nil, coffer.Errorf(coffer.EINVALID, "the counter account of an adjustment must be a system account; %s is a %s", counter.ID, counter.Kind)
	}
	dr, cr := counter, a
	switch c.Direction {
	case coffer.Credit:
	case coffer.Debit:
		dr, cr = a, counter
	default:
		return nil, coffer.Errorf(coffer.EINVALID, "direction %q must be credit or debit", c.Direction)
	}
	meta := map[string]string{"reason": c.Reason}
	if c.ByKeyID != "" {
		meta["by_key_id"] = c.ByKeyID
	}
	if c.ApprovedByKeyID != "" {
		meta["approved_by_key_id"] = c.ApprovedByKeyID
	}
	t, err := b.createTransfer(newTransfer{ID: c.ID, Debit: dr, Credit: cr, Amount: c.Amount,
		Type: coffer.TypeAdjustment, Metadata: meta})
	if err != nil {
		return nil, err
	}
	return result(t), nil
}
