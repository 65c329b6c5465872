package client

import (
	"context"
	"encoding/json"
	"net/http"
)

// Duty is one background duty (the relay, hold expiry) and the process that runs it: every
// process of a fleet competes for a lease per duty, and one holds it at a time.
type Duty struct {
	// Name is the duty: "relay", "expiry", or "watch:<chain>" for a chain's watcher.
	Name string `json:"name"`
	// Held says whether a process holds the duty now: it has a holder and its lease has not
	// expired.
	Held bool `json:"held"`
	// Holder names the process (host/pid/random) that holds or last held the duty; empty once
	// it let go on a clean stop.
	Holder string `json:"holder"`
	// Token counts the times the duty changed hands: writes of an older holder are refused.
	Token uint64 `json:"token"`
	// Since is when the holder took the duty.
	Since Time `json:"since"`
	// RenewedAt is the holder's last renewal.
	RenewedAt Time `json:"renewed_at"`
	// ExpiresAt is when the lease lapses unless renewed: another process may then take it.
	ExpiresAt Time `json:"expires_at"`
	// Progress is the holder's account of its work: for the relay each sink's cursor, for
	// expiry its last pass and how many transfers it expired, for a chain's watcher its cursor,
	// the node's head, the time of its last pass and its last error (GET /v1/chains reads it).
	Progress json.RawMessage `json:"progress,omitempty"`
}

// DutyList is the answer to GET /v1/duties.
type DutyList struct {
	// Duties are the duties by name.
	Duties []Duty `json:"duties"`
}

// Duties lists the background duties and who runs them.
func (c *Client) Duties(ctx context.Context) (*DutyList, error) {
	return call[DutyList](ctx, c, http.MethodGet, "/v1/duties", nil, nil)
}

// Sink is one destination of the event relay and how far behind it is.
type Sink struct {
	// Name identifies the sink: "amqp:...", "nats:...", "kafka:...", "webhook:wh_...".
	Name string `json:"name"`
	// Cursor is the seq of the last event the sink acknowledged.
	Cursor uint64 `json:"cursor"`
	// LastSeq is the newest event's seq.
	LastSeq uint64 `json:"last_seq"`
	// Behind counts the events committed but not yet acknowledged by the sink.
	Behind uint64 `json:"behind"`
	// OldestUndeliveredAt is when the first undelivered event committed; absent when the sink
	// has caught up.
	OldestUndeliveredAt *Time `json:"oldest_undelivered_at,omitempty"`
	// LagSeconds is the age of the oldest undelivered event, 0 when the sink has caught up: a
	// measure for people and alerts, not money.
	LagSeconds float64 `json:"lag_seconds"`
	// UpdatedAt is when the cursor last moved.
	UpdatedAt *Time `json:"updated_at,omitempty"`
	// LastError is the last delivery error the answering process saw, if it runs the relay.
	LastError string `json:"last_error,omitempty"`
	// LastErrorAt is when LastError happened.
	LastErrorAt *Time `json:"last_error_at,omitempty"`
	// NextAttemptAt is when the relay tries the sink again after LastError.
	NextAttemptAt *Time `json:"next_attempt_at,omitempty"`
	// Stopped says whether the sink stopped taking deliveries (a dead-lettered webhook).
	Stopped bool `json:"stopped,omitempty"`
}

// SinkList is the answer to GET /v1/sinks.
type SinkList struct {
	// Sinks are the sinks by name.
	Sinks []Sink `json:"sinks"`
}

// Sinks lists the relay's sinks and their lag.
func (c *Client) Sinks(ctx context.Context) (*SinkList, error) {
	return call[SinkList](ctx, c, http.MethodGet, "/v1/sinks", nil, nil)
}
