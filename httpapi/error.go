package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/cofferhq/coffer"
)

// statusByCode gives each error code its one HTTP status. The table in the package comment and
// the OpenAPI document say the same.
var statusByCode = map[string]int{
	coffer.EINVALID:           http.StatusBadRequest,
	coffer.EUNAUTHORIZED:      http.StatusUnauthorized,
	coffer.EINSUFFICIENTFUNDS: http.StatusPaymentRequired,
	coffer.EFORBIDDEN:         http.StatusForbidden,
	coffer.ENOTFOUND:          http.StatusNotFound,
	coffer.ECONFLICT:          http.StatusConflict,
	coffer.EEXPIRED:           http.StatusGone,
	coffer.ELIMIT:             http.StatusUnprocessableEntity,
	coffer.ELOCKED:            http.StatusLocked,
	coffer.EINTERNAL:          http.StatusInternalServerError,
	coffer.EUNAVAILABLE:       http.StatusServiceUnavailable,
}

// ErrorBody is the content of the error envelope.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ErrorResponse is the envelope every error is sent in.
type ErrorResponse struct {
	Error ErrorBody `json:"error"`
}

// errorBody turns err into what the caller is told, and reports whether err is one the caller may
// not see the details of (it must then be logged).
func errorBody(err error) (status int, body ErrorBody, unexpected bool) {
	var ce *coffer.Error
	switch {
	case errors.As(err, &ce):
		if s, ok := statusByCode[ce.Code]; ok && ce.Code != coffer.EINTERNAL {
			return s, ErrorBody{Code: ce.Code, Message: ce.Message}, false
		}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The caller went away or ran out of time; whether a write happened is unknown to it,
		// and a retry with the same id is safe.
		return http.StatusServiceUnavailable, ErrorBody{Code: coffer.EUNAVAILABLE,
			Message: "the request ended before it was done; retry with the same id"}, false
	}
	return http.StatusInternalServerError, ErrorBody{Code: coffer.EINTERNAL, Message: "internal error"}, true
}

// errInvalid returns an invalid-request error with the formatted message.
func errInvalid(format string, args ...any) error {
	return coffer.Errorf(coffer.EINVALID, format, args...)
}

// errNoSnapshot reports a ledger result without the snapshot a command always returns: a bug,
// reported as internal.
func errNoSnapshot(what string) error {
	return fmt.Errorf("the ledger's result has no %s snapshot", what)
}
