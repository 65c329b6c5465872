package webhook

import (
	"context"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/outbox"
)

// Sinks returns a relay sink for each active endpoint: the relay's Config.Dynamic.
func (s *Service) Sinks(ctx context.Context) ([]outbox.Sink, error) {
	return nil, coffer.Errorf(coffer.EUNAVAILABLE, "webhook delivery is not built yet")
}

// Redeliver sends one event to the endpoint again, now, outside its order, and records the
// attempt. It does not touch the endpoint's cursor or schedule.
func (s *Service) Redeliver(ctx context.Context, id, eventID string) (coffer.WebhookAttempt, error) {
	return coffer.WebhookAttempt{}, coffer.Errorf(coffer.EUNAVAILABLE, "webhook delivery is not built yet")
}
