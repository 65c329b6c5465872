package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cofferhq/coffer"
)

var _ coffer.WebhookStore = (*Store)(nil)

const (
	webhookColumns = `id, url, events, description, status, secret, previous_secret, previous_secret_expires_at,
		revision, replay_after, failures, next_attempt_at, dead_at, dead_reason, created_at, updated_at`
	attemptColumns = `id, webhook, event_id, seq, attempt, at, latency, status, error, response, outcome, redelivery`
)

func scanWebhook(r rowScanner) (coffer.Webhook, error) {
	var w coffer.Webhook
	if err := r.Scan(&w.ID, &w.URL, &w.Events, &w.Description, &w.Status, &w.Secret, &w.PreviousSecret,
		&w.PreviousSecretExpiresAt, &w.Revision, &w.ReplayAfter, &w.Failures, &w.NextAttemptAt, &w.DeadAt,
		&w.DeadReason, &w.CreatedAt, &w.UpdatedAt); err != nil {
		return coffer.Webhook{}, err
	}
	if len(w.Events) == 0 {
		w.Events = nil
	}
	w.PreviousSecretExpiresAt, w.NextAttemptAt, w.DeadAt = utcPtr(w.PreviousSecretExpiresAt), utcPtr(w.NextAttemptAt), utcPtr(w.DeadAt)
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	return w, nil
}

// webhookArgs returns w's columns as bound, in the order of webhookColumns but for id, or
// EINVALID for a seq that a bigint does not hold.
func webhookArgs(w *coffer.Webhook) ([]any, error) {
	if w.ReplayAfter != nil && *w.ReplayAfter > maxInt64 {
		return nil, coffer.Errorf(coffer.EINVALID, "replay after seq %d is out of range", *w.ReplayAfter)
	}
	if w.Revision > maxInt64 {
		return nil, coffer.Errorf(coffer.EINVALID, "revision %d is out of range", w.Revision)
	}
	events := w.Events
	if events == nil {
		events = []string{} // the column holds '{}', never NULL
	}
	return []any{w.URL, events, w.Description, w.Status, w.Secret, w.PreviousSecret, w.PreviousSecretExpiresAt,
		w.Revision, w.ReplayAfter, w.Failures, w.NextAttemptAt, w.DeadAt, w.DeadReason, w.CreatedAt, w.UpdatedAt}, nil
}

func scanAttempt(r rowScanner) (coffer.WebhookAttempt, error) {
	var (
		a        coffer.WebhookAttempt
		latency  int64
		response []byte
	)
	if err := r.Scan(&a.ID, &a.Webhook, &a.EventID, &a.Seq, &a.Attempt, &a.At, &latency, &a.Status, &a.Error, &response,
		&a.Outcome, &a.Redelivery); err != nil {
		return coffer.WebhookAttempt{}, err
	}
	a.At = a.At.UTC()
	a.Latency = time.Duration(latency) * time.Microsecond
	a.Response = string(response)
	return a, nil
}

func webhookNotFound(id string) error {
	return coffer.Errorf(coffer.ENOTFOUND, "webhook %q does not exist", id)
}

// CreateWebhook stores a new endpoint; a taken ID is ECONFLICT.
func (s *Store) CreateWebhook(ctx context.Context, w coffer.Webhook) error {
	args, err := webhookArgs(&w)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO webhooks (`+webhookColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`, append([]any{w.ID}, args...)...)
	if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.Code == codeUniqueViolation {
		return coffer.Errorf(coffer.ECONFLICT, "a webhook with id %q exists", w.ID)
	}
	if err != nil {
		return fmt.Errorf("create webhook %s: %w", w.ID, mapErr(err))
	}
	return nil
}

// Webhook returns the endpoint, or ENOTFOUND.
func (s *Store) Webhook(ctx context.Context, id string) (coffer.Webhook, error) {
	w, err := scanWebhook(s.pool.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`, id))
	if err != nil {
		return coffer.Webhook{}, readErr("read webhook "+id, err, "webhook %q does not exist", id)
	}
	return w, nil
}

// Webhooks returns every endpoint, by ID.
func (s *Store) Webhooks(ctx context.Context) ([]coffer.Webhook, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", mapErr(err))
	}
	ws, err := collect(rows, scanWebhook)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", mapErr(err))
	}
	return ws, nil
}

// UpdateWebhook reads the endpoint FOR UPDATE, lets change edit it and stores the result with
// Revision one up and UpdatedAt now, in one transaction: concurrent changes to one endpoint take
// turns on its row, so none is lost and each gets its own revision. change runs while the row is
// locked, so it must be quick and must not call the Store; it cannot move the endpoint's ID or
// CreatedAt. An error from change is returned as it is and nothing is stored; a missing endpoint
// is ENOTFOUND. The endpoint returned is the row as stored.
func (s *Store) UpdateWebhook(ctx context.Context, id string, change func(*coffer.Webhook) error) (coffer.Webhook, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return coffer.Webhook{}, fmt.Errorf("update webhook %s: begin: %w", id, mapErr(err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	old, err := scanWebhook(tx.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1 FOR UPDATE`, id))
	if err != nil {
		return coffer.Webhook{}, readErr("update webhook "+id, err, "webhook %q does not exist", id)
	}
	w := old
	if err := change(&w); err != nil {
		return coffer.Webhook{}, err
	}
	w.ID, w.CreatedAt = old.ID, old.CreatedAt
	w.Revision = old.Revision + 1
	w.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
	args, err := webhookArgs(&w)
	if err != nil {
		return coffer.Webhook{}, err
	}
	stored, err := scanWebhook(tx.QueryRow(ctx, `UPDATE webhooks SET
			url = $2, events = $3, description = $4, status = $5, secret = $6, previous_secret = $7,
			previous_secret_expires_at = $8, revision = $9, replay_after = $10, failures = $11,
			next_attempt_at = $12, dead_at = $13, dead_reason = $14, created_at = $15, updated_at = $16
		WHERE id = $1 RETURNING `+webhookColumns, append([]any{id}, args...)...))
	if err != nil {
		return coffer.Webhook{}, fmt.Errorf("update webhook %s: %w", id, mapErr(err))
	}
	if err := tx.Commit(ctx); err != nil {
		return coffer.Webhook{}, fmt.Errorf("update webhook %s: commit: %w", id, mapErr(err))
	}
	return stored, nil
}

// DeleteWebhook removes the endpoint with its attempts and its relay cursor, in one
// transaction, or returns ENOTFOUND. The endpoint's row goes first: its lock makes a
// RecordWebhookAttempts in progress finish before the attempts are deleted, and one that comes
// after find no endpoint.
func (s *Store) DeleteWebhook(ctx context.Context, id string) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("delete webhook %s: begin: %w", id, mapErr(err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	tag, err := tx.Exec(ctx, `DELETE FROM webhooks WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete webhook %s: %w", id, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return webhookNotFound(id)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM webhook_attempts WHERE webhook = $1`, id); err != nil {
		return fmt.Errorf("delete webhook %s: attempts: %w", id, mapErr(err))
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sink_cursors WHERE sink = $1`, coffer.WebhookSink(id)); err != nil {
		return fmt.Errorf("delete webhook %s: cursor: %w", id, mapErr(err))
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("delete webhook %s: commit: %w", id, mapErr(err))
	}
	return nil
}

// RecordWebhookAttempts stores attempts and, if state is not nil and the endpoint still has
// revision, its delivery state, in one transaction. Each attempt's ID is set, in attempts, to
// the one it was stored with, and its Webhook to id; an attempt that names another endpoint is
// EINVALID. When the revision has moved the attempts are stored, the state is not, and the error
// is ECONFLICT. A missing endpoint (deleted meanwhile) is ENOTFOUND, and nothing is stored: its
// attempts would outlive it. A dead-lettering state without DeadAt is dead from now.
//
// The endpoint's row is locked first, FOR UPDATE: a DeleteWebhook or UpdateWebhook waits for
// this transaction, so the revision compared is the one the state is stored under and no
// attempt is left behind by a deleted endpoint.
func (s *Store) RecordWebhookAttempts(ctx context.Context, id string, revision uint64, attempts []coffer.WebhookAttempt, state *coffer.WebhookDeliveryState) error {
	for _, a := range attempts {
		if a.Webhook != "" && a.Webhook != id {
			return coffer.Errorf(coffer.EINVALID, "an attempt at webhook %q cannot be recorded as webhook %q's", a.Webhook, id)
		}
		if a.Seq > maxInt64 {
			return coffer.Errorf(coffer.EINVALID, "seq %d is out of range", a.Seq)
		}
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("record webhook %s attempts: begin: %w", id, mapErr(err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var found bool
	if err := tx.QueryRow(ctx, `SELECT true FROM webhooks WHERE id = $1 FOR UPDATE`, id).Scan(&found); err != nil {
		return readErr("record webhook "+id+" attempts", err, "webhook %q does not exist", id)
	}
	ids := make([]uint64, len(attempts))
	b := &pgx.Batch{}
	for i, a := range attempts {
		b.Queue(`INSERT INTO webhook_attempts (webhook, event_id, seq, attempt, at, latency, status, error, response,
			outcome, redelivery) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			id, a.EventID, a.Seq, a.Attempt, a.At, a.Latency.Microseconds(), a.Status, a.Error,
			append([]byte{}, a.Response...), a.Outcome, a.Redelivery,
		).QueryRow(func(r pgx.Row) error { return r.Scan(&ids[i]) })
	}
	stale := false
	if state != nil {
		q := `UPDATE webhooks SET failures = $3, next_attempt_at = $4`
		args := []any{id, revision, state.Failures, state.NextAttemptAt}
		if state.Dead {
			deadAt := time.Now()
			if state.DeadAt != nil {
				deadAt = *state.DeadAt
			}
			q += `, status = $5, dead_at = $6, dead_reason = $7`
			args = append(args, coffer.WebhookDead, deadAt, state.DeadReason)
		}
		b.Queue(q+` WHERE id = $1 AND revision = $2`, args...).Exec(func(tag pgconn.CommandTag) error {
			stale = tag.RowsAffected() == 0
			return nil
		})
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("record webhook %s attempts: %w", id, mapErr(err))
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("record webhook %s attempts: commit: %w", id, mapErr(err))
	}
	for i := range attempts {
		attempts[i].ID, attempts[i].Webhook = ids[i], id
	}
	if stale {
		return coffer.Errorf(coffer.ECONFLICT, "webhook %q changed after revision %d: the attempts are recorded, the delivery state is not", id, revision)
	}
	return nil
}

// ClearWebhookReplay clears the endpoint's ReplayAfter if it is still after, without bumping
// Revision. Nothing to clear is no error.
func (s *Store) ClearWebhookReplay(ctx context.Context, id string, after uint64) error {
	if after > maxInt64 {
		return nil // no replay_after holds it
	}
	_, err := s.pool.Exec(ctx, `UPDATE webhooks SET replay_after = NULL WHERE id = $1 AND replay_after = $2`, id, after)
	if err != nil {
		return fmt.Errorf("clear webhook %s replay: %w", id, mapErr(err))
	}
	return nil
}

// WebhookAttempts returns the endpoint's attempts as the filter selects, newest first: at most
// Limit of them, PageSizeDefault if it is 0. The filter's Webhook is required.
func (s *Store) WebhookAttempts(ctx context.Context, f coffer.WebhookAttemptFilter) ([]coffer.WebhookAttempt, error) {
	if f.Webhook == "" {
		return nil, coffer.Errorf(coffer.EINVALID, "a webhook id is required to list attempts")
	}
	var w where
	w.add("webhook = ?", f.Webhook)
	if f.EventID != "" {
		w.add("event_id = ?", f.EventID)
	}
	if f.Before > 0 {
		w.add("id < ?", min(f.Before, maxInt64))
	}
	q := `SELECT ` + attemptColumns + ` FROM webhook_attempts WHERE ` + w.and() + ` ORDER BY id DESC LIMIT ` + w.arg(pageSize(f.Limit))
	rows, err := s.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list webhook %s attempts: %w", f.Webhook, mapErr(err))
	}
	as, err := collect(rows, scanAttempt)
	if err != nil {
		return nil, fmt.Errorf("list webhook %s attempts: %w", f.Webhook, mapErr(err))
	}
	return as, nil
}
