package coffer

import (
	"context"
	"encoding/json"
	"time"
)

// ApprovalStatus is where a request for a manual money move stands.
type ApprovalStatus string

// A request waits until a second admin key approves it (then it is applied) or rejects it
// (then nothing is applied). The decision is final.
const (
	ApprovalWaiting  ApprovalStatus = "waiting"
	ApprovalApproved ApprovalStatus = "approved"
	ApprovalRejected ApprovalStatus = "rejected"
)

// ApprovalKindAdjustment is the kind of a requested adjustment: its Request is the body of
// POST /v1/adjustments.
const ApprovalKindAdjustment = "adjustment"

// Approval is a manual money move that one admin key asked for and another must approve before
// it is applied (maker-checker). ID is the move's own id, its operation id once applied, so a
// move is requested once and applied at most once.
type Approval struct {
	ID   string
	Kind string // what the request is: ApprovalKindAdjustment
	// Request is the move as asked, the JSON body of its endpoint: applied as it is once
	// approved.
	Request json.RawMessage
	// Fingerprint identifies what was asked, so that the same id asked again with another
	// request is a conflict.
	Fingerprint string
	Status      ApprovalStatus
	RequestedBy string // the id of the API key that asked, never its secret
	RequestedAt time.Time
	DecidedBy   string     // the id of the key that approved or rejected; "" while waiting
	DecidedAt   *time.Time // nil while waiting
	Reason      string     // why it was rejected (or a note of the approval)
}

// ApprovalFilter selects approvals: the waiting ones first, then the decided; each part newest
// first (by RequestedAt, then ID). Status "" selects all; After continues a listing.
type ApprovalFilter struct {
	Status ApprovalStatus
	After  *ApprovalCursor
	Limit  int
}

// ApprovalCursor is where a page of approvals ended: the last one's part (waiting or not),
// RequestedAt and ID.
type ApprovalCursor struct {
	Waiting     bool
	RequestedAt time.Time
	ID          string
}

// ApprovalStore keeps the requests for manual money moves: a capability of its own beside
// Store, both stores have it. Each change is written with its event in one transaction, the
// event numbered and chained as Save numbers them.
type ApprovalStore interface {
	// RequestApproval stores a, waiting, and its approval.requested event e, unless a.ID is
	// taken: then it writes nothing and returns the stored one and false.
	RequestApproval(ctx context.Context, a Approval, e Event) (Approval, bool, error)
	// DecideApproval sets Status, DecidedBy, DecidedAt and Reason of the approval a.ID to a's
	// and writes e, if it is still waiting; otherwise it writes nothing and returns the stored
	// one and false. ENOTFOUND if there is none.
	DecideApproval(ctx context.Context, a Approval, e Event) (Approval, bool, error)
	// Approval returns the one with id, or ENOTFOUND.
	Approval(ctx context.Context, id string) (Approval, error)
	// Approvals lists them as f selects.
	Approvals(ctx context.Context, f ApprovalFilter) ([]Approval, error)
}
