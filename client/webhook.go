package client

import (
	"context"
	"net/http"
	"net/url"
)

// Webhook is an HTTP endpoint the relay POSTs events to, as the API shows it: never with its
// secret but in the answers that make one (CreatedWebhook).
type Webhook struct {
	// ID is "wh_" and 24 hex digits.
	ID string `json:"id"`
	// URL is the http:// or https:// URL the events are POSTed to.
	URL string `json:"url"`
	// Events are the event types the endpoint is sent, sorted; empty for every type.
	Events []string `json:"events"`
	// Description is a note for people; empty when none was given.
	Description string `json:"description"`
	// Status is active (the relay delivers to it), disabled (an operator paused it; its
	// cursor waits) or dead (dead-lettered: every attempt of the schedule at one event failed).
	Status string `json:"status"`
	// Failures counts the failed attempts in a row at the event the endpoint is stuck at.
	Failures int `json:"failures"`
	// NextAttemptAt is when the relay tries that event again; absent when no retry is due.
	NextAttemptAt *Time `json:"next_attempt_at,omitempty"`
	// DeadAt is when the endpoint was dead-lettered; absent unless Status is dead.
	DeadAt *Time `json:"dead_at,omitempty"`
	// DeadReason says why it was dead-lettered: the last attempt's error.
	DeadReason string `json:"dead_reason,omitempty"`
	// ReplayAfter is a replay the relay has yet to apply: it goes on from the event after this
	// seq. A new endpoint has one, the newest seq at its creation, until the relay starts on it;
	// nil when there is none.
	ReplayAfter *uint64 `json:"replay_after,omitempty"`
	// PreviousSecretExpiresAt is when the secret a rotation replaced stops signing deliveries;
	// absent if the secret was never rotated.
	PreviousSecretExpiresAt *Time `json:"previous_secret_expires_at,omitempty"`
	// CreatedAt is when the endpoint was created.
	CreatedAt Time `json:"created_at"`
	// UpdatedAt is when an operator last changed it.
	UpdatedAt Time `json:"updated_at"`
}

// CreatedWebhook is the answer to POST /v1/webhooks and POST /v1/webhooks/{id}/rotate-secret:
// the endpoint and its secret, shown this once.
type CreatedWebhook struct {
	// Webhook is the endpoint.
	Webhook
	// Secret is "whsec_" and 64 hex digits: the whole string is the HMAC-SHA256 key of the
	// Coffer-Signature header of every delivery. Coffer shows it only here.
	Secret string `json:"secret"`
}

// CreateWebhookRequest is the body of POST /v1/webhooks.
type CreateWebhookRequest struct {
	// URL is required: an http:// or https:// URL of at most 2048 bytes with a host, without a
	// user, password or fragment.
	URL string `json:"url"`
	// Events are the event types to send, each once; empty for every type.
	Events []string `json:"events,omitempty"`
	// Description is an optional note for people: at most 256 bytes of printable text.
	Description string `json:"description,omitempty"`
}

// UpdateWebhookRequest is the body of PATCH /v1/webhooks/{id}: the fields to change, at least
// one. A nil field stays as it is.
type UpdateWebhookRequest struct {
	// URL replaces the URL; a new one starts the retry schedule afresh.
	URL *string `json:"url,omitempty"`
	// Events replaces the event types; an empty list sends every type.
	Events *[]string `json:"events,omitempty"`
	// Description replaces the description; "" clears it.
	Description *string `json:"description,omitempty"`
	// Status is active or disabled. Active resumes a disabled or dead endpoint where it
	// stopped: a dead one at the event that failed, with a fresh schedule.
	Status *string `json:"status,omitempty"`
}

// RotateWebhookSecretRequest is the body of POST /v1/webhooks/{id}/rotate-secret.
type RotateWebhookSecretRequest struct {
	// Grace is how long the old secret keeps signing deliveries beside the new one, a Go
	// duration ("24h", "90m") of at most 720h; empty for 24h; "0s" drops the old secret at once.
	Grace string `json:"grace,omitempty"`
}

// ReplayWebhookRequest is the body of POST /v1/webhooks/{id}/replay.
type ReplayWebhookRequest struct {
	// After is required: the relay delivers the endpoint's events again from the one after this
	// seq, in order (0 for every event from the first).
	After uint64 `json:"after"`
}

// WebhooksQuery pages GET /v1/webhooks.
type WebhooksQuery struct {
	// Cursor is a NextCursor of the page before; empty for the first page.
	Cursor string
	// Limit is the most endpoints on the page; 0 is the server's default.
	Limit int
}

// WebhookPage is one page of GET /v1/webhooks, oldest first.
type WebhookPage struct {
	// Webhooks are the page's endpoints, without secrets.
	Webhooks []Webhook `json:"webhooks"`
	// HasMore says whether more follow this page.
	HasMore bool `json:"has_more"`
	// NextCursor is the Cursor of the next page, set only when HasMore.
	NextCursor string `json:"next_cursor,omitempty"`
}

// WebhookAttempt is one POST of one event to an endpoint, as it went.
type WebhookAttempt struct {
	// ID grows with each attempt recorded: a later attempt has a greater ID.
	ID uint64 `json:"id"`
	// EventID is the id of the event sent, "evt_" and its seq.
	EventID string `json:"event_id"`
	// Seq is the event's seq.
	Seq uint64 `json:"seq"`
	// Attempt counts the attempts at the event: 1 for the first, on through its failures.
	Attempt int `json:"attempt"`
	// At is when the attempt started.
	At Time `json:"at"`
	// LatencyMs is how long the endpoint took to answer, in milliseconds with microseconds as
	// decimals: a measure for people, not money.
	LatencyMs float64 `json:"latency_ms"`
	// Status is the HTTP status the endpoint answered; 0 when it did not answer.
	Status int `json:"status"`
	// Error says why the attempt failed; empty when it was delivered.
	Error string `json:"error"`
	// Response is the first KiB of the answer's body.
	Response string `json:"response"`
	// Outcome is delivered (a 2xx within the timeout), failed (another attempt follows) or dead
	// (failed, and the last of the schedule: the endpoint was dead-lettered).
	Outcome string `json:"outcome"`
	// Redelivery marks an operator's redelivery of one event, outside the endpoint's order.
	Redelivery bool `json:"redelivery"`
}

// WebhookDeliveriesQuery selects and pages GET /v1/webhooks/{id}/deliveries.
type WebhookDeliveriesQuery struct {
	// EventID selects only the attempts at this event, if set.
	EventID string
	// Cursor is a NextCursor of the page before; empty for the first page.
	Cursor string
	// Limit is the most attempts on the page; 0 is the server's default.
	Limit int
}

// WebhookAttemptPage is one page of GET /v1/webhooks/{id}/deliveries, newest first.
type WebhookAttemptPage struct {
	// Attempts are the page's attempts.
	Attempts []WebhookAttempt `json:"attempts"`
	// HasMore says whether more (older) attempts follow this page.
	HasMore bool `json:"has_more"`
	// NextCursor is the Cursor of the next page, set only when HasMore.
	NextCursor string `json:"next_cursor,omitempty"`
}

// CreateWebhook creates a webhook endpoint (admin only) and returns it with its signing secret,
// shown this once. The relay sends it the events committed after its creation.
func (c *Client) CreateWebhook(ctx context.Context, req CreateWebhookRequest) (*CreatedWebhook, error) {
	return call[CreatedWebhook](ctx, c, http.MethodPost, "/v1/webhooks", nil, req)
}

// Webhooks lists a page of the webhook endpoints (admin only), oldest first, without secrets.
func (c *Client) Webhooks(ctx context.Context, q WebhooksQuery) (*WebhookPage, error) {
	return call[WebhookPage](ctx, c, http.MethodGet, "/v1/webhooks", pageQuery(url.Values{}, q.Cursor, q.Limit), nil)
}

// Webhook returns a webhook endpoint (admin only), without its secret.
func (c *Client) Webhook(ctx context.Context, id string) (*Webhook, error) {
	return call[Webhook](ctx, c, http.MethodGet, "/v1/webhooks/"+pathID(id), nil, nil)
}

// UpdateWebhook changes the fields of a webhook endpoint that req sets (admin only) and returns
// the endpoint.
func (c *Client) UpdateWebhook(ctx context.Context, id string, req UpdateWebhookRequest) (*Webhook, error) {
	if req.Events != nil && *req.Events == nil {
		// A nil list would be sent as null, which the server refuses: it means every type.
		req.Events = &[]string{}
	}
	return call[Webhook](ctx, c, http.MethodPatch, "/v1/webhooks/"+pathID(id), nil, req)
}

// DeleteWebhook removes a webhook endpoint with its recorded attempts (admin only) and returns it
// as it was last read.
func (c *Client) DeleteWebhook(ctx context.Context, id string) (*Webhook, error) {
	return call[Webhook](ctx, c, http.MethodDelete, "/v1/webhooks/"+pathID(id), nil, nil)
}

// RotateWebhookSecret gives a webhook endpoint a new secret (admin only) and returns it, shown
// this once. The old secret keeps signing deliveries beside the new one for the request's grace.
func (c *Client) RotateWebhookSecret(ctx context.Context, id string, req RotateWebhookSecretRequest) (*CreatedWebhook, error) {
	return call[CreatedWebhook](ctx, c, http.MethodPost, "/v1/webhooks/"+pathID(id)+"/rotate-secret", nil, req)
}

// ReplayWebhook makes the relay deliver a webhook endpoint's events again from the one after
// req.After, in order, and activates the endpoint (admin only).
func (c *Client) ReplayWebhook(ctx context.Context, id string, req ReplayWebhookRequest) (*Webhook, error) {
	return call[Webhook](ctx, c, http.MethodPost, "/v1/webhooks/"+pathID(id)+"/replay", nil, req)
}

// WebhookDeliveries lists a page of the attempts to deliver to a webhook endpoint (admin only),
// newest first.
func (c *Client) WebhookDeliveries(ctx context.Context, id string, q WebhookDeliveriesQuery) (*WebhookAttemptPage, error) {
	v := url.Values{}
	setIf(v, "event_id", q.EventID)
	return call[WebhookAttemptPage](ctx, c, http.MethodGet, "/v1/webhooks/"+pathID(id)+"/deliveries", pageQuery(v, q.Cursor, q.Limit), nil)
}

// RedeliverWebhook sends one event to a webhook endpoint again, now, outside its order (admin
// only), and returns the attempt as recorded: a failed one too, since the redelivery was made.
// It moves neither the endpoint's cursor nor its schedule.
func (c *Client) RedeliverWebhook(ctx context.Context, id, eventID string) (*WebhookAttempt, error) {
	return call[WebhookAttempt](ctx, c, http.MethodPost, "/v1/webhooks/"+pathID(id)+"/deliveries/"+pathID(eventID)+"/redeliver", nil, nil)
}
