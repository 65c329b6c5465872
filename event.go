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
)

// EventTypes lists every event type, for filters to check against.
var EventTypes = []string{EventAssetCreated, EventAccountCreated, EventAccountLocked, EventAccountUnlocked,
	EventTransferCreated, EventTransferPosted, EventTransferVoided, EventTransferExpired, EventOperationRejected}

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
}

// EventID returns the stable id of the event with sequence seq.
func EventID(seq uint64) string {
	return "evt_" + uintString(seq)
}
