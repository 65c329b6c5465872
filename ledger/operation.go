package ledger

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
)

// subject is what an operation was about, as its command named it; it is recorded with the
// outcome so that operations, the rejected ones above all, can be found.
type subject struct {
	owner, account, counter, asset string
	amount                         coffer.Amount
}

// subjectOf returns what c is about. Commands that act on a transfer name its accounts, read
// from the batch, which loaded it.
func (b *batch) subjectOf(c Command) subject {
	switch c := c.(type) {
	case CreateAsset:
		return subject{asset: c.Code}
	case CreateAccount:
		return subject{owner: c.Owner, account: coffer.AccountID(c.Kind, c.Owner, c.Asset), asset: c.Asset}
	case LockAccount:
		return accountSubject(c.AccountID, "", coffer.Amount{})
	case UnlockAccount:
		return accountSubject(c.AccountID, "", coffer.Amount{})
	case Deposit:
		return subject{c.Owner, walletID(c.Owner, c.Asset), worldID(c.Asset), c.Asset, c.Amount}
	case Withdraw:
		return subject{c.Owner, walletID(c.Owner, c.Asset), worldID(c.Asset), c.Asset, c.Amount}
	case Pay:
		return subject{c.Owner, walletID(c.Owner, c.Asset), merchantID(c.Merchant, c.Asset), c.Asset, c.Amount}
	case Exchange:
		return subject{c.Owner, walletID(c.Owner, c.From), walletID(c.Owner, c.To), c.From, c.Amount}
	case Hold:
		return subject{c.Owner, walletID(c.Owner, c.Asset), c.destination(), c.Asset, c.Amount}
	case Adjust:
		counter := c.CounterAccountID
		if counter == "" {
			counter = worldID(assetOf(c.AccountID))
		}
		return accountSubject(c.AccountID, counter, c.Amount)
	case CreateTransfers:
		if len(c.Transfers) == 0 {
			return subject{}
		}
		// A group is named by its first transfer.
		s := c.Transfers[0]
		return accountSubject(s.DebitAccountID, s.CreditAccountID, s.Amount)
	case Refund:
		// The payer's wallet, and the merchant that refunds.
		return b.transferSubject(c.PaymentID, c.Amount)
	case PostTransfer:
		return b.transferSubject(c.TransferID, c.Amount)
	case VoidTransfer:
		return b.transferSubject(c.TransferID, coffer.Amount{})
	case expireTransfer:
		return b.transferSubject(c.TransferID, coffer.Amount{})
	case RequestPayout:
		return subject{c.Owner, walletID(c.Owner, c.Asset), CustodyAccountID(c.From, c.Asset), c.Asset, c.Amount}
	case ConfirmPayout:
		return b.transferSubject(c.ID, coffer.Amount{})
	case FailPayout:
		return b.transferSubject(c.ID, coffer.Amount{})
	case ChainDeposit:
		return subject{c.Notice.Owner, walletID(c.Notice.Owner, c.Notice.Asset), CustodyAccountID(c.Notice.Address, c.Notice.Asset), c.Notice.Asset, c.Amount}
	case ConfirmChainDeposit:
		return subject{c.Notice.Owner, walletID(c.Notice.Owner, c.Notice.Asset), CustodyAccountID(c.Notice.Address, c.Notice.Asset), c.Notice.Asset, coffer.Amount{}}
	case MoveCustody:
		return accountSubject(CustodyAccountID(c.From, c.Asset), CustodyAccountID(c.To, c.Asset), c.Amount)
	case OrphanChainDeposit:
		return subject{c.Notice.Owner, walletID(c.Notice.Owner, c.Notice.Asset), CustodyAccountID(c.Notice.Address, c.Notice.Asset), c.Notice.Asset, coffer.Amount{}}
	}
	return subject{}
}

// transferSubject names a transfer's accounts: the debited one first, whose owner it is about.
func (b *batch) transferSubject(id string, amount coffer.Amount) subject {
	t, ok := b.transfers[id]
	if !ok {
		return subject{amount: amount}
	}
	return accountSubject(t.DebitAccountID, t.CreditAccountID, amount)
}

// accountSubject is about an account, its owner and asset, read from its id.
func accountSubject(account, counter string, amount coffer.Amount) subject {
	return subject{owner: ownerOf(account), account: account, counter: counter, asset: assetOf(account), amount: amount}
}

func walletID(owner, asset string) string { return coffer.AccountID(coffer.KindWallet, owner, asset) }

// ownerOf returns the owner in an account id "kind:owner:asset", or "" if id is not one; owners
// and assets hold no ':'.
func ownerOf(id string) string {
	_, rest, ok := strings.Cut(id, ":")
	owner, _, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 {
		return ""
	}
	return owner
}

// assetOf returns the asset in an account id, or "" if id is not one.
func assetOf(id string) string {
	if i := strings.LastIndexByte(id, ':'); i >= 0 && strings.Count(id, ":") == 2 {
		return id[i+1:]
	}
	return ""
}

// record fills op with what it was about.
func (s subject) record(op *coffer.Operation) {
	op.Owner, op.AccountID, op.CounterAccountID, op.Asset, op.Amount = s.owner, s.account, s.counter, s.asset, s.amount
}

// rejectedEvent is the data of an operation.rejected event, amounts in minor units as in every
// event.
type rejectedEvent struct {
	ID               string        `json:"id"`
	Kind             string        `json:"kind"`
	Code             string        `json:"code"`
	Message          string        `json:"message"`
	Owner            string        `json:"owner,omitempty"`
	AccountID        string        `json:"account_id,omitempty"`
	CounterAccountID string        `json:"counter_account_id,omitempty"`
	Asset            string        `json:"asset,omitempty"`
	Amount           coffer.Amount `json:"amount"`
	CreatedAt        time.Time     `json:"created_at"`
}

// rejected appends the event of a rejected operation, so that consumers of the events learn of
// refusals too, in commit order like everything else.
func (b *batch) rejected(op *coffer.Operation) error {
	data, err := json.Marshal(rejectedEvent{ID: op.ID, Kind: op.Kind, Code: op.ErrCode, Message: op.ErrMessage,
		Owner: op.Owner, AccountID: op.AccountID, CounterAccountID: op.CounterAccountID, Asset: op.Asset,
		Amount: op.Amount, CreatedAt: op.CreatedAt})
	if err != nil {
		return fmt.Errorf("encode %s event: %w", coffer.EventOperationRejected, err)
	}
	b.changes.Events = append(b.changes.Events, coffer.Event{Type: coffer.EventOperationRejected,
		Subject: op.ID, Data: data, CreatedAt: b.now})
	return nil
}
