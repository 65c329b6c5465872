package walletdemo

import (
	"context"
	"errors"
	"net/http"

	"github.com/cofferhq/coffer"
)

// ErrorResponse is every error the profile answers. Error is the demo's own words where the
// demo had them ("insufficient balance", "transaction already processed", "invalid deposit
// amount"), so that a client matching them still does; otherwise it is Message. Code is
// Coffer's machine-readable code, Message Coffer's sentence naming what is wrong, Param the
// request field or query parameter it is about.
type ErrorResponse struct {
	Error   string `json:"error"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Param   string `json:"param,omitempty"`
}

// CodeNotAvailable answers what this build of Coffer cannot serve, with 501: retrying will
// not help.
const CodeNotAvailable = "not_available"

// The demo's words for its errors, as its document gives them.
const (
	oldInsufficient    = "insufficient balance"
	oldProcessed       = "transaction already processed"
	oldInvalidDeposit  = "invalid deposit amount"
	oldInvalidWithdraw = "invalid withdraw amount"
	oldWalletNotFound  = "wallet not found"
)

// statusByCode is the one HTTP status of each code. The demo answered its refusals with 400;
// so does the profile for a refused amount, where Coffer's /v1 says 422.
var statusByCode = map[string]int{
	coffer.EINVALID:           http.StatusBadRequest,
	coffer.EINSUFFICIENTFUNDS: http.StatusBadRequest,
	coffer.ELIMIT:             http.StatusBadRequest,
	coffer.EUNAUTHORIZED:      http.StatusUnauthorized,
	coffer.EFORBIDDEN:         http.StatusForbidden,
	coffer.ENOTFOUND:          http.StatusNotFound,
	coffer.ECONFLICT:          http.StatusConflict,
	coffer.ELOCKED:            http.StatusConflict,
	coffer.EEXPIRED:           http.StatusConflict,
	CodeNotAvailable:          http.StatusNotImplemented,
	CodeAwaitingConfirmations: http.StatusConflict,
	coffer.EUNAVAILABLE:       http.StatusServiceUnavailable,
}

// oldError carries the demo's words for a Coffer error.
type oldError struct {
	words string
	err   error
}

func (e *oldError) Error() string { return e.words + ": " + e.err.Error() }
func (e *oldError) Unwrap() error { return e.err }

// inOldWords gives err the demo's words for its code, if words has them.
func inOldWords(err error, words map[string]string) error {
	if w, ok := words[coffer.ErrorCode(err)]; ok {
		return &oldError{words: w, err: err}
	}
	return err
}

// writeError answers err, and logs it if the caller may not see it.
func (p *Profile) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		ce   *coffer.Error
		body ErrorResponse
	)
	status := http.StatusInternalServerError
	switch {
	case errors.As(err, &ce) && ce.Code != coffer.EINTERNAL && statusByCode[ce.Code] != 0:
		status = statusByCode[ce.Code]
		body = ErrorResponse{Code: ce.Code, Message: ce.Message, Param: ce.Param}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		status = http.StatusServiceUnavailable
		body = ErrorResponse{Code: coffer.EUNAVAILABLE, Message: "the request ended before it was done; retry with the same tx_hash"}
	default:
		p.log.Error("wallet demo request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		body = ErrorResponse{Code: coffer.EINTERNAL, Message: "internal error"}
	}
	body.Error = body.Message
	var old *oldError
	if errors.As(err, &old) {
		body.Error = old.words
	}
	writeJSON(w, status, body)
}

// paramOf returns the field an error is about, if any.
func paramOf(err error) string {
	var ce *coffer.Error
	if errors.As(err, &ce) {
		return ce.Param
	}
	return ""
}
