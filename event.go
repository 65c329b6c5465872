package coffer

import (
	"encoding/json"
	"time"
)

// Event types. Every committed change writes its events in the same database transaction.
const (
	EventAssetCreated    = "asset.created"
	EventAccountCreated  = "account.created"
	EventAccountLocked   = "account.locked"
	EventAccountUnlocked = "account.unlocked"
	EventTransferCreated = "transfer.created"
	EventTransferPosted  = "transfer.posted"
	EventTransferVoided  = "transfer.voided"
	EventTransferExpired = "transfer.expired"
	// EventOperationRejected is an operation the money rules refused: its data names the
	// operation, its kind, the code and message, and what it was about.
	EventOperationRejected = "operation.rejected"
	// The life of a deposit seen on a chain: pending (incoming, not yet available), then
	// confirmed (credited) at its chain's depth, or orphaned (its block reorganised away,
	// never credited). Their data is a DepositNotice.
	EventDepositPending   = "deposit.pending"
	EventDepositConfirmed = "deposit.confirmed"
	EventDepositOrphaned  = "deposit.orphaned"
	// The life of a payout, a withdrawal or payment sent on a chain: requested (the amount
	// held on the wallet), then confirmed (sent and mined at the chain's depth: the hold
	// posted) or failed (reverted, abandoned or cancelled: the hold voided). Exactly one of
	// confirmed and failed follows each request. Their data is a PayoutNotice.
	EventPayoutRequested = "payout.requested"
	EventPayoutConfirmed = "payout.confirmed"
	EventPayoutFailed    = "payout.failed"
	// The end of each transaction a sweep sends between Coffer's own addresses: a sweep of a
	// deposit address, or the gas top-up a token sweep needs first. Confirmed is written with
	// the ledger's booking of the move (mined at the chain's depth); failed when it reverted
	// (its gas booked) or was abandoned before it was sent (nothing booked). Exactly one of the
	// two ends each sweep and top-up. Their data is a SweepNotice, whose kind tells the two
	// apart, so that one subscription follows every move of the sweeps.
	EventSweepConfirmed = "sweep.confirmed"
	EventSweepFailed    = "sweep.failed"
	// An admin's changes of API keys, with the id of the key that made them (never a secret).
	// Their data is a KeyNotice.
	EventKeyCreated = "key.created"
	EventKeyRevoked = "key.revoked"
	// The life of a request for a manual money move (maker-checker): requested by one admin
	// key, then approved by another (and applied) or rejected. Their data is the request as
	// it stood, with both keys and times.
	EventApprovalRequested = "approval.requested"
	EventApprovalApproved  = "approval.approved"
	EventApprovalRejected  = "approval.rejected"
)

// EventTypes lists every event type, for filters to check against.
var EventTypes = []string{EventAssetCreated, EventAccountCreated, EventAccountLocked, EventAccountUnlocked,
	EventTransferCreated, EventTransferPosted, EventTransferVoided, EventTransferExpired, EventOperationRejected,
	EventDepositPending, EventDepositConfirmed, EventDepositOrphaned,
	EventPayoutRequested, EventPayoutConfirmed, EventPayoutFailed, EventSweepConfirmed, EventSweepFailed, EventKeyCreated, EventKeyRevoked,
	EventApprovalRequested, EventApprovalApproved, EventApprovalRejected, EventMonitorTriggered, EventMonitorCleared}

// PayoutNotice is the data of the payout.* events: a payout as it stood when the event was
// written. Amounts are in the asset's major unit; Fee, the gas the chain charged, in the chain's
// native asset (FeeAsset). Addresses are EIP-55 checksummed, hashes lowercase hex.
type PayoutNotice struct {
	TransferID string `json:"transfer_id"` // the wallet's hold, and the send intent's id
	Kind       string `json:"kind"`        // "withdrawal" or "payment"
	Owner      string `json:"owner"`
	Chain      string `json:"chain"`
	From       string `json:"from"` // the hot wallet
	To         string `json:"to"`
	Asset      string `json:"asset"`
	Amount     string `json:"amount"`
	// NetworkFee is what the owner was charged for the network on top of Amount (held as
	// "<id>/fee" and posted with it); "" when none.
	NetworkFee  string `json:"network_fee,omitempty"`
	OrderID     string `json:"order_id,omitempty"`
	Status      string `json:"status"` // "requested", "confirmed" or "failed"
	TxHash      string `json:"tx_hash,omitempty"`
	BlockNumber uint64 `json:"block_number,omitempty"`
	GasUsed     uint64 `json:"gas_used,omitempty"`
	Fee         string `json:"fee,omitempty"`
	FeeAsset    string `json:"fee_asset,omitempty"`
	Reason      string `json:"reason,omitempty"` // why it failed
}

// SweepNotice is the data of the sweep.* events: a sweep or a gas top-up as it ended. Amount
// is in the asset's major unit, Fee (the gas the chain charged the sender) in the chain's native
// asset (FeeAsset). Addresses are as the sweep's send intent has them (lowercase hex), hashes
// lowercase hex.
type SweepNotice struct {
	ID    string `json:"id"`   // the send intent's id
	Kind  string `json:"kind"` // "sweep" or "gas_topup"
	Chain string `json:"chain"`
	// From is the deposit address swept, or the gas wallet for a top-up; To is the hot wallet
	// or cold address swept to, or the deposit address topped up.
	From        string `json:"from"`
	To          string `json:"to"`
	Asset       string `json:"asset"`
	Amount      string `json:"amount"`
	Status      string `json:"status"` // "confirmed" or "failed"
	TxHash      string `json:"tx_hash,omitempty"`
	BlockNumber uint64 `json:"block_number,omitempty"`
	GasUsed     uint64 `json:"gas_used,omitempty"`
	Fee         string `json:"fee,omitempty"`
	FeeAsset    string `json:"fee_asset,omitempty"`
	Reason      string `json:"reason,omitempty"` // why it failed
}

// KeyNotice is the data of the key.* events: the key as it stood after the change (never its
// secret or its hash) and the id of the admin key that made the change.
type KeyNotice struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Role      Role       `json:"role"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	ByKeyID   string     `json:"by_key_id"`
}

// DepositNotice is the data of the deposit.* events: a deposit seen on a chain as it stood when
// the event was written.
type DepositNotice struct {
	Key        string `json:"key"`         // "<chain id>:<tx hash>:<position>": the deposit's identity
	TransferID string `json:"transfer_id"` // the ledger's pending deposit transfer: "chain/" and the key
	Chain      string `json:"chain"`       // the chain's configured name
	ChainID    uint64 `json:"chain_id"`
	TxHash     string `json:"tx_hash"`
	// Position is "native" for the value a transaction sends, or the token Transfer log's
	// index among its transaction's logs.
	Position string `json:"position"`
	Address  string `json:"address"` // the deposit address, EIP-55 checksummed
	Owner    string `json:"owner"`
	Asset    string `json:"asset"`
	// Amount is in the asset's major unit, as every amount of the API ("25.000000").
	Amount                string `json:"amount"`
	BlockNumber           uint64 `json:"block_number"`
	BlockHash             string `json:"block_hash"`
	Confirmations         uint64 `json:"confirmations"`
	ConfirmationsRequired uint64 `json:"confirmations_required"`
	Status                string `json:"status"` // "pending", "confirmed" or "orphaned"
}

// Event is one committed change. Seq is global and follows commit order with no gaps, so a consumer
// can replay from any position. ID is stable ("evt_" and the sequence), so consumers can drop
// duplicates. Data is the changed object's JSON snapshot after the change.
type Event struct {
	Seq       uint64
	ID        string
	Type      string
	Subject   string // the id of the asset, account or transfer the event is about
	Data      json.RawMessage
	CreatedAt time.Time
	// Hash chains the event to the one before it: ChainEvent(previous event's Hash, this event).
	// The store computes it in the transaction that writes the event.
	Hash EventHash
}

// EventID returns the stable id of the event with sequence seq.
func EventID(seq uint64) string {
	return "evt_" + uintString(seq)
}
