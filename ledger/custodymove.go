package ledger

import (
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
// When Amount is positive (the transaction succeeded) the transfer ID moves it from the custody
// account of From to that of To: debit custody(To), credit custody(From), as a chain deposit
// debits the custody of the address it arrives at. Amount zero books only the gas (the
// transaction reverted). The gas, when Gas.Fee is positive, is the transfer ID+"/gas" from the
// native asset's gas account to the sender's custody account, as a payout's. Its operation id
// is ID.
type MoveCustody struct {
	ID     string
	Kind   string // MoveSweep or MoveGasTop
	Chain  string
	From   string // lowercase or EIP-55 hex
	To     string
	Asset  string
	Amount coffer.Amount
	Gas    PayoutGas
}

func (c MoveCustody) OperationID() string { return c.ID }
func (MoveCustody) kind() string          { return "custody.move" }
func (c MoveCustody) needs(n *needs) {
	n.asset(c.Asset)
	if c.Amount.Sign() > 0 {
		n.account(CustodyAccountID(c.From, c.Asset))
		n.account(CustodyAccountID(c.To, c.Asset))
		n.create(c.ID)
	}
	if c.Gas.Fee.Sign() > 0 {
		n.asset(c.Gas.NativeAsset)
		n.account(GasAccountID(c.Gas.NativeAsset))
		n.account(CustodyAccountID(c.Gas.From, c.Gas.NativeAsset))
		n.create(PayoutGasID(c.ID))
	}
}

func (c MoveCustody) apply(b *batch) (*Result, error) {
	switch {
	case c.Kind != MoveSweep && c.Kind != MoveGasTop:
		return nil, coffer.Invalid("kind", "a custody move is a sweep or a gas top-up, not %q", c.Kind)
	case c.Chain == "":
		return nil, coffer.Invalid("chain", "a custody move needs its chain")
	case c.Amount.Sign() < 0:
		return nil, coffer.Invalid("amount", "the amount must not be negative")
	case c.Amount.Sign() == 0 && c.Gas.Fee.Sign() <= 0:
		return nil, coffer.Invalid("amount", "a custody move books an amount, its gas or both")
	}
	if err := checkAddress("from", c.From); err != nil {
		return nil, err
	}
	if err := checkAddress("to", c.To); err != nil {
		return nil, err
	}
	if _, err := b.asset(c.Asset); err != nil {
		return nil, err
	}
	var ts []*coffer.Transfer
	if c.Amount.Sign() > 0 {
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
		g, err := recordGas(b, c.ID, c.Gas)
		if err != nil {
			return nil, err
		}
		ts = append(ts, g)
	}
	return result(ts...), nil
}

// identity: a repeat after a crash names the same move, transaction and fee.
func (c MoveCustody) identity() any {
	return []string{c.ID, c.Kind, c.From, c.To, c.Asset, c.Amount.String(), c.Gas.TxHash, c.Gas.Fee.String()}
}
