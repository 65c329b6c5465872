package coffer

import "time"

// TransferType says what a transfer is for. The wallet verbs choose it; a plain transfer may set it.
type TransferType string

const (
	TypeDeposit    TransferType = "deposit"
	TypeWithdrawal TransferType = "withdrawal"
	TypePayment    TransferType = "payment"
	TypeRefund     TransferType = "refund"
	TypeExchange   TransferType = "exchange"
	TypeTransfer   TransferType = "transfer"
	TypeFee        TransferType = "fee"
	TypeAdjustment TransferType = "adjustment"
	TypeHold       TransferType = "hold"
)

// ValidType reports whether t is a transfer type.
func ValidType(t TransferType) bool {
	switch t {
	case TypeDeposit, TypeWithdrawal, TypePayment, TypeRefund, TypeExchange, TypeTransfer, TypeFee,
		TypeAdjustment, TypeHold:
		return true
	}
	return false
}

// TransferState is where a transfer stands. A plain transfer is posted when it is created. A
// pending one ends exactly once: posted (all or part), voided, or expired.
type TransferState string

const (
	StatePending TransferState = "pending"
	StatePosted  TransferState = "posted"
	StateVoided  TransferState = "voided"
	StateExpired TransferState = "expired"
)

// Transfer moves Amount of Asset from DebitAccountID to CreditAccountID. Its ID is chosen by the
// client (or derived from the operation id by a wallet verb) and is unique.
type Transfer struct {
	ID              string        `json:"id"`
	DebitAccountID  string        `json:"debit_account_id"`
	CreditAccountID string        `json:"credit_account_id"`
	Asset           string        `json:"asset"`
	Amount          Amount        `json:"amount"`
	Type            TransferType  `json:"type"`
	State           TransferState `json:"state"`

	// PostedAmount is what was posted: Amount for a plain transfer; for a pending one zero until
	// it is posted (all or part), and zero if voided or expired.
	// ExpiresAt, if set, is when an unresolved one is voided by the expiry duty.
	Pending      bool       `json:"pending,omitempty"`
	PostedAmount Amount     `json:"posted_amount"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`

	// Refunded is how much of a payment has been refunded so far; refunds never pass Amount.
	Refunded Amount `json:"refunded"`

	// Group is the id of the linked group the transfer was created in (all or none); empty alone.
	Group string `json:"group,omitempty"`
	// Reference is what a caller searches by: an order id, a tx hash, a withdrawal's destination.
	Reference string            `json:"reference,omitempty"`
	Metadata  map[string]string `json:"metadata,omitempty"`

	CreatedAt  time.Time  `json:"created_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"` // when a pending transfer was posted, voided or expired
}

// DerivedSep is the one character reserved for the ids Coffer derives: from a client's id, the id
// and a word ("pay-1/fee", "ex-1/counter", "hold-1/post"); for the whole system, a leading
// DerivedSep ("/asset/USD", "/account/merchant:shop-7:USD"). No id a client chooses may contain
// it, so no client id can ever take one Coffer needs.
const DerivedSep = "/"

// DerivedID returns the id Coffer derives from a client's id and a word: id + "/" + word.
func DerivedID(id, word string) string { return id + DerivedSep + word }

// Limits on what a transfer may carry.
const (
	IDLengthMax = 128 // transfer ids and the operation ids callers choose
	// OperationIDLengthMax leaves room for the ids derived from a transfer id ("<id>/expire")
	// and for the system's own ("/account/" and an account id).
	OperationIDLengthMax = IDLengthMax + 16
	ReferenceLengthMax   = 256
	MetadataKeysMax      = 32
	MetadataValueMax     = 1024
)
