package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
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

// errorBody turns err into what the caller is told, and reports whether err is one the caller may
// not see the details of (it must then be logged).
func errorBody(err error) (status int, body client.ErrorBody, unexpected bool) {
	var ce *coffer.Error
	switch {
	case errors.As(err, &ce):
		if s, ok := statusByCode[ce.Code]; ok && ce.Code != coffer.EINTERNAL {
			return s, client.ErrorBody{Code: ce.Code, Message: ce.Message, Param: ce.Param}, false
		}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The caller went away or ran out of time; whether a write happened is unknown to it,
		// and a retry with the same id is safe.
		return http.StatusServiceUnavailable, client.ErrorBody{Code: coffer.EUNAVAILABLE,
			Message: "the request ended before it was done; retry with the same id"}, false
	}
	return http.StatusInternalServerError, client.ErrorBody{Code: coffer.EINTERNAL, Message: "internal error"}, true
}

// errInvalid returns an invalid-request error with the formatted message, about no one field.
func errInvalid(format string, args ...any) error {
	return coffer.Errorf(coffer.EINVALID, format, args...)
}

// withParam returns err as an error about param, if it is a *coffer.Error about no field yet
// (a not_found of the asset a field names, a rule of the root package); any other error is
// returned as it is.
func withParam(param string, err error) error {
	var ce *coffer.Error
	if !errors.As(err, &ce) || ce.Param != "" || ce.Code == coffer.EINTERNAL {
		return err
	}
	return &coffer.Error{Code: ce.Code, Message: ce.Message, Param: param}
}

// joinParam returns the path of param inside the field at prefix: transfers[3] and amount make
// transfers[3].amount.
func joinParam(prefix, param string) string {
	switch {
	case param == "":
		return prefix
	case strings.HasPrefix(param, "["):
		return prefix + param
	}
	return prefix + "." + param
}

// errNoSnapshot reports a ledger result without the snapshot a command always returns: a bug,
// reported as internal.
func errNoSnapshot(what string) error {
	return fmt.Errorf("the ledger's result has no %s snapshot", what)
}
