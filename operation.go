package coffer

import (
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
}

// Err returns the recorded rejection as an *Error, or nil if the command succeeded.
func (o *Operation) Err() error {
	if o.ErrCode == "" {
		return nil
	}
	return &Error{Code: o.ErrCode, Message: o.ErrMessage}
}

func uintString(v uint64) string { return strconv.FormatUint(v, 10) }
