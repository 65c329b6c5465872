// Package approval is maker-checker for manual money moves. With approvals on, an admin's
// money move (an adjustment) is not applied when asked: it is stored as a request, waiting,
// until a second admin key, not the one that asked, approves it (and the caller applies it,
// through the same ledger command under the move's own id, so at most once) or rejects it
// (and nothing is applied). Each step is written with its event (approval.requested,
// approval.approved, approval.rejected), which names both keys and both times.
package approval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
)

// ReasonLengthMax caps a rejection's reason: a sentence or two for the record.
const ReasonLengthMax = 500

// Config configures a Service.
type Config struct {
	// Store keeps the requests.
	Store coffer.ApprovalStore
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Service records requests and decisions.
type Service struct {
	store coffer.ApprovalStore
	now   func() time.Time
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{store: cfg.Store, now: cfg.Now}
}

// Notice is the data of the approval.* events: the request as it stood after the step.
type Notice struct {
	ID          string          `json:"id"`
	Kind        string          `json:"kind"`
	Status      string          `json:"status"`
	Request     json.RawMessage `json:"request"`
	RequestedBy string          `json:"requested_by"`
	RequestedAt time.Time       `json:"requested_at"`
	DecidedBy   string          `json:"decided_by,omitempty"`
	DecidedAt   *time.Time      `json:"decided_at,omitempty"`
	Reason      string          `json:"reason,omitempty"`
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func event(typ string, a coffer.Approval, at time.Time) (coffer.Event, error) {
	data, err := json.Marshal(Notice{ID: a.ID, Kind: a.Kind, Status: string(a.Status), Request: a.Request,
		RequestedBy: a.RequestedBy, RequestedAt: a.RequestedAt, DecidedBy: a.DecidedBy, DecidedAt: a.DecidedAt, Reason: a.Reason})
	if err != nil {
		return coffer.Event{}, fmt.Errorf("encode %s event: %w", typ, err)
	}
	return coffer.Event{Type: typ, Subject: a.ID, Data: data, CreatedAt: at}, nil
}

// Fingerprint identifies a request of kind with the JSON body request.
func Fingerprint(kind string, request []byte) string {
	h := sha256.New()
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write(request)
	return hex.EncodeToString(h.Sum(nil))
}

// Request stores a request of kind under id, its body request (JSON, as the move's endpoint
// takes it; the caller has checked it), asked by the key byKey. created is false when id was
// requested before with the same body: the stored request is answered. The same id with
// another body is ECONFLICT.
func (s *Service) Request(ctx context.Context, kind, id string, request json.RawMessage, byKey string) (a coffer.Approval, created bool, err error) {
	now := s.clock()
	a = coffer.Approval{ID: id, Kind: kind, Request: request, Fingerprint: Fingerprint(kind, request),
		Status: coffer.ApprovalWaiting, RequestedBy: byKey, RequestedAt: now}
	e, err := event(coffer.EventApprovalRequested, a, now)
	if err != nil {
		return coffer.Approval{}, false, err
	}
	got, created, err := s.store.RequestApproval(ctx, a, e)
	if err != nil {
		return coffer.Approval{}, false, err
	}
	if !created && (got.Kind != kind || got.Fingerprint != a.Fingerprint) {
		return coffer.Approval{}, false, coffer.Errorf(coffer.ECONFLICT,
			"%s %q was requested for approval before with other parameters; use another id", got.Kind, id)
	}
	return got, created, nil
}

// Approve approves the waiting request id by the key byKey, which must not be the key that
// asked. The caller then applies it. Approving again with the same key answers the same
// approval, so that a retry (after a crash between the approval and the move) applies it;
// a request another key decided already is ECONFLICT, naming who and when.
func (s *Service) Approve(ctx context.Context, id, byKey string) (coffer.Approval, error) {
	return s.decide(ctx, id, byKey, coffer.ApprovalApproved, "")
}

// Reject rejects the waiting request id by the key byKey, for reason: nothing is applied. The
// key that asked may reject its own request (it withdraws it). Rejecting again with the same
// key and reason answers the same rejection; anything else decided already is ECONFLICT.
func (s *Service) Reject(ctx context.Context, id, byKey, reason string) (coffer.Approval, error) {
	switch {
	case strings.TrimSpace(reason) == "":
		return coffer.Approval{}, coffer.Invalid("reason", "reason is required: say why the request is rejected")
	case len(reason) > ReasonLengthMax:
		return coffer.Approval{}, coffer.Invalid("reason", "reason is %d bytes; at most %d", len(reason), ReasonLengthMax)
	}
	return s.decide(ctx, id, byKey, coffer.ApprovalRejected, reason)
}

func (s *Service) decide(ctx context.Context, id, byKey string, status coffer.ApprovalStatus, reason string) (coffer.Approval, error) {
	a, err := s.store.Approval(ctx, id)
	if err != nil {
		return coffer.Approval{}, err
	}
	if status == coffer.ApprovalApproved && a.RequestedBy == byKey {
		return coffer.Approval{}, coffer.Errorf(coffer.EFORBIDDEN,
			"API key %s asked for %s %q and may not approve it too: another admin key must approve it", byKey, a.Kind, id)
	}
	if a.Status == coffer.ApprovalWaiting {
		now := s.clock()
		want := a
		want.Status, want.DecidedBy, want.DecidedAt, want.Reason = status, byKey, &now, reason
		typ := coffer.EventApprovalApproved
		if status == coffer.ApprovalRejected {
			typ = coffer.EventApprovalRejected
		}
		e, err := event(typ, want, now)
		if err != nil {
			return coffer.Approval{}, err
		}
		var decided bool
		if a, decided, err = s.store.DecideApproval(ctx, want, e); err != nil {
			return coffer.Approval{}, err
		}
		if decided {
			return a, nil
		}
	}
	// Decided before (or by another key in between): the same decision by the same key is
	// answered as it was; anything else is a conflict.
	if a.Status == status && a.DecidedBy == byKey && a.Reason == reason {
		return a, nil
	}
	return coffer.Approval{}, coffer.Errorf(coffer.ECONFLICT, "%s %q was %s already, by API key %s at %s",
		a.Kind, id, a.Status, a.DecidedBy, a.DecidedAt.Format(time.RFC3339Nano))
}

// List lists requests, the waiting ones first.
func (s *Service) List(ctx context.Context, f coffer.ApprovalFilter) ([]coffer.Approval, error) {
	switch f.Status {
	case "", coffer.ApprovalWaiting, coffer.ApprovalApproved, coffer.ApprovalRejected:
	default:
		return nil, coffer.Invalid("status", "status %q must be waiting, approved or rejected", f.Status)
	}
	return s.store.Approvals(ctx, f)
}

// Get returns the request id, or ENOTFOUND.
func (s *Service) Get(ctx context.Context, id string) (coffer.Approval, error) {
	return s.store.Approval(ctx, id)
}
