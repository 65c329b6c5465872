// Package webhook manages the HTTP endpoints Coffer posts its events to and delivers to them as
// sinks of the outbox relay: each event a signed POST, retried on a schedule until the endpoint
// answers 2xx or the schedule runs out and the endpoint is dead-lettered, every attempt recorded.
package webhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/cofferhq/coffer"
)

// Defaults and limits.
const (
	// TimeoutDefault bounds one attempt, from connecting to the end of the answer's headers.
	TimeoutDefault = 10 * time.Second
	// GraceDefault is how long a rotated-out secret still signs deliveries; GraceMax caps it.
	GraceDefault = 24 * time.Hour
	GraceMax     = 30 * 24 * time.Hour
	// URLLengthMax and DescriptionLengthMax cap an endpoint's URL and description.
	URLLengthMax         = 2048
	DescriptionLengthMax = 256
	// ResponseBytesMax is how much of an answer's body an attempt records.
	ResponseBytesMax = 1024
	// JitterDefault spreads each wait of the schedule by up to this fraction either way, so
	// that endpoints failing together do not retry in step.
	JitterDefault = 0.1
)

// ScheduleDefault is the wait after each failed attempt at an event: 12 attempts over nearly 34
// hours, then the endpoint is dead-lettered.
var ScheduleDefault = []time.Duration{
	5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 4 * time.Hour, 6 * time.Hour, 8 * time.Hour, 12 * time.Hour,
}

// Events reads the event stream: Events returns up to limit events with Seq > after, in order;
// LastEventSeq the newest event's seq, 0 when there is none.
type Events interface {
	Events(ctx context.Context, after uint64, limit int) ([]coffer.Event, error)
	LastEventSeq(ctx context.Context) (uint64, error)
}

// Config configures a Service. The zero value of a field means its default.
type Config struct {
	Store  coffer.WebhookStore
	Events Events
	// Timeout bounds each attempt. Default TimeoutDefault.
	Timeout time.Duration
	// Schedule is the wait after each failed attempt at an event; after len(Schedule)+1 failed
	// attempts the endpoint is dead-lettered. Default ScheduleDefault.
	Schedule []time.Duration
	// Jitter spreads each wait by up to this fraction either way; negative for none. Default
	// JitterDefault.
	Jitter float64
	// Client sends the POSTs. Default: a client that follows no redirect (a 3xx is a failure).
	Client *http.Client
	Logger *slog.Logger
	// Changed, if set, is called after every change to an endpoint: the relay's Reload, so that
	// this process's relay sees it at once (another process's sees it at its next reload).
	Changed func()
	// Attempted, if set, is called after each attempt at a delivery with its outcome
	// (coffer.AttemptDelivered, AttemptFailed or AttemptDead): the metrics' hook. It must
	// return at once.
	Attempted func(outcome string)
	// Tracer, if set, makes a span of each attempt (webhook.post), a child of the relay's
	// delivery span. Without it there are none.
	Tracer trace.Tracer
}

// Service is the webhook endpoints' management and delivery.
type Service struct {
	cfg Config
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Timeout <= 0 {
		cfg.Timeout = TimeoutDefault
	}
	if cfg.Schedule == nil {
		cfg.Schedule = ScheduleDefault
	}
	if cfg.Jitter == 0 {
		cfg.Jitter = JitterDefault
	}
	if cfg.Jitter < 0 {
		cfg.Jitter = 0
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Changed == nil {
		cfg.Changed = func() {}
	}
	if cfg.Tracer == nil {
		cfg.Tracer = noop.NewTracerProvider().Tracer("")
	}
	return &Service{cfg: cfg}
}

// Spec is what an operator gives to create an endpoint.
type Spec struct {
	URL         string
	Events      []string // empty for every type
	Description string
}

// Change is an operator's change to an endpoint: nil fields stay as they are.
type Change struct {
	URL         *string
	Events      *[]string
	Description *string
	// Status may be WebhookActive or WebhookDisabled. Active on a dead endpoint resumes it
	// where it stopped, at the event that failed.
	Status *string
}

// Create stores a new active endpoint with a new secret. It is sent the events committed after
// it was created (a replay sends it older ones). The endpoint returned carries the secret: the
// only time it is shown.
func (s *Service) Create(ctx context.Context, sp Spec) (coffer.Webhook, error) {
	if err := checkURL(sp.URL); err != nil {
		return coffer.Webhook{}, err
	}
	events, err := checkEvents(sp.Events)
	if err != nil {
		return coffer.Webhook{}, err
	}
	if err := checkDescription(sp.Description); err != nil {
		return coffer.Webhook{}, err
	}
	last, err := s.cfg.Events.LastEventSeq(ctx)
	if err != nil {
		return coffer.Webhook{}, err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	w := coffer.Webhook{ID: "wh_" + randomHex(12), URL: sp.URL, Events: events, Description: sp.Description,
		Status: coffer.WebhookActive, Secret: newSecret(), Revision: 1, ReplayAfter: &last, CreatedAt: now, UpdatedAt: now}
	if err := s.cfg.Store.CreateWebhook(ctx, w); err != nil {
		return coffer.Webhook{}, err
	}
	s.cfg.Changed()
	return w, nil
}

// Webhook returns the endpoint, or ENOTFOUND.
func (s *Service) Webhook(ctx context.Context, id string) (coffer.Webhook, error) {
	return s.cfg.Store.Webhook(ctx, id)
}

// Webhooks returns every endpoint, by ID.
func (s *Service) Webhooks(ctx context.Context) ([]coffer.Webhook, error) {
	return s.cfg.Store.Webhooks(ctx)
}

// Update applies an operator's change. A new URL starts the schedule afresh.
func (s *Service) Update(ctx context.Context, id string, c Change) (coffer.Webhook, error) {
	if c.URL != nil {
		if err := checkURL(*c.URL); err != nil {
			return coffer.Webhook{}, err
		}
	}
	var events []string
	if c.Events != nil {
		var err error
		if events, err = checkEvents(*c.Events); err != nil {
			return coffer.Webhook{}, err
		}
	}
	if c.Description != nil {
		if err := checkDescription(*c.Description); err != nil {
			return coffer.Webhook{}, err
		}
	}
	if c.Status != nil && *c.Status != coffer.WebhookActive && *c.Status != coffer.WebhookDisabled {
		return coffer.Webhook{}, coffer.Invalid("status", "status %q must be %s or %s", *c.Status, coffer.WebhookActive, coffer.WebhookDisabled)
	}
	w, err := s.cfg.Store.UpdateWebhook(ctx, id, func(w *coffer.Webhook) error {
		if c.URL != nil && *c.URL != w.URL {
			w.URL = *c.URL
			w.Failures, w.NextAttemptAt = 0, nil
		}
		if c.Events != nil {
			w.Events = events
		}
		if c.Description != nil {
			w.Description = *c.Description
		}
		if c.Status != nil {
			if *c.Status == coffer.WebhookActive && w.Status == coffer.WebhookDead {
				resume(w)
			}
			w.Status = *c.Status
		}
		return nil
	})
	if err != nil {
		return coffer.Webhook{}, err
	}
	s.cfg.Changed()
	return w, nil
}

// resume clears what dead-lettering left: the next attempt is a first attempt, at once.
func resume(w *coffer.Webhook) {
	w.Failures, w.NextAttemptAt, w.DeadAt, w.DeadReason = 0, nil, nil, ""
}

// Delete removes the endpoint, its attempts and its cursor.
func (s *Service) Delete(ctx context.Context, id string) error {
	if err := s.cfg.Store.DeleteWebhook(ctx, id); err != nil {
		return err
	}
	s.cfg.Changed()
	return nil
}

// RotateSecret gives the endpoint a new secret; the old one keeps signing deliveries beside it
// for grace, or stops at once with a grace of 0 (a leaked secret). The endpoint returned
// carries the new secret, shown this once.
func (s *Service) RotateSecret(ctx context.Context, id string, grace time.Duration) (coffer.Webhook, error) {
	if grace < 0 || grace > GraceMax {
		return coffer.Webhook{}, coffer.Invalid("grace", "grace %s must be between 0s and %s", grace, GraceMax)
	}
	secret := newSecret()
	w, err := s.cfg.Store.UpdateWebhook(ctx, id, func(w *coffer.Webhook) error {
		w.PreviousSecret, w.PreviousSecretExpiresAt = "", nil
		if grace > 0 {
			until := time.Now().UTC().Add(grace).Truncate(time.Microsecond)
			w.PreviousSecret, w.PreviousSecretExpiresAt = w.Secret, &until
		}
		w.Secret = secret
		return nil
	})
	if err != nil {
		return coffer.Webhook{}, err
	}
	s.cfg.Changed()
	return w, nil
}

// Replay makes the relay deliver the endpoint's events again from the one after seq after,
// in order, and activates the endpoint (a dead one starts its schedule afresh). The relay applies
// it at its next look at the endpoints: at once on this process, within the reload period on
// another.
func (s *Service) Replay(ctx context.Context, id string, after uint64) (coffer.Webhook, error) {
	w, err := s.cfg.Store.UpdateWebhook(ctx, id, func(w *coffer.Webhook) error {
		w.ReplayAfter = &after
		w.Status = coffer.WebhookActive
		resume(w)
		return nil
	})
	if err != nil {
		return coffer.Webhook{}, err
	}
	s.cfg.Changed()
	return w, nil
}

// Attempts returns the endpoint's recorded attempts, newest first. A missing endpoint is
// ENOTFOUND.
func (s *Service) Attempts(ctx context.Context, f coffer.WebhookAttemptFilter) ([]coffer.WebhookAttempt, error) {
	if _, err := s.cfg.Store.Webhook(ctx, f.Webhook); err != nil {
		return nil, err
	}
	return s.cfg.Store.WebhookAttempts(ctx, f)
}

// checkURL accepts an absolute http or https URL with a host and no credentials or fragment.
func checkURL(raw string) error {
	if raw == "" {
		return coffer.Invalid("url", "url is required: the endpoint's http:// or https:// URL")
	}
	if len(raw) > URLLengthMax {
		return coffer.Invalid("url", "url is %d bytes long; at most %d are allowed", len(raw), URLLengthMax)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return coffer.Invalid("url", "url is not a URL: %s", strings.TrimPrefix(err.Error(), "parse "))
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return coffer.Invalid("url", "url must be an http:// or https:// URL, not %q", u.Scheme+":")
	case u.Host == "" || u.Hostname() == "":
		return coffer.Invalid("url", "url has no host")
	case u.User != nil:
		return coffer.Invalid("url", "url must not carry a user or password: receivers check the signature instead")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return coffer.Invalid("url", "url must not have a fragment (#...)")
	}
	if p := u.Port(); p != "" {
		if _, err := net.LookupPort("tcp", p); err != nil || p == "0" {
			return coffer.Invalid("url", "url's port %q is not a port number", p)
		}
	}
	return nil
}

// checkEvents accepts known event types, each once, and returns them sorted.
func checkEvents(types []string) ([]string, error) {
	out := slices.Clone(types)
	for i, t := range types {
		if !slices.Contains(coffer.EventTypes, t) {
			return nil, coffer.Invalid(fmt.Sprintf("events[%d]", i), "%q is not an event type; the types are %s", t, strings.Join(coffer.EventTypes, ", "))
		}
		if slices.Index(types, t) != i {
			return nil, coffer.Invalid(fmt.Sprintf("events[%d]", i), "event type %q is listed twice", t)
		}
	}
	slices.Sort(out)
	return out, nil
}

func checkDescription(d string) error {
	if len(d) > DescriptionLengthMax {
		return coffer.Invalid("description", "description is %d bytes long; at most %d are allowed", len(d), DescriptionLengthMax)
	}
	if strings.ContainsFunc(d, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return coffer.Invalid("description", "description must be printable text on one line")
	}
	return nil
}

// newSecret returns a new signing secret: "whsec_" and 32 random bytes in hex. The whole
// string, prefix included, is the HMAC key.
func newSecret() string { return "whsec_" + randomHex(32) }

// randomHex returns n random bytes in hex. crypto/rand.Read never fails.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
