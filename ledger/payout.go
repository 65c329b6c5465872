package ledger

import (
	"github.com/cofferhq/coffer"
)

// The payout kinds: what RequestPayout.Kind may be.
const (
	PayoutWithdrawal = "withdrawal"
	PayoutPayment    = "payment"
)

// RequestPayout holds a payout on the owner's wallet: a withdrawal, or a payment to a merchant's
// chain address, that Coffer sends from its hot wallet From on Chain to To. It creates the
// pending transfer ID (the operation id, and the id of the send intent that carries the
// payout out) from the wallet to the hot wallet's custody account, and, when NetworkFee is
// not zero, the pending transfer ID+"/fee" from the wallet to the asset's fees account, linked
// as the group ID, so that the owner's available balance covers both or neither. It writes a
// payout.requested event. Neither transfer expires: ConfirmPayout posts them, FailPayout voids
// them, exactly one of the two.
type RequestPayout struct {
	ID         string
	Kind       string // PayoutWithdrawal or PayoutPayment
	Owner      string
	Asset      string
	Amount     coffer.Amount
	NetworkFee coffer.Amount
	Chain      string
	From       string // the hot wallet, EIP-55 or lowercase hex
	To         string
	OrderID    string // a payment's order
	Metadata   map[string]string
}

// PayoutGas is the gas a payout's transaction paid on the chain, if it was mined: Fee wei (the
// native asset's minor unit) out of the hot wallet From, recorded as the transfer ID+"/gas"
// from the native asset's gas account to the hot wallet's custody account.
type PayoutGas struct {
	NativeAsset string
	From        string
	TxHash      string
	BlockNumber uint64
	GasUsed     uint64
	Fee         coffer.Amount
}

// ConfirmPayout posts the payout ID, mined and confirmed on its chain (and its network fee),
// records its gas, and writes a payout.confirmed event. Its operation id is ID+"/confirm".
type ConfirmPayout struct {
	ID  string
	Gas PayoutGas
}

// FailPayout voids the payout ID (and its network fee): its transaction reverted, or it was
// cancelled before it was sent. The gas of a mined transaction is recorded all the same (the
// chain charged it). It writes a payout.failed event with Reason. Its operation id is
// ID+"/fail".
type FailPayout struct {
	ID     string
	Reason string
	Gas    PayoutGas // zero when nothing was mined
}

// PayoutFeeID and PayoutGasID are the ids of a payout's network fee and gas transfers.
func PayoutFeeID(id string) string { return coffer.DerivedID(id, "fee") }
func PayoutGasID(id string) string { return coffer.DerivedID(id, "gas") }

func (c RequestPayout) OperationID() string { return c.ID }
func (RequestPayout) kind() string          { return "payout.request" }
func (c RequestPayout) needs(n *needs) {
	n.wallet(c.Owner, c.Asset)
	n.account(CustodyAccountID(c.From, c.Asset))
	n.account(coffer.AccountID(coffer.KindSystem, coffer.OwnerFees, c.Asset))
	n.create(c.ID)
	if c.NetworkFee.Sign() > 0 {
		n.create(PayoutFeeID(c.ID))
	}
}

func (c RequestPayout) apply(b *batch) (*Result, error) {
	switch {
	case c.Kind != PayoutWithdrawal && c.Kind != PayoutPayment:
		return nil, coffer.Invalid("kind", "a payout is a withdrawal or a payment, not %q", c.Kind)
	case c.Chain == "":
		return nil, coffer.Invalid("chain", "a payout needs its chain")
	case c.NetworkFee.Sign() < 0:
		return nil, coffer.Invalid("network_fee", "the network fee must not be negative")
	}
	if err := checkAddress("from", c.From); err != nil {
		return nil, err
	}
	if err := checkAddress("to", c.To); err != nil {
		return nil, err
	}
	a, err := b.asset(c.Asset)
	if err != nil {
		return nil, err
	}
	w, err := b.openAccount(coffer.KindWallet, c.Owner, c.Asset)
	if err != nil {
		return nil, err
	}
	custody, err := b.openSystem(CustodyOwner(c.From), c.Asset)
	if err != nil {
		return nil, err
	}
	typ, ref := coffer.TypeWithdrawal, c.To
	if c.Kind == PayoutPayment {
		typ, ref = coffer.TypePayment, c.OrderID
	}
	md := withMeta(c.Metadata, "chain", c.Chain)
	md["from"], md["to"] = c.From, c.To
	group := ""
	if c.NetworkFee.Sign() > 0 {
		group = c.ID
	}
	t, err := b.createTransfer(newTransfer{ID: c.ID, Debit: w, Credit: custody, Amount: c.Amount, Type: typ,
		Pending: true, Group: group, Reference: ref, Metadata: md})
	if err != nil {
		return nil, err
	}
	ts := []*coffer.Transfer{t}
	n := coffer.PayoutNotice{TransferID: c.ID, Kind: c.Kind, Owner: c.Owner, Chain: c.Chain, From: c.From, To: c.To,
		Asset: c.Asset, Amount: c.Amount.Format(a.Scale), OrderID: c.OrderID, Status: "requested"}
	if c.NetworkFee.Sign() > 0 {
		fees, err := b.account(coffer.AccountID(coffer.KindSystem, coffer.OwnerFees, c.Asset))
		if err != nil {
			return nil, err
		}
		f, err := b.createTransfer(newTransfer{ID: PayoutFeeID(c.ID), Debit: w, Credit: fees, Amount: c.NetworkFee,
			Type: coffer.TypeFee, Pending: true, Group: group, Reference: c.ID})
		if err != nil {
			return nil, err
		}
		ts = append(ts, f)
		n.NetworkFee = c.NetworkFee.Format(a.Scale)
	}
	if err := b.event(coffer.EventPayoutRequested, c.ID, n); err != nil {
		return nil, err
	}
	return result(ts...), nil
}

func (c ConfirmPayout) OperationID() string { return coffer.DerivedID(c.ID, "confirm") }
func (ConfirmPayout) kind() string          { return "payout.confirm" }
func (c ConfirmPayout) needs(n *needs)      { settleNeeds(n, c.ID, c.Gas) }
func (c ConfirmPayout) apply(b *batch) (*Result, error) {
	return settlePayout(b, c.ID, c.Gas, true, "")
}

func (c FailPayout) OperationID() string { return coffer.DerivedID(c.ID, "fail") }
func (FailPayout) kind() string          { return "payout.fail" }
func (c FailPayout) needs(n *needs)      { settleNeeds(n, c.ID, c.Gas) }
func (c FailPayout) apply(b *batch) (*Result, error) {
	return settlePayout(b, c.ID, c.Gas, false, c.Reason)
}

func settleNeeds(n *needs, id string, gas PayoutGas) {
	n.transfer(id)
	n.transfer(PayoutFeeID(id))
	gasNeeds(n, id, gas)
}

// gasNeeds is what recording the gas of id (recordGas) needs, when there is any.
func gasNeeds(n *needs, id string, gas PayoutGas) {
	if gas.Fee.Sign() > 0 {
		n.asset(gas.NativeAsset)
		n.account(GasAccountID(gas.NativeAsset))
		n.account(CustodyAccountID(gas.From, gas.NativeAsset))
		n.create(PayoutGasID(id))
	}
}

// settlePayout posts (confirmed) or voids the payout id and its network fee, records its gas,
// and writes its event.
func settlePayout(b *batch, id string, gas PayoutGas, confirmed bool, reason string) (*Result, error) {
	t, err := b.transfer(id)
	if err != nil {
		return nil, err
	}
	if t.Type != coffer.TypeWithdrawal && t.Type != coffer.TypePayment {
		return nil, coffer.Errorf(coffer.ENOTFOUND, "payout %q does not exist (transfer %q is a %s)", id, id, t.Type)
	}
	if t.State != coffer.StatePending {
		return nil, coffer.Errorf(coffer.ECONFLICT, "payout %q has already ended: it is %s", id, t.State)
	}
	a, err := b.asset(t.Asset)
	if err != nil {
		return nil, err
	}
	ts := []*coffer.Transfer{t}
	fee := b.transfers[PayoutFeeID(id)]
	if fee != nil && fee.State == coffer.StatePending {
		ts = append(ts, fee)
	}
	for _, x := range ts {
		if confirmed {
			// The money has left the chain address: a lock on the wallet since the request
			// does not hold it back, so the post goes through as arrived.
			err = b.post(x, coffer.Amount{}, true)
		} else {
			err = b.voidPending(x, coffer.StateVoided)
		}
		if err != nil {
			return nil, err
		}
	}
	n := coffer.PayoutNotice{TransferID: id, Kind: PayoutWithdrawal, Owner: ownerOf(t.DebitAccountID),
		Chain: t.Metadata["chain"], From: t.Metadata["from"], To: t.Metadata["to"], Asset: t.Asset, Amount: t.Amount.Format(a.Scale),
		Status: "confirmed", TxHash: gas.TxHash, BlockNumber: gas.BlockNumber, GasUsed: gas.GasUsed, Reason: reason}
	if t.Type == coffer.TypePayment {
		n.Kind, n.OrderID = PayoutPayment, t.Reference
	}
	if fee != nil {
		n.NetworkFee = fee.Amount.Format(a.Scale)
	}
	if !confirmed {
		n.Status = "failed"
	}
	if gas.Fee.Sign() > 0 {
		g, err := recordGas(b, id, "payout", gas)
		if err != nil {
			return nil, err
		}
		ts = append(ts, g)
		na, _ := b.asset(gas.NativeAsset)
		n.Fee, n.FeeAsset = gas.Fee.Format(na.Scale), gas.NativeAsset
	}
	typ := coffer.EventPayoutConfirmed
	if !confirmed {
		typ = coffer.EventPayoutFailed
	}
	if err := b.event(typ, id, n); err != nil {
		return nil, err
	}
	return result(ts...), nil
}

// recordGas books the gas the transaction of a payout, sweep or top-up id paid: gas account ->
// the sender's custody account of the native asset, posted, with the metadata label: id (label
// says what id is: "payout", "sweep" or "gas_topup").
func recordGas(b *batch, id, label string, gas PayoutGas) (*coffer.Transfer, error) {
	if err := checkAddress("from", gas.From); err != nil {
		return nil, err
	}
	g, err := b.openSystem(OwnerGas, gas.NativeAsset)
	if err != nil {
		return nil, err
	}
	custody, err := b.openSystem(CustodyOwner(gas.From), gas.NativeAsset)
	if err != nil {
		return nil, err
	}
	return b.createTransfer(newTransfer{ID: PayoutGasID(id), Debit: g, Credit: custody, Amount: gas.Fee,
		Type: coffer.TypeFee, Reference: gas.TxHash, Metadata: map[string]string{label: id}})
}

// The identities of the settling commands: a repeat after a crash names the same payout and
// transaction.
func (c ConfirmPayout) identity() any { return []string{c.ID, c.Gas.TxHash, c.Gas.Fee.String()} }
func (c FailPayout) identity() any    { return []string{c.ID, c.Gas.TxHash, c.Gas.Fee.String()} }
