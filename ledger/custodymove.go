package ledger

import (
	"strconv"

	"github.com/cofferhq/coffer"
)

// The custody move kinds: what MoveCustody.Kind may be.
const (
	MoveSweep  = "sweep"     // a deposit address's balance to the hot wallet or a cold address
	MoveGasTop = "gas_topup" // ether from the gas wallet to a deposit address, to pay a token sweep's gas
)

// MoveCustody books a transaction between two of Coffer's own chain addresses once it is mined
// and confirmed: a sweep of a deposit address, or a gas top-up of one. It never touches an
// owner's wallet: what the owners are owed stays as it was, only where Coffer holds it moves.
//
// When the move succeeded (Failed false) the transfer ID moves Amount, positive, from the
// custody account of From to that of To: debit custody(To), credit custody(From), as a chain
// deposit debits the custody of the address it arrives at; the event is sweep.confirmed. A
// failed move (its transaction reverted, or it was abandoned before it was sent) books nothing
// but its gas, if any, and the event is sweep.failed with Reason; Amount is then what was to
// move, for the event only. The gas, when Gas.Fee is positive, is the transfer ID+"/gas" from
// the native asset's gas account to the sender's custody account, as a payout's, labelled with
// Kind. Its operation id is ID.
type MoveCustody struct {
	ID     string
	Kind   string // MoveSweep or MoveGasTop
	Chain  string
	From   string // lowercase or EIP-55 hex
	To     string
	Asset  string
	Amount coffer.Amount
	Gas    PayoutGas
	Failed bool
	Reason string // why it failed
}

func (c MoveCustody) OperationID() string { return c.ID }
func (MoveCustody) kind() string          { return "custody.move" }
func (c MoveCustody) needs(n *needs) {
	n.asset(c.Asset)
	if !c.Failed {
		n.account(CustodyAccountID(c.From, c.Asset))
		n.account(CustodyAccountID(c.To, c.Asset))
		n.create(c.ID)
	}
	if c.Gas.NativeAsset != "" {
		n.asset(c.Gas.NativeAsset)
	}
	gasNeeds(n, c.ID, c.Gas)
}

func (c MoveCustody) apply(b *batch) (*Result, error) {
	switch {
	case c.Kind != MoveSweep && c.Kind != MoveGasTop:
		return nil, coffer.Invalid("kind", "a custody move is a sweep or a gas top-up, not %q", c.Kind)
	case c.Chain == "":
		return nil, coffer.Invalid("chain", "a custody move needs its chain")
	case c.Amount.Sign() < 0:
		return nil, coffer.Invalid("amount", "the amount must not be negative")
	case !c.Failed && c.Amount.Sign() == 0:
		return nil, coffer.Invalid("amount", "a custody move that succeeded moves a positive amount")
	case c.Failed && c.Reason == "":
		return nil, coffer.Invalid("reason", "a failed custody move needs its reason")
	case c.Gas.Fee.Sign() < 0:
		return nil, coffer.Invalid("fee", "the fee must not be negative")
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
	n := coffer.SweepNotice{ID: c.ID, Kind: c.Kind, Chain: c.Chain, From: c.From, To: c.To, Asset: c.Asset,
		Amount: c.Amount.Format(a.Scale), Status: "confirmed", TxHash: c.Gas.TxHash, BlockNumber: c.Gas.BlockNumber,
		GasUsed: c.Gas.GasUsed, Reason: c.Reason}
	typ := coffer.EventSweepConfirmed
	if c.Failed {
		n.Status, typ = "failed", coffer.EventSweepFailed
	}
	var ts []*coffer.Transfer
	if !c.Failed {
		from, err := b.openSystem(CustodyOwner(c.From), c.Asset)
		if err != nil {
			return nil, err
		}
		to, err := b.openSystem(CustodyOwner(c.To), c.Asset)
		if err != nil {
			return nil, err
		}
		md := map[string]string{"chain": c.Chain, "kind": c.Kind, "from": c.From, "to": c.To}
		// Arrived: the money has moved on the chain; a lock changes nothing there.
		t, err := b.createTransfer(newTransfer{ID: c.ID, Debit: to, Credit: from, Amount: c.Amount,
			Type: coffer.TypeTransfer, Reference: c.Gas.TxHash, Metadata: md, Arrived: true})
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	if c.Gas.Fee.Sign() > 0 {
		g, err := recordGas(b, c.ID, c.Kind, c.Gas)
		if err != nil {
			return nil, err
		}
		ts = append(ts, g)
		na, err := b.asset(c.Gas.NativeAsset)
		if err != nil {
			return nil, err
		}
		n.Fee, n.FeeAsset = c.Gas.Fee.Format(na.Scale), c.Gas.NativeAsset
	}
	if err := b.event(typ, c.ID, n); err != nil {
		return nil, err
	}
	return result(ts...), nil
}

// identity: a repeat after a crash names the same move, outcome, transaction and fee. The
// reason is left out: a revert's reason is read again by a replay, which may answer otherwise.
func (c MoveCustody) identity() any {
	return []string{c.ID, c.Kind, c.From, c.To, c.Asset, c.Amount.String(), c.Gas.TxHash, c.Gas.Fee.String(),
		strconv.FormatBool(c.Failed)}
}
