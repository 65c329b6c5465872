package coffer

import (
	"context"
	"encoding/json"
	"strconv"
	"time"
)

// Operation records the outcome of one write command under its idempotency id. The outcome is
// fixed the first time: a replay with the same Fingerprint gets the same Result or the same error;
// the same id with another fingerprint is a conflict.
type Operation struct {
	ID          string
	Kind        string // the command: "deposit", "transfer.post", ...
	Fingerprint string // a digest of the command's parameters
	Result      json.RawMessage
	ErrCode     string // empty when the command succeeded
	ErrMessage  string
	CreatedAt   time.Time

	// What the operation was about, as its command named it, so that operations, the rejected
	// ones above all, can be found by owner, account and asset: the owner, the account it was
	// mostly about and the account on the other side (empty where there is none), the asset,
	// and the amount as given (zero where none was, such as a capture of the whole hold).
	Owner            string
	AccountID        string
	CounterAccountID string
	Asset            string
	Amount           Amount
}

// Operation statuses, as OperationFilter selects them.
const (
	OperationDone     = "done"     // applied
	OperationRejected = "rejected" // refused by the money rules, with a code and a message
)

// Status returns OperationDone or OperationRejected.
func (o *Operation) Status() string {
	if o.ErrCode != "" {
		return OperationRejected
	}
	return OperationDone
}

// OperationStore lists the operations the ledger recorded: what each write was about and its
// outcome. It is a capability of its own beside Store, which both stores implement; the ledger
// never needs it, only the readers of history do.
//
// Operation returns ENOTFOUND for an id that was never recorded.
type OperationStore interface {
	Operation(ctx context.Context, id string) (Operation, error)
	Operations(ctx context.Context, f OperationFilter) ([]Operation, error)
}

// OperationFilter selects operations, ordered by (CreatedAt, ID), oldest first unless Desc.
// Empty fields match all. The rejected operations are indexed by owner, account, code and time,
// and all operations by time, so a filter by owner or account among the operations that were
// done walks the time range: give one.
type OperationFilter struct {
	Status    string // OperationDone, OperationRejected, or "" for both
	Owner     string
	AccountID string // on either side
	Code      string // the rejection's code; selects rejected operations only
	Kind      string
	From, To  time.Time // CreatedAt in [From, To); zero means unbounded
	// Cursor: continue after (AfterTime, AfterID) in the listing's order; zero AfterTime starts
	// at the beginning.
	AfterTime time.Time
	AfterID   string
	Desc      bool
	// Limit is PageSizeDefault when zero and at most PageSizeMax+1: a page, and the row past it
	// that tells whether there is another.
	Limit int
}

// Err returns the recorded rejection as an *Error, or nil if the command succeeded.
func (o *Operation) Err() error {
	if o.ErrCode == "" {
		return nil
	}
	return &Error{Code: o.ErrCode, Message: o.ErrMessage}
}

func uintString(v uint64) string { return strconv.FormatUint(v, 10) }
