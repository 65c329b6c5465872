package client

import (
	"encoding/json"
	"strings"

	"github.com/cofferhq/coffer"
)

// ErrorBody is the content of the error envelope: a coffer.Error as the API writes it. A Client
// returns it as a *coffer.Error with the same three fields.
type ErrorBody struct {
	// Code is machine-readable, one of the coffer.E... codes, each with exactly one HTTP status.
	Code string `json:"code"`
	// Message is a sentence for people.
	Message string `json:"message"`
	// Param names the request field (as a path: "amount", "transfers[3].amount",
	// "metadata[\"order id\"]") or query parameter the error is about, and is left out when the
	// error is not about one. In a batch item's result it is relative to the item.
	Param string `json:"param,omitempty"`
}

// ErrorResponse is the envelope every error is sent in: {"error": {...}}.
type ErrorResponse struct {
	// Error is the error.
	Error ErrorBody `json:"error"`
}

// answerError turns an error answer into the *coffer.Error it carries, or an internal error
// that quotes the start of the body when it is not the API's envelope (a proxy's error page).
func answerError(method, path string, status int, body []byte) error {
	var e ErrorResponse
	if json.Unmarshal(body, &e) == nil && e.Error.Code != "" {
		return &coffer.Error{Code: e.Error.Code, Message: e.Error.Message, Param: e.Error.Param}
	}
	return coffer.Errorf(coffer.EINTERNAL, "%s %s: HTTP %d: %s", method, path, status, snippet(body))
}

// snippet shortens a body for an error message.
func snippet(b []byte) string {
	const max = 200
	s := strings.TrimSpace(string(b))
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}
