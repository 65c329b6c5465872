package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/outbox"
)

// The headers of a delivery.
const (
	HeaderEventID   = "Coffer-Event-Id"
	HeaderEventType = "Coffer-Event-Type"
	HeaderEventSeq  = "Coffer-Event-Seq"
	HeaderWebhookID = "Coffer-Webhook-Id"
	HeaderAttempt   = "Coffer-Delivery-Attempt"
	HeaderSignature = "Coffer-Signature"
	userAgent       = "Coffer-Webhooks/1"
)

// recordTimeout bounds the recording of attempts made before a worker was stopped.
const recordTimeout = 5 * time.Second

// Sign returns the Coffer-Signature header of body sent at t: "t=<unix seconds>" and a
// "v1=<hex HMAC-SHA256 of "<t>.<body>">" for each secret, in order.
func Sign(t time.Time, body []byte, secrets ...string) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	var b strings.Builder
	b.WriteString("t=" + ts)
	for _, secret := range secrets {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(ts))
		mac.Write([]byte{'.'})
		mac.Write(body)
		b.WriteString(",v1=" + hex.EncodeToString(mac.Sum(nil)))
	}
	return b.String()
}

// Sinks returns a relay sink for each active endpoint: the relay's Config.Dynamic.
func (s *Service) Sinks(ctx context.Context) ([]outbox.Sink, error) {
	ws, err := s.cfg.Store.Webhooks(ctx)
	if err != nil {
		return nil, err
	}
	var out []outbox.Sink
	for _, w := range ws {
		if w.Status != coffer.WebhookActive {
			continue
		}
		k := &sink{svc: s, w: w, failures: w.Failures}
		if w.NextAttemptAt != nil {
			k.next = *w.NextAttemptAt
		}
		out = append(out, k)
	}
	return out, nil
}

// sink delivers to one endpoint as it was at one revision; the relay replaces it when the
// revision moves.
type sink struct {
	svc      *Service
	w        coffer.Webhook
	failures int       // failed attempts in a row at the event after the cursor
	next     time.Time // when the next attempt is due; zero for at once
}

func (k *sink) Name() string     { return coffer.WebhookSink(k.w.ID) }
func (k *sink) Revision() uint64 { return k.w.Revision }
func (k *sink) Close() error     { return nil }

// Rewind returns the replay the endpoint waits for, if any.
func (k *sink) Rewind() (uint64, bool) {
	if k.w.ReplayAfter == nil {
		return 0, false
	}
	return *k.w.ReplayAfter, true
}

// Rewound records that the relay moved the cursor for the replay.
func (k *sink) Rewound(ctx context.Context) error {
	after, ok := k.Rewind()
	if !ok {
		return nil
	}
	if err := k.svc.cfg.Store.ClearWebhookReplay(ctx, k.w.ID, after); err != nil {
		return err
	}
	k.w.ReplayAfter = nil
	return nil
}

func (k *sink) wants(eventType string) bool {
	return len(k.w.Events) == 0 || slices.Contains(k.w.Events, eventType)
}

// Deliver posts msgs in order, one at a time, until one fails: that one is retried on the
// schedule, and after the schedule's last wait the endpoint is dead-lettered (ErrStop). The
// attempts of a call are recorded together with the endpoint's delivery state.
func (k *sink) Deliver(ctx context.Context, msgs []outbox.Message) (int, error) {
	if !k.next.IsZero() && time.Now().Before(k.next) {
		return 0, &outbox.RetryError{At: k.next, Err: fmt.Errorf("attempt %d is due at %s", k.failures+1, k.next.UTC().Format(time.RFC3339))}
	}
	var attempts []coffer.WebhookAttempt
	n := 0
	for ; n < len(msgs); n++ {
		m := msgs[n]
		if !k.wants(m.Type) {
			continue
		}
		// An attempt under way finishes (within the endpoint's timeout) even when the relay
		// stops this sink, for a change of the endpoint or a shutdown: cut short, the endpoint
		// might have the event while Coffer records no delivery and sends it again.
		a := k.svc.post(context.WithoutCancel(ctx), k.w, m, k.failures+1)
		attempts = append(attempts, a)
		if a.Outcome == coffer.AttemptDelivered {
			k.svc.attempted(a.Outcome)
			k.failures, k.next = 0, time.Time{}
			if ctx.Err() != nil {
				return n + 1, k.record(ctx, attempts, ctx.Err())
			}
			continue
		}
		k.failures++
		if k.failures > len(k.svc.cfg.Schedule) {
			attempts[len(attempts)-1].Outcome = coffer.AttemptDead
			k.svc.attempted(coffer.AttemptDead)
			reason := fmt.Sprintf("%d attempts at %s failed; the last: %s", k.failures, m.ID, a.Error)
			if err := k.recordDead(ctx, attempts, reason); err != nil {
				return n, err
			}
			k.svc.cfg.Logger.Warn("webhook dead-lettered", "webhook", k.w.ID, "event", m.ID, "attempts", k.failures, "last_error", a.Error)
			return n, fmt.Errorf("%w: webhook %s dead-lettered: %s", outbox.ErrStop, k.w.ID, reason)
		}
		k.svc.attempted(a.Outcome)
		k.next = time.Now().Add(k.svc.wait(k.failures))
		err := &outbox.RetryError{At: k.next, Err: fmt.Errorf("webhook %s, %s attempt %d: %s", k.w.ID, m.ID, k.failures, a.Error)}
		return n, k.record(ctx, attempts, err)
	}
	return n, k.record(ctx, attempts, nil)
}

// attempted tells the Attempted hook of an attempt's outcome.
func (s *Service) attempted(outcome string) {
	if s.cfg.Attempted != nil {
		s.cfg.Attempted(outcome)
	}
}

// record stores the attempts and the delivery state and returns err, or the failure to record.
// An operator's change meanwhile (ECONFLICT) stops this sink: the relay starts the new revision.
func (k *sink) record(ctx context.Context, attempts []coffer.WebhookAttempt, err error) error {
	state := &coffer.WebhookDeliveryState{Failures: k.failures}
	if !k.next.IsZero() {
		next := k.next.UTC()
		state.NextAttemptAt = &next
	}
	if len(attempts) == 0 && k.failures == k.w.Failures {
		return err
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if rerr := k.svc.cfg.Store.RecordWebhookAttempts(rctx, k.w.ID, k.w.Revision, attempts, state); rerr != nil {
		if coffer.ErrorCode(rerr) == coffer.ECONFLICT || coffer.ErrorCode(rerr) == coffer.ENOTFOUND {
			return fmt.Errorf("%w: webhook %s changed meanwhile: %v", outbox.ErrStop, k.w.ID, rerr)
		}
		return errors.Join(err, fmt.Errorf("record attempts of webhook %s: %w", k.w.ID, rerr))
	}
	k.w.Failures = k.failures
	return err
}

func (k *sink) recordDead(ctx context.Context, attempts []coffer.WebhookAttempt, reason string) error {
	now := time.Now().UTC().Truncate(time.Microsecond)
	state := &coffer.WebhookDeliveryState{Failures: k.failures, Dead: true, DeadAt: &now, DeadReason: reason}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := k.svc.cfg.Store.RecordWebhookAttempts(rctx, k.w.ID, k.w.Revision, attempts, state); err != nil {
		if coffer.ErrorCode(err) == coffer.ECONFLICT || coffer.ErrorCode(err) == coffer.ENOTFOUND {
			return fmt.Errorf("%w: webhook %s changed meanwhile: %v", outbox.ErrStop, k.w.ID, err)
		}
		return fmt.Errorf("record dead-lettering of webhook %s: %w", k.w.ID, err)
	}
	return nil
}

// wait returns the wait after the nth failed attempt in a row, with jitter.
func (s *Service) wait(n int) time.Duration {
	d := s.cfg.Schedule[n-1]
	if s.cfg.Jitter > 0 && d > 0 {
		spread := float64(d) * s.cfg.Jitter
		d += time.Duration(spread * (2*rand.Float64() - 1))
	}
	return d
}

// post sends one event to the endpoint and returns the attempt as it went.
func (s *Service) post(ctx context.Context, w coffer.Webhook, m outbox.Message, attempt int) coffer.WebhookAttempt {
	start := time.Now()
	a := coffer.WebhookAttempt{Webhook: w.ID, EventID: m.ID, Seq: m.Seq, Attempt: attempt, At: start.UTC().Truncate(time.Microsecond)}
	ctx, span := s.cfg.Tracer.Start(ctx, "webhook.post", trace.WithSpanKind(trace.SpanKindClient))
	defer func() {
		if span.IsRecording() {
			span.SetAttributes(attribute.String("coffer.webhook", w.ID), attribute.String("coffer.event.type", m.Type),
				attribute.Int64("coffer.event.seq", int64(m.Seq)), attribute.Int("coffer.attempt", attempt),
				attribute.String("coffer.outcome", a.Outcome))
			if a.Status != 0 {
				span.SetAttributes(attribute.Int("http.response.status_code", a.Status))
			}
			if a.Outcome != coffer.AttemptDelivered {
				span.SetStatus(codes.Error, a.Error)
			}
		}
		span.End()
	}()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(m.Body))
	if err != nil {
		a.Outcome, a.Error = coffer.AttemptFailed, "the URL cannot be requested: "+err.Error()
		return a
	}
	secrets := []string{w.Secret}
	if w.PreviousSecret != "" && w.PreviousSecretExpiresAt != nil && start.Before(*w.PreviousSecretExpiresAt) {
		secrets = append(secrets, w.PreviousSecret)
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", userAgent)
	h.Set(HeaderEventID, m.ID)
	h.Set(HeaderEventType, m.Type)
	h.Set(HeaderEventSeq, strconv.FormatUint(m.Seq, 10))
	h.Set(HeaderWebhookID, w.ID)
	h.Set(HeaderAttempt, strconv.Itoa(attempt))
	h.Set(HeaderSignature, Sign(start, m.Body, secrets...))
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		a.Latency = time.Since(start)
		a.Outcome, a.Error = coffer.AttemptFailed, describe(ctx, err, s.cfg.Timeout)
		return a
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, ResponseBytesMax))
	// Read a little more so the connection can be reused, then let it go.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	a.Latency = time.Since(start)
	a.Status = resp.StatusCode
	a.Response = cleanText(body)
	switch {
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		a.Outcome, a.Error = coffer.AttemptFailed, fmt.Sprintf("answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	case rerr != nil && ctx.Err() != nil:
		a.Outcome, a.Error = coffer.AttemptFailed, fmt.Sprintf("answered %d but did not finish its answer within %s", resp.StatusCode, s.cfg.Timeout)
	default:
		a.Outcome = coffer.AttemptDelivered
	}
	return a
}

// describe says why a request got no answer, without the URL (which may carry a token).
func describe(ctx context.Context, err error, timeout time.Duration) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("no answer within %s", timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// cleanText makes an answer's bytes storable text: valid UTF-8 without NUL.
func cleanText(b []byte) string {
	return strings.ReplaceAll(strings.ToValidUTF8(string(b), "\uFFFD"), "\x00", "\uFFFD")
}

// Redeliver sends one event to the endpoint again, now, outside its order, and records the
// attempt, whatever the endpoint's status or filter. It does not touch the endpoint's cursor or
// schedule.
func (s *Service) Redeliver(ctx context.Context, id, eventID string) (coffer.WebhookAttempt, error) {
	seq, ok := eventSeq(eventID)
	if !ok {
		return coffer.WebhookAttempt{}, coffer.Invalid("event_id", "event id %q is not an event id such as evt_42", eventID)
	}
	w, err := s.cfg.Store.Webhook(ctx, id)
	if err != nil {
		return coffer.WebhookAttempt{}, err
	}
	es, err := s.cfg.Events.Events(ctx, seq-1, 1)
	if err != nil {
		return coffer.WebhookAttempt{}, err
	}
	if len(es) == 0 || es[0].Seq != seq {
		return coffer.WebhookAttempt{}, coffer.Errorf(coffer.ENOTFOUND, "no event %s", eventID)
	}
	m, err := outbox.NewMessage(es[0])
	if err != nil {
		return coffer.WebhookAttempt{}, err
	}
	attempt := 1
	prev, err := s.cfg.Store.WebhookAttempts(ctx, coffer.WebhookAttemptFilter{Webhook: id, EventID: eventID, Limit: 1})
	if err != nil {
		return coffer.WebhookAttempt{}, err
	}
	if len(prev) > 0 {
		attempt = prev[0].Attempt + 1
	}
	a := s.post(ctx, w, m, attempt)
	if err := ctx.Err(); err != nil {
		return coffer.WebhookAttempt{}, err
	}
	a.Redelivery = true
	s.attempted(a.Outcome)
	recorded := []coffer.WebhookAttempt{a}
	if err := s.cfg.Store.RecordWebhookAttempts(ctx, id, w.Revision, recorded, nil); err != nil {
		return coffer.WebhookAttempt{}, err
	}
	return recorded[0], nil
}

// eventSeq parses "evt_<seq>".
func eventSeq(id string) (uint64, bool) {
	digits, ok := strings.CutPrefix(id, "evt_")
	if !ok || digits == "" || digits[0] == '0' || len(digits) > 20 {
		return 0, false
	}
	seq, err := strconv.ParseUint(digits, 10, 64)
	return seq, err == nil
}
