package inbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/strict"
)

// Executor runs one command as the HTTP API would, with the rights of role, and returns the
// HTTP status and the exact JSON of the answer. *httpapi.Server is one.
type Executor interface {
	Command(ctx context.Context, role coffer.Role, c client.Command) (status int, answer []byte)
}

// Defaults and limits.
const (
	// MessageBytesMaxDefault caps a message: it is the HTTP API's body limit, and a command is
	// a few kilobytes at most, so a larger message is a mistake or an attack.
	MessageBytesMaxDefault = 1 << 20
	// SignatureWindowDefault is how far a signed message's timestamp may be from the clock:
	// long enough for a queue's usual delays and clocks a little apart, short enough that a
	// captured message cannot be replayed much later.
	SignatureWindowDefault = 5 * time.Minute
	// RoleDefault is the role commands from a queue act with: money operations, nothing that
	// needs an admin.
	RoleDefault = coffer.RoleOperator
	// RetryBackoffMin is the first wait before a message that failed for a transient reason is
	// tried again.
	RetryBackoffMin = 100 * time.Millisecond
	// RetryBackoffMax caps that wait as it doubles with each failure in a row: a database that
	// is down costs one attempt per consumer every few seconds, and one that comes back is
	// noticed within them.
	RetryBackoffMax = 5 * time.Second
	// deadBodyBytesMax is how much of an oversized message its dead letter keeps: enough to
	// tell what it was, and small enough for any broker's message limit.
	deadBodyBytesMax = 64 << 10
)

// Header names.
const (
	// HeaderTimestamp is the unix time, in seconds, at which a signed message was signed.
	HeaderTimestamp = "Coffer-Timestamp"
	// HeaderSignature is the hex HMAC-SHA256 of "<timestamp>.<body>" under the shared secret.
	HeaderSignature = "Coffer-Signature"
	// HeaderStatus carries the HTTP status of a reply, and of the answer in a dead letter.
	HeaderStatus = "Coffer-Status"
	// HeaderCommandID carries the command's id on a reply and a dead letter, when it is known.
	HeaderCommandID = "Coffer-Command-Id"
	// HeaderCorrelationID carries a Kafka command's correlation id, returned on its reply; the
	// command's id stands in when the command has none. RabbitMQ has a property for it.
	HeaderCorrelationID = "Coffer-Correlation-Id"
	// HeaderReason is the sentence that says why a message was dead-lettered.
	HeaderReason = "Coffer-Reason"
	// HeaderErrorCode is the error code of a dead-lettered message's answer.
	HeaderErrorCode = "Coffer-Error-Code"
	// HeaderBodyBytes is the size of an oversized message whose dead letter keeps only its
	// beginning.
	HeaderBodyBytes = "Coffer-Body-Bytes"
)

// verdict is what becomes of a message.
type verdict int

const (
	done      verdict = iota // reply, then acknowledge
	poison                   // reply, dead-letter, then acknowledge
	transient                // leave unacknowledged, to be delivered again
)

// outcome is what handling one message decided.
type outcome struct {
	verdict verdict
	id      string // the command's id, "" if the message had none that could be read
	status  int
	answer  []byte
	code    string // the answer's error code, "" on success
	reason  string // the answer's error message, "" on success
	dead    []byte // a poison message's body as its dead letter carries it
	cut     bool   // dead holds only the beginning of an oversized body
}

// handler turns a message into an outcome: the checks every broker shares.
type handler struct {
	exec     Executor
	role     coffer.Role
	secret   []byte // nil: messages need no signature
	window   time.Duration
	bytesMax int
	now      func() time.Time
	handled  func(outcome string) // nil: no hook
}

// settings are the fields every consumer's configuration shares, defaulted and checked.
type settings struct {
	Secret          string
	SignatureWindow time.Duration
	MessageBytesMax int
	Role            coffer.Role
	Handled         func(outcome string)
}

// newHandler returns the handler of the settings, with their defaults, or an error that says
// which setting is wrong.
func newHandler(exec Executor, s settings) (*handler, error) {
	if exec == nil {
		return nil, errors.New("inbox: no executor")
	}
	if s.SignatureWindow < 0 {
		return nil, fmt.Errorf("inbox: signature window %s is negative", s.SignatureWindow)
	}
	if s.SignatureWindow == 0 {
		s.SignatureWindow = SignatureWindowDefault
	}
	if s.MessageBytesMax < 0 {
		return nil, fmt.Errorf("inbox: message size limit %d is negative", s.MessageBytesMax)
	}
	if s.MessageBytesMax == 0 {
		s.MessageBytesMax = MessageBytesMaxDefault
	}
	if s.Role == "" {
		s.Role = RoleDefault
	}
	if s.Role != coffer.RoleOperator && s.Role != coffer.RoleAdmin {
		// A reader may send no command at all.
		return nil, fmt.Errorf("inbox: role %q must be operator or admin", s.Role)
	}
	h := &handler{exec: exec, role: s.Role, window: s.SignatureWindow, bytesMax: s.MessageBytesMax, now: time.Now, handled: s.Handled}
	if s.Secret != "" {
		h.secret = []byte(s.Secret)
	}
	return h, nil
}

// What the Handled hook is told of a message.
const (
	HandledApplied      = "applied"       // its command succeeded: replied and acknowledged
	HandledRefused      = "refused"       // its command was refused for good (402, 404, 409, ...): replied and acknowledged
	HandledDeadLettered = "dead_lettered" // it can never succeed (400, 401, 403): replied, dead-lettered, acknowledged
	HandledRetried      = "retried"       // it failed for now (500, 503): delivered again later
)

// handle checks one message (its size, its signature, its envelope), runs its command and
// decides what becomes of it. header returns a header of the message, "" if it has none.
func (h *handler) handle(ctx context.Context, body []byte, header func(name string) string) outcome {
	out := h.decide(ctx, body, header)
	if h.handled != nil {
		switch {
		case out.verdict == transient:
			h.handled(HandledRetried)
		case out.verdict == poison:
			h.handled(HandledDeadLettered)
		case out.status < 300:
			h.handled(HandledApplied)
		default:
			h.handled(HandledRefused)
		}
	}
	return out
}

// decide is handle but for the hook.
func (h *handler) decide(ctx context.Context, body []byte, header func(name string) string) outcome {
	if len(body) > h.bytesMax {
		out := h.refuse("", coffer.Errorf(coffer.EINVALID, "the message is %d bytes; at most %d are accepted", len(body), h.bytesMax))
		out.dead, out.cut = body[:min(len(body), deadBodyBytesMax)], len(body) > deadBodyBytesMax
		return out
	}
	c, err := h.open(body, header)
	if err != nil {
		out := h.refuse(c.ID, err)
		out.dead = body
		return out
	}
	status, answer := h.exec.Command(ctx, h.role, c)
	out := outcome{verdict: classify(status), id: c.ID, status: status, answer: answer}
	if status >= 300 {
		var er client.ErrorResponse
		if json.Unmarshal(answer, &er) == nil {
			out.code, out.reason = er.Error.Code, er.Error.Message
		}
	}
	if out.verdict == poison {
		out.dead = body
	}
	return out
}

// open checks a message's signature and reads its envelope. The command's id is returned
// with an error when it could be read.
func (h *handler) open(body []byte, header func(name string) string) (client.Command, error) {
	if h.secret != nil {
		if err := h.verify(body, header(HeaderTimestamp), header(HeaderSignature)); err != nil {
			return client.Command{}, err
		}
	}
	var c client.Command
	if err := strict.Decode(bytes.NewReader(body), &c, strict.Options{BytesMax: int64(h.bytesMax)}); err != nil {
		return client.Command{}, err
	}
	switch {
	case c.ID == "":
		return c, &coffer.Error{Code: coffer.EINVALID, Message: "id is required: the command's id, its operation id", Param: "id"}
	case c.Type == "":
		return c, &coffer.Error{Code: coffer.EINVALID, Message: "type is required: what the command does, such as deposit", Param: "type"}
	}
	return c, nil
}

// classify says what becomes of a message whose command was answered with status; the package
// comment gives the reasons.
func classify(status int) verdict {
	switch {
	case status >= 200 && status < 300:
		return done
	case status == http.StatusBadRequest, status == http.StatusUnauthorized, status == http.StatusForbidden:
		return poison
	case status >= 400 && status < 500:
		return done
	}
	return transient
}

// refuse is the outcome of a message refused before its command ran: an error answer in the
// API's envelope, and a dead letter.
func (h *handler) refuse(id string, err error) outcome {
	ce := &coffer.Error{Code: coffer.EINVALID, Message: err.Error()}
	if e := (*coffer.Error)(nil); errors.As(err, &e) {
		ce = e
	}
	status := http.StatusBadRequest
	if ce.Code == coffer.EUNAUTHORIZED {
		status = http.StatusUnauthorized
	}
	answer, mErr := json.Marshal(client.ErrorResponse{Error: client.ErrorBody{Code: ce.Code, Message: ce.Message, Param: ce.Param}})
	if mErr != nil {
		panic(fmt.Sprintf("inbox: encode an error: %v", mErr))
	}
	return outcome{verdict: poison, id: id, status: status, answer: append(answer, '\n'), code: ce.Code, reason: ce.Message}
}

// statusText is a status as a header carries it.
func statusText(status int) string { return strconv.Itoa(status) }

// backoff is the wait before a message that failed for a transient reason is tried again: it
// doubles from RetryBackoffMin to RetryBackoffMax with each such failure in a row, and starts
// again after any other outcome.
type backoff struct {
	mu   sync.Mutex
	next time.Duration
}

// failed returns the wait before the next attempt.
func (b *backoff) failed() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.next == 0 {
		b.next = RetryBackoffMin
	}
	d := b.next
	b.next = min(2*b.next, RetryBackoffMax)
	return d
}

// reset starts the waits again from RetryBackoffMin.
func (b *backoff) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.next = 0
}

// wait waits d or until ctx ends, and reports whether ctx is still live.
func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// logger returns l, or slog.Default() if l is nil.
func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}
