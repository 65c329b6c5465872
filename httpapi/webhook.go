package httpapi

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/webhook"
)

func renderWebhook(w coffer.Webhook) client.Webhook {
	events := w.Events
	if events == nil {
		events = []string{}
	}
	return client.Webhook{ID: w.ID, URL: w.URL, Events: events, Description: w.Description, Status: w.Status,
		Failures: w.Failures, NextAttemptAt: apiTimePtr(w.NextAttemptAt), DeadAt: apiTimePtr(w.DeadAt),
		DeadReason: w.DeadReason, ReplayAfter: w.ReplayAfter, PreviousSecretExpiresAt: apiTimePtr(w.PreviousSecretExpiresAt),
		CreatedAt: apiTime(w.CreatedAt), UpdatedAt: apiTime(w.UpdatedAt)}
}

func renderAttempt(a coffer.WebhookAttempt) client.WebhookAttempt {
	return client.WebhookAttempt{ID: a.ID, EventID: a.EventID, Seq: a.Seq, Attempt: a.Attempt, At: apiTime(a.At),
		LatencyMs: float64(a.Latency.Microseconds()) / 1000, Status: a.Status, Error: a.Error, Response: a.Response,
		Outcome: a.Outcome, Redelivery: a.Redelivery}
}

// webhookService returns the service of the webhook endpoints, or unavailable when the
// server has none (its store keeps no endpoints).
func (s *Server) webhookService() (*webhook.Service, error) {
	if s.cfg.Webhooks == nil {
		return nil, coffer.Errorf(coffer.EUNAVAILABLE, "this server's store keeps no webhook endpoints")
	}
	return s.cfg.Webhooks, nil
}

func (s *Server) createWebhook(r *http.Request) (int, any, error) {
	svc, err := s.webhookService()
	if err != nil {
		return 0, nil, err
	}
	var req client.CreateWebhookRequest
	if err := s.decode(r, &req, false); err != nil {
		return 0, nil, err
	}
	w, err := svc.Create(r.Context(), webhook.Spec{URL: req.URL, Events: req.Events, Description: req.Description})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, client.CreatedWebhook{Webhook: renderWebhook(w), Secret: w.Secret}, nil
}

// listWebhooks pages the endpoints in memory, in the order of their creation: the service reads
// them all, since only an admin creates one and there are few.
func (s *Server) listWebhooks(r *http.Request) (int, any, error) {
	svc, err := s.webhookService()
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	limit, err := pageLimit(q)
	if err != nil {
		return 0, nil, err
	}
	var afterTime time.Time
	var afterID string
	if c := q.Get("cursor"); c != "" {
		if afterTime, afterID, err = decodeTimeCursor(c); err != nil {
			return 0, nil, err
		}
	}
	ws, err := svc.Webhooks(r.Context())
	if err != nil {
		return 0, nil, err
	}
	slices.SortFunc(ws, compareWebhooks)
	if afterID != "" {
		after := coffer.Webhook{ID: afterID, CreatedAt: afterTime}
		start, found := slices.BinarySearchFunc(ws, after, compareWebhooks)
		if found {
			start++
		}
		ws = ws[start:]
	}
	items, more, next, _ := paged(ws, limit, infallible(renderWebhook), func(w coffer.Webhook) string { return timeCursor(w.CreatedAt, w.ID) })
	return http.StatusOK, client.WebhookPage{Webhooks: items, HasMore: more, NextCursor: next}, nil
}

// compareWebhooks orders endpoints by creation, then id.
func compareWebhooks(a, b coffer.Webhook) int {
	return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
}

func (s *Server) getWebhook(r *http.Request) (int, any, error) {
	svc, err := s.webhookService()
	if err != nil {
		return 0, nil, err
	}
	w, err := svc.Webhook(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, renderWebhook(w), nil
}

func (s *Server) updateWebhook(r *http.Request) (int, any, error) {
	svc, err := s.webhookService()
	if err != nil {
		return 0, nil, err
	}
	var req client.UpdateWebhookRequest
	if err := s.decode(r, &req, false); err != nil {
		return 0, nil, err
	}
	if req.URL == nil && req.Events == nil && req.Description == nil && req.Status == nil {
		return 0, nil, errInvalid("the body changes nothing: give at least one of url, events, description and status")
	}
	w, err := svc.Update(r.Context(), r.PathValue("id"),
		webhook.Change{URL: req.URL, Events: req.Events, Description: req.Description, Status: req.Status})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, renderWebhook(w), nil
}

// deleteWebhook answers the endpoint as it was read just before it was removed, as a
// revocation answers the key revoked: every answer of the API is a JSON object.
func (s *Server) deleteWebhook(r *http.Request) (int, any, error) {
	svc, err := s.webhookService()
	if err != nil {
		return 0, nil, err
	}
	id := r.PathValue("id")
	w, err := svc.Webhook(r.Context(), id)
	if err != nil {
		return 0, nil, err
	}
	if err := svc.Delete(r.Context(), id); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, renderWebhook(w), nil
}

func (s *Server) rotateWebhookSecret(r *http.Request) (int, any, error) {
	svc, err := s.webhookService()
	if err != nil {
		return 0, nil, err
	}
	var req client.RotateWebhookSecretRequest
	if err := s.decode(r, &req, true); err != nil {
		return 0, nil, err
	}
	grace, err := parseGrace(req.Grace)
	if err != nil {
		return 0, nil, err
	}
	w, err := svc.RotateSecret(r.Context(), r.PathValue("id"), grace)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, client.CreatedWebhook{Webhook: renderWebhook(w), Secret: w.Secret}, nil
}

// parseGrace reads a rotation's grace: empty is webhook.GraceDefault, "0s" drops the old secret
// at once.
func parseGrace(s string) (time.Duration, error) {
	if s == "" {
		return webhook.GraceDefault, nil
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return 0, coffer.Invalid("grace", "grace %.64q is not a duration such as \"24h\" or \"90m\"", s)
	case d < 0:
		return 0, coffer.Invalid("grace", "grace %.64q must not be negative; 0s drops the old secret at once", s)
	case d > webhook.GraceMax:
		return 0, coffer.Invalid("grace", "grace %.64q is longer than %s, the most allowed", s, durationText(webhook.GraceMax))
	}
	return d, nil
}

// durationText writes a whole number of hours as Go's duration syntax without the trailing
// zeros: "24h", not "24h0m0s".
func durationText(d time.Duration) string {
	return strings.TrimSuffix(d.String(), "0m0s")
}

// replayBody is client.ReplayWebhookRequest as decoded, to tell a missing after from after 0.
type replayBody struct {
	After *uint64 `json:"after"`
}

func (s *Server) replayWebhook(r *http.Request) (int, any, error) {
	svc, err := s.webhookService()
	if err != nil {
		return 0, nil, err
	}
	var req replayBody
	if err := s.decode(r, &req, false); err != nil {
		return 0, nil, err
	}
	if req.After == nil {
		return 0, nil, coffer.Invalid("after", "after is required: the seq after which the events are delivered again, 0 for all")
	}
	w, err := svc.Replay(r.Context(), r.PathValue("id"), *req.After)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, renderWebhook(w), nil
}

// listWebhookDeliveries pages an endpoint's attempts, newest first; the cursor is the last
// attempt's id.
func (s *Server) listWebhookDeliveries(r *http.Request) (int, any, error) {
	svc, err := s.webhookService()
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	f := coffer.WebhookAttemptFilter{Webhook: r.PathValue("id")}
	if id := q.Get("event_id"); id != "" {
		if err := checkEventID("event_id", id); err != nil {
			return 0, nil, err
		}
		f.EventID = id
	}
	limit, err := pageLimit(q)
	if err != nil {
		return 0, nil, err
	}
	f.Limit = fetchLimit(limit)
	if c := q.Get("cursor"); c != "" {
		raw, err := decodeCursor(c)
		if err != nil {
			return 0, nil, err
		}
		if f.Before, err = strconv.ParseUint(raw, 10, 64); err != nil || f.Before == 0 {
			return 0, nil, errCursor()
		}
	}
	as, err := svc.Attempts(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	items, more, next, _ := paged(as, limit, infallible(renderAttempt), func(a coffer.WebhookAttempt) string {
		return encodeCursor(strconv.FormatUint(a.ID, 10))
	})
	return http.StatusOK, client.WebhookAttemptPage{Attempts: items, HasMore: more, NextCursor: next}, nil
}

// redeliverWebhook answers the attempt as recorded, whatever its outcome: the redelivery was
// made, and the attempt says how it went. The service refuses a malformed event id.
func (s *Server) redeliverWebhook(r *http.Request) (int, any, error) {
	svc, err := s.webhookService()
	if err != nil {
		return 0, nil, err
	}
	a, err := svc.Redeliver(r.Context(), r.PathValue("id"), r.PathValue("event_id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, renderAttempt(a), nil
}

// checkEventID checks an event id, "evt_" and the event's seq, exactly as coffer.EventID writes
// it.
func checkEventID(field, id string) error {
	digits, ok := strings.CutPrefix(id, "evt_")
	seq, err := strconv.ParseUint(digits, 10, 64)
	if !ok || err != nil || seq == 0 || coffer.EventID(seq) != id {
		return coffer.Invalid(field, "%s %.64q is not an event id: \"evt_\" and the event's seq, such as \"evt_14\"", field, id)
	}
	return nil
}
