package ledger

import (
	"encoding/json"
	"time"

	"github.com/cofferhq/coffer"
)

// A Command is one write. Every command carries the operation id that is its idempotency key
// (assets and accounts use their natural id). The ledger applies an id at most once; a replay with
// the same parameters gets the first outcome, with other parameters a conflict.
//
// The exported fields are the parameters; amounts are already parsed into minor units by the
// caller (httpapi parses decimal strings with the asset's scale).
type Command interface {
	// OperationID returns the idempotency key.
	OperationID() string
	kind() string
	// needs adds what the command reads to n, so a batch loads and locks it all at once.
	needs(n *needs)
	// apply runs the command against the batch. An *coffer.Error is a rejection, recorded as the
	// outcome; any other error fails the whole batch.
	apply(b *batch) (*Result, error)
}

// Result is the outcome of a successful command: snapshots of what it created or changed, taken
// when it was applied. A replay returns the same snapshots.
type Result struct {
	Asset     *coffer.Asset     `json:"asset,omitempty"`
	Account   *coffer.Account   `json:"account,omitempty"`
	Transfers []coffer.Transfer `json:"transfers,omitempty"`
	// Rate is the exchange rate applied, as a decimal string (exchanges only).
	Rate string `json:"rate,omitempty"`
}

// transferJSONSize is room for a typical transfer's JSON, so encoding one seldom grows its buffer.
const transferJSONSize = 384

// encode returns r as json.Marshal encodes it. A result of transfers alone, which every transfer
// command gives, is written with coffer.Transfer.AppendJSON, without json.Marshal's reflection.
func (r *Result) encode() ([]byte, error) {
	if r.Asset != nil || r.Account != nil || len(r.Transfers) == 0 {
		return json.Marshal(r)
	}
	b := make([]byte, 0, 16+transferJSONSize*len(r.Transfers))
	b = append(b, `{"transfers":[`...)
	for i := range r.Transfers {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = r.Transfers[i].AppendJSON(b); err != nil {
			return nil, err
		}
	}
	b = append(b, ']')
	if r.Rate != "" {
		rate, err := json.Marshal(r.Rate)
		if err != nil {
			return nil, err
		}
		b = append(append(b, `,"rate":`...), rate...)
	}
	return append(b, '}'), nil
}

// CreateAsset creates an asset and its system accounts (world, fees, exchange). Its operation id
// is "/asset/" and the code.
type CreateAsset struct {
	Code  string
	Scale int
}

// CreateAccount creates an account explicitly. Wallets are also created on first use. Its
// operation id is "/account/" and the account id.
type CreateAccount struct {
	Kind               coffer.AccountKind
	Owner              string
	Asset              string
	OverdraftLimit     coffer.Amount
	OverdraftUnlimited bool
}

// LockAccount refuses debits, credits or both on an account until it is unlocked.
type LockAccount struct {
	ID        string
	AccountID string
	Debits    bool
	Credits   bool
	Reason    string
}

// UnlockAccount lifts an account's locks.
type UnlockAccount struct {
	ID        string
	AccountID string
}

// Deposit moves money from the asset's world account into the owner's wallet.
type Deposit struct {
	ID       string
	Owner    string
	Asset    string
	Amount   coffer.Amount
	Source   string // where the money came from: a channel, a tx hash; kept as the reference
	Metadata map[string]string
}

// Withdraw holds money on the owner's wallet, pending towards the world account, until the payout
// is completed (posted, possibly for less) or failed (voided). Timeout 0 means no expiry.
type Withdraw struct {
	ID          string
	Owner       string
	Asset       string
	Amount      coffer.Amount
	Destination string
	Timeout     time.Duration
	Metadata    map[string]string
}

// Pay moves Amount from the owner's wallet to the merchant's account, and, if Fee is not zero,
// Fee from the merchant's account to the asset's fee account: the merchant pays the fee out of the
// payment. Both transfers are linked: all or none. The payment's transfer id is the operation id,
// the fee's is the operation id and "/fee".
type Pay struct {
	ID       string
	Owner    string
	Merchant string
	Asset    string
	Amount   coffer.Amount
	Fee      coffer.Amount
	OrderID  string
	Metadata map[string]string
}

// Refund moves money back from the merchant to the payer of a payment. Refunds of one payment
// never add up to more than it; the fee is not returned.
type Refund struct {
	ID        string
	PaymentID string
	Amount    coffer.Amount // zero means all that is not yet refunded
	Reason    string
	Metadata  map[string]string
}

// Exchange sells Amount of From from the owner's wallet to the From exchange pool, and pays the
// counter amount of To from the To pool into the owner's wallet: two linked transfers, ids the
// operation id and the operation id and "/counter". Give Rate (units of To per unit of From, a
// decimal string) or CounterAmount; with a rate the counter amount is rounded down to To's minor
// unit, so rounding never pays out more than the rate says.
type Exchange struct {
	ID            string
	Owner         string
	From          string
	To            string
	Amount        coffer.Amount
	Rate          string
	CounterAmount coffer.Amount
	Metadata      map[string]string
}

// Hold reserves Amount on the owner's wallet as a pending transfer to the merchant's account, or
// to the world account when Merchant is empty (money spent in the app). Capture posts it (all or
// part), release voids it, and at Timeout it expires.
type Hold struct {
	ID        string
	Owner     string
	Asset     string
	Amount    coffer.Amount
	Merchant  string
	Timeout   time.Duration
	Reference string
	Metadata  map[string]string
}

// TransferSpec is one transfer of CreateTransfers, between accounts named by id.
type TransferSpec struct {
	ID              string
	DebitAccountID  string
	CreditAccountID string
	Amount          coffer.Amount
	Type            coffer.TransferType // empty means transfer
	Pending         bool
	Timeout         time.Duration // pending only; 0 means no expiry
	Reference       string
	Metadata        map[string]string
}

// CreateTransfers creates transfers between accounts. With one transfer the operation id is its
// transfer id. With several they are linked under the operation id: all or none.
type CreateTransfers struct {
	ID        string
	Transfers []TransferSpec
}

// PostTransfer posts a pending transfer, for Amount if it is not zero (at most the pending
// amount), else for all of it. Type, if set, must match the transfer's (so a withdrawal's
// "complete" cannot post a hold). ID, the operation id, defaults to the transfer id and "/post".
type PostTransfer struct {
	ID         string
	TransferID string
	Amount     coffer.Amount
	Type       coffer.TransferType
}

// VoidTransfer voids a pending transfer. Type, if set, must match the transfer's. ID, the
// operation id, defaults to the transfer id and "/void".
type VoidTransfer struct {
	ID         string
	TransferID string
	Type       coffer.TransferType
}

// expireTransfer is VoidTransfer by the expiry duty: it marks the transfer expired, and only if
// its timeout has passed. Its operation id is the transfer id and "/expire".
type expireTransfer struct {
	TransferID string
}

// Adjust corrects an account against a system account, Direction coffer.Credit adding to the
// account, coffer.Debit taking from it. Counter defaults to the asset's world account. Admin only
// (httpapi checks the role); Reason is required and kept in the transfer's metadata.
type Adjust struct {
	ID               string
	AccountID        string
	Direction        coffer.Side
	Amount           coffer.Amount
	CounterAccountID string
	Reason           string
	// ByKeyID is the id of the API key that asked for the adjustment, and ApprovedByKeyID the
	// one that approved it when approvals are on: kept in the transfer's metadata (by_key_id,
	// approved_by_key_id), and so in its events. They are not part of the operation's
	// fingerprint: a replay by another key is the same adjustment.
	ByKeyID         string `json:"-"`
	ApprovedByKeyID string `json:"-"`
}
