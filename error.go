package coffer

import (
	"errors"
	"fmt"
)

// Error codes callers may see. Each maps to exactly one HTTP status in httpapi.
const (
	ECONFLICT          = "conflict"           // the id is taken by different parameters, or the state forbids it
	EEXPIRED           = "expired"            // a pending transfer passed its timeout
	EFORBIDDEN         = "forbidden"          // the key's role may not do this
	EINSUFFICIENTFUNDS = "insufficient_funds" // the debit would take available below its floor
	EINTERNAL          = "internal"           // anything unexpected; logged once at the edge
	EINVALID           = "invalid"            // the request is malformed or breaks a rule of its own
	ELIMIT             = "limit_exceeded"     // an account's running totals would pass 2^127-1
	ELOCKED            = "account_locked"     // the account is locked for this direction
	ENOTFOUND          = "not_found"          // an asset, account, transfer or key does not exist
	EUNAUTHORIZED      = "unauthorized"       // no key, or an unknown or revoked one
	EUNAVAILABLE       = "unavailable"        // shutting down or the database is unreachable; retry with the same id
)

// Error is the one error type callers may see: a machine-readable code and a sentence for humans.
type Error struct {
	Code    string
	Message string
	// Param is the request field or query parameter the error is about, as a path into the
	// request ("amount", "transfers[3].amount", "metadata[\"order id\"]", "limit"), so that a
	// client can show the message beside it; empty when the error is not about one field.
	Param string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error about the request field or query parameter param ("" for
// the whole request): the one way every package says which input was wrong.
func Invalid(param, format string, args ...any) *Error {
	e := Errorf(EINVALID, format, args...)
	e.Param = param
	return e
}

// ErrorCode returns the code of the *Error in err's chain, EINTERNAL for any other error, and ""
// for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the human sentence of the *Error in err's chain; any other error becomes
// a generic sentence, since its text may hold details that are not the caller's business.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
