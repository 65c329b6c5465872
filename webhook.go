package coffer

import (
	"context"
	"time"
)

// The states of a webhook endpoint.
const (
	WebhookActive   = "active"   // the relay delivers to it
	WebhookDisabled = "disabled" // an operator paused it; its cursor waits
	WebhookDead     = "dead"     // dead-lettered: every attempt of the schedule at one event failed
)

// Webhook is an HTTP endpoint the relay posts events to. The relay delivers to it like to any
// sink: in seq order, from a cursor named "webhook:" and its ID. An operator's change bumps
// Revision; the relay's delivery state (Failures, NextAttemptAt, dead-lettering) does not.
type Webhook struct {
	ID          string
	URL         string
	Events      []string // the event types it is sent; empty for every type
	Description string
	Status      string // WebhookActive, WebhookDisabled or WebhookDead
	// Secret signs every delivery. After a rotation PreviousSecret signs them too, until
	// PreviousSecretExpiresAt, so that receivers can move to the new secret in their own time.
	Secret                  string
	PreviousSecret          string
	PreviousSecretExpiresAt *time.Time
	// Revision grows by one with each change through UpdateWebhook; the relay restarts an
	// endpoint's deliveries when it sees a new one.
	Revision uint64
	// ReplayAfter is a replay the relay has yet to apply: it moves the endpoint's cursor back (or
	// forward) to this seq before its next delivery, then clears it.
	ReplayAfter *uint64
	// Failures counts the failed attempts in a row at the event after the cursor; NextAttemptAt
	// is when the next is due. Both are kept across restarts, so a new relay holder keeps the
	// schedule.
	Failures      int
	NextAttemptAt *time.Time
	// DeadAt and DeadReason say when and why the endpoint was dead-lettered.
	DeadAt     *time.Time
	DeadReason string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// The outcomes of a webhook delivery attempt.
const (
	AttemptDelivered = "delivered" // a 2xx answer within the timeout
	AttemptFailed    = "failed"    // anything else; another attempt follows
	AttemptDead      = "dead"      // failed, and the last of the schedule: the endpoint is dead-lettered
)

// WebhookAttempt is one POST of one event to one endpoint, as it went.
type WebhookAttempt struct {
	ID       uint64 // given by the store, growing with each attempt recorded
	Webhook  string
	EventID  string
	Seq      uint64
	Attempt  int // 1 for the first attempt at the event, counting on through its failures
	At       time.Time
	Latency  time.Duration
	Status   int    // the HTTP status answered; 0 when there was no answer
	Error    string // why it failed; empty when delivered
	Response string // the first KiB of the answer's body
	Outcome  string // AttemptDelivered, AttemptFailed or AttemptDead
	// Redelivery marks an operator's redelivery of one event, outside the endpoint's order.
	Redelivery bool
}

// WebhookDeliveryState is the endpoint's delivery state after a batch of attempts.
type WebhookDeliveryState struct {
	Failures      int
	NextAttemptAt *time.Time
	// Dead dead-letters the endpoint: its Status becomes WebhookDead, with DeadAt and DeadReason.
	Dead       bool
	DeadAt     *time.Time
	DeadReason string
}

// WebhookAttemptFilter selects an endpoint's attempts, newest first.
type WebhookAttemptFilter struct {
	Webhook string
	EventID string // only the attempts at this event, if set
	Before  uint64 // only attempts with ID < Before, if set: the next page
	Limit   int
}

// WebhookStore keeps the webhook endpoints and their delivery attempts. A capability of its own
// beside Store, implemented by both stores.
type WebhookStore interface {
	// CreateWebhook stores a new endpoint; a taken ID is ECONFLICT.
	CreateWebhook(ctx context.Context, w Webhook) error
	// Webhook returns the endpoint, or ENOTFOUND.
	Webhook(ctx context.Context, id string) (Webhook, error)
	// Webhooks returns every endpoint, by ID.
	Webhooks(ctx context.Context) ([]Webhook, error)
	// UpdateWebhook reads the endpoint, lets change edit it and stores the result with Revision
	// one up and UpdatedAt now, in one transaction. An error from change is returned and
	// nothing is stored; a missing endpoint is ENOTFOUND.
	UpdateWebhook(ctx context.Context, id string, change func(*Webhook) error) (Webhook, error)
	// DeleteWebhook removes the endpoint with its attempts and its relay cursor, or ENOTFOUND.
	DeleteWebhook(ctx context.Context, id string) error
	// RecordWebhookAttempts stores attempts, setting the ID of each element of the slice, and, if state is not nil and the
	// endpoint still has revision, its delivery state, in one transaction. When the revision has
	// moved (an operator changed the endpoint meanwhile) the attempts are stored, the state is
	// not, and the error is ECONFLICT.
	RecordWebhookAttempts(ctx context.Context, id string, revision uint64, attempts []WebhookAttempt, state *WebhookDeliveryState) error
	// ClearWebhookReplay clears the endpoint's ReplayAfter if it is still after, without
	// bumping Revision: the relay has applied the replay.
	ClearWebhookReplay(ctx context.Context, id string, after uint64) error
	// WebhookAttempts returns attempts as the filter selects, newest first.
	WebhookAttempts(ctx context.Context, f WebhookAttemptFilter) ([]WebhookAttempt, error)
}

// WebhookSink returns the name of the relay cursor of the endpoint with id.
func WebhookSink(id string) string { return "webhook:" + id }
