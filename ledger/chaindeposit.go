package ledger

import (
	"github.com/cofferhq/coffer"
)

// ChainDepositID returns the id of the ledger transfer, and of the operation, that records the
// chain deposit with key: "chain/" and the key. The reserved "/" keeps every client id away from
// it.
func ChainDepositID(key string) string { return "chain" + coffer.DerivedSep + key }

// ChainDeposit records money seen arriving on a chain, not yet deep enough to trust: a pending
// deposit transfer from the custody account of the receiving address (CustodyAccountID of the
// notice's Address and Asset) into the owner's wallet (incoming, not available) and a
// deposit.pending event. Its operation and transfer id is
// ChainDepositID(Notice.Key), so seeing the deposit again changes nothing. ConfirmChainDeposit
// credits it, OrphanChainDeposit drops it. A wallet locked for credits takes chain deposits
// all the same: the money has arrived at the owner's address whatever the ledger says, and a
// refusal would stop the chain's watcher; a lock for debits keeps it there.
type ChainDeposit struct {
	Notice   coffer.DepositNotice // Owner, Asset and Key say whose and what; Amount is ignored
	Amount   coffer.Amount        // in the asset's minor unit
	Metadata map[string]string
}

// ConfirmChainDeposit posts the pending chain deposit with the notice's key: the owner is
// credited, once, and a deposit.confirmed event written. Its operation id is the transfer id
// and "/post".
type ConfirmChainDeposit struct {
	Notice coffer.DepositNotice
}

// OrphanChainDeposit voids the pending chain deposit with the notice's key, whose block was
// reorganised away: it is never credited, and a deposit.orphaned event is written. Its
// operation id is the transfer id and "/void".
type OrphanChainDeposit struct {
	Notice coffer.DepositNotice
}

func (c ChainDeposit) OperationID() string { return ChainDepositID(c.Notice.Key) }
func (ChainDeposit) kind() string          { return "deposit.chain" }
func (c ChainDeposit) needs(n *needs) {
	n.wallet(c.Notice.Owner, c.Notice.Asset)
	n.account(CustodyAccountID(c.Notice.Address, c.Notice.Asset))
	n.create(c.OperationID())
}

func (c ChainDeposit) apply(b *batch) (*Result, error) {
	if c.Notice.Key == "" {
		return nil, coffer.Errorf(coffer.EINVALID, "a chain deposit needs its key")
	}
	if err := checkAddress("address", c.Notice.Address); err != nil {
		return nil, err
	}
	a, err := b.asset(c.Notice.Asset)
	if err != nil {
		return nil, err
	}
	w, err := b.openAccount(coffer.KindWallet, c.Notice.Owner, c.Notice.Asset)
	if err != nil {
		return nil, err
	}
	custody, err := b.openSystem(CustodyOwner(c.Notice.Address), c.Notice.Asset)
	if err != nil {
		return nil, err
	}
	t, err := b.createTransfer(newTransfer{ID: c.OperationID(), Debit: custody, Credit: w, Amount: c.Amount,
		Type: coffer.TypeDeposit, Pending: true, Reference: c.Notice.TxHash, Metadata: c.Metadata, Arrived: true})
	if err != nil {
		return nil, err
	}
	n := c.Notice
	n.TransferID, n.Amount, n.Status = t.ID, c.Amount.Format(a.Scale), "pending"
	if err := b.event(coffer.EventDepositPending, t.ID, n); err != nil {
		return nil, err
	}
	return result(t), nil
}

func (c ConfirmChainDeposit) OperationID() string {
	return coffer.DerivedID(ChainDepositID(c.Notice.Key), "post")
}
func (ConfirmChainDeposit) kind() string     { return "deposit.chain.confirm" }
func (c ConfirmChainDeposit) needs(n *needs) { n.transfer(ChainDepositID(c.Notice.Key)) }

func (c ConfirmChainDeposit) apply(b *batch) (*Result, error) {
	return settleChainDeposit(b, c.Notice, true)
}

func (c OrphanChainDeposit) OperationID() string {
	return coffer.DerivedID(ChainDepositID(c.Notice.Key), "void")
}
func (OrphanChainDeposit) kind() string     { return "deposit.chain.orphan" }
func (c OrphanChainDeposit) needs(n *needs) { n.transfer(ChainDepositID(c.Notice.Key)) }

func (c OrphanChainDeposit) apply(b *batch) (*Result, error) {
	return settleChainDeposit(b, c.Notice, false)
}

// settleChainDeposit posts (credit) or voids the pending chain deposit of the notice and writes
// its event.
func settleChainDeposit(b *batch, notice coffer.DepositNotice, credit bool) (*Result, error) {
	t, err := b.pendingFor(ChainDepositID(notice.Key), coffer.TypeDeposit)
	if err != nil {
		return nil, err
	}
	a, err := b.asset(t.Asset)
	if err != nil {
		return nil, err
	}
	n := notice
	n.TransferID, n.Amount, n.Asset = t.ID, t.Amount.Format(a.Scale), t.Asset
	typ := coffer.EventDepositConfirmed
	if credit {
		err, n.Status = b.post(t, coffer.Amount{}, true), "confirmed"
	} else {
		err, n.Status, typ = b.voidPending(t, coffer.StateVoided), "orphaned", coffer.EventDepositOrphaned
	}
	if err != nil {
		return nil, err
	}
	if err := b.event(typ, t.ID, n); err != nil {
		return nil, err
	}
	return result(t), nil
}

// The identities of the chain deposit commands: what a replay must repeat.
func (c ChainDeposit) identity() any {
	return []string{c.Notice.Key, c.Notice.Owner, c.Notice.Asset, c.Amount.String()}
}
func (c ConfirmChainDeposit) identity() any { return c.Notice.Key }
func (c OrphanChainDeposit) identity() any  { return c.Notice.Key }
