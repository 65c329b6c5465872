package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/cofferhq/coffer"
)

var _ coffer.WebhookStore = (*Store)(nil)

const (
	webhookColumns = `id, url, events, description, status, secret, previous_secret, previous_secret_expires_at,
		revision, replay_after, failures, next_attempt_at, dead_at, dead_reason, created_at, updated_at`
	attemptColumns = `id, webhook, event_id, seq, attempt, at, latency, status, error, response, outcome, redelivery`
)

func scanWebhook(r row) (coffer.Webhook, error) {
	var (
		w                   coffer.Webhook
		events              string
		expires, next, dead sql.NullInt64
		revision            int64
		replay              sql.NullInt64
		created, updated    int64
	)
	if err := r.Scan(&w.ID, &w.URL, &events, &w.Description, &w.Status, &w.Secret, &w.PreviousSecret, &expires,
		&revision, &replay, &w.Failures, &next, &dead, &w.DeadReason, &created, &updated); err != nil {
		return coffer.Webhook{}, err
	}
	if err := json.Unmarshal([]byte(events), &w.Events); err != nil {
		return coffer.Webhook{}, fmt.Errorf("column events: %w", err)
	}
	if len(w.Events) == 0 {
		w.Events = nil
	}
	w.PreviousSecretExpiresAt = fromNullMicro(expires)
	w.Revision = uint64(revision)
	if replay.Valid {
		after := uint64(replay.Int64)
		w.ReplayAfter = &after
	}
	w.NextAttemptAt, w.DeadAt = fromNullMicro(next), fromNullMicro(dead)
	w.CreatedAt, w.UpdatedAt = fromMicro(created), fromMicro(updated)
	return w, nil
}

// webhookArgs returns w's columns as bound, in the order of webhookColumns but for id.
func webhookArgs(w *coffer.Webhook) ([]any, error) {
	events := "[]"
	if len(w.Events) > 0 {
		b, err := json.Marshal(w.Events)
		if err != nil {
			return nil, err
		}
		events = string(b)
	}
	var replay any
	if w.ReplayAfter != nil {
		replay = int64(*w.ReplayAfter)
	}
	return []any{w.URL, events, w.Description, w.Status, w.Secret, w.PreviousSecret, nullMicro(w.PreviousSecretExpiresAt),
		int64(w.Revision), replay, w.Failures, nullMicro(w.NextAttemptAt), nullMicro(w.DeadAt), w.DeadReason,
		micro(w.CreatedAt), micro(w.UpdatedAt)}, nil
}

func scanAttempt(r row) (coffer.WebhookAttempt, error) {
	var (
		a                    coffer.WebhookAttempt
		id, seq, at, latency int64
		response             []byte
	)
	if err := r.Scan(&id, &a.Webhook, &a.EventID, &seq, &a.Attempt, &at, &latency, &a.Status, &a.Error, &response,
		&a.Outcome, &a.Redelivery); err != nil {
		return coffer.WebhookAttempt{}, err
	}
	a.ID, a.Seq, a.At = uint64(id), uint64(seq), fromMicro(at)
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
		return fmt.Errorf("create webhook %s: %w", w.ID, err)
	}
	_, err = s.write.ExecContext(ctx, `INSERT INTO webhooks (`+webhookColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append([]any{w.ID}, args...)...)
	if isConstraint(err) {
		return coffer.Errorf(coffer.ECONFLICT, "a webhook with id %q exists", w.ID)
	}
	if err != nil {
		return fmt.Errorf("create webhook %s: %w", w.ID, retryable(err))
	}
	return nil
}

// Webhook returns the endpoint, or ENOTFOUND.
func (s *Store) Webhook(ctx context.Context, id string) (coffer.Webhook, error) {
	w, err := scanWebhook(s.read.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.Webhook{}, webhookNotFound(id)
	}
	if err != nil {
		return coffer.Webhook{}, fmt.Errorf("read webhook %s: %w", id, err)
	}
	return w, nil
}

// Webhooks returns every endpoint, by ID.
func (s *Store) Webhooks(ctx context.Context) ([]coffer.Webhook, error) {
	var out []coffer.Webhook
	err := s.list(ctx, `SELECT `+webhookColumns+` FROM webhooks ORDER BY id`, nil, func(r *sql.Rows) error {
		w, err := scanWebhook(r)
		out = append(out, w)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return out, nil
}

// UpdateWebhook reads the endpoint, lets change edit it and stores the result with Revision one
// up and UpdatedAt now, all in one transaction on the write connection: change runs under the
// database's write lock, so it must be quick and must not call the Store. change cannot move
// the endpoint's ID or CreatedAt. An error from change is returned as it is and nothing is
// stored; a missing endpoint is ENOTFOUND. The endpoint returned is the row as stored.
func (s *Store) UpdateWebhook(ctx context.Context, id string, change func(*coffer.Webhook) error) (coffer.Webhook, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return coffer.Webhook{}, fmt.Errorf("update webhook %s: %w", id, retryable(err))
	}
	defer tx.Rollback()
	old, err := scanWebhook(tx.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.Webhook{}, webhookNotFound(id)
	}
	if err != nil {
		return coffer.Webhook{}, fmt.Errorf("update webhook %s: %w", id, retryable(err))
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
		return coffer.Webhook{}, fmt.Errorf("update webhook %s: %w", id, err)
	}
	stored, err := scanWebhook(tx.QueryRowContext(ctx, `UPDATE webhooks SET
			url = ?, events = ?, description = ?, status = ?, secret = ?, previous_secret = ?,
			previous_secret_expires_at = ?, revision = ?, replay_after = ?, failures = ?, next_attempt_at = ?,
			dead_at = ?, dead_reason = ?, created_at = ?, updated_at = ?
		WHERE id = ? RETURNING `+webhookColumns, append(args, id)...))
	if err != nil {
		return coffer.Webhook{}, fmt.Errorf("update webhook %s: %w", id, retryable(err))
	}
	if err := tx.Commit(); err != nil {
		return coffer.Webhook{}, fmt.Errorf("update webhook %s: commit: %w", id, retryable(err))
	}
	return stored, nil
}

// DeleteWebhook removes the endpoint with its attempts and its relay cursor, in one
// transaction, or returns ENOTFOUND.
func (s *Store) DeleteWebhook(ctx context.Context, id string) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete webhook %s: %w", id, retryable(err))
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete webhook %s: %w", id, retryable(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete webhook %s: %w", id, err)
	} else if n == 0 {
		return webhookNotFound(id)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_attempts WHERE webhook = ?`, id); err != nil {
		return fmt.Errorf("delete webhook %s: attempts: %w", id, retryable(err))
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sink_cursors WHERE sink = ?`, coffer.WebhookSink(id)); err != nil {
		return fmt.Errorf("delete webhook %s: cursor: %w", id, retryable(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delete webhook %s: commit: %w", id, retryable(err))
	}
	return nil
}

// RecordWebhookAttempts stores attempts and, if state is not nil and the endpoint still has
// revision, its delivery state, in one transaction. Each attempt's ID is set, in attempts, to
// the one it was stored with, and its Webhook to id; an attempt that names another endpoint is
// EINVALID. When the revision has moved the attempts are stored, the state is not, and the error
// is ECONFLICT. A missing endpoint (deleted meanwhile) is ENOTFOUND, and nothing is stored: its
// attempts would outlive it. A dead-lettering state without DeadAt is dead from now.
func (s *Store) RecordWebhookAttempts(ctx context.Context, id string, revision uint64, attempts []coffer.WebhookAttempt, state *coffer.WebhookDeliveryState) error {
	for _, a := range attempts {
		if a.Webhook != "" && a.Webhook != id {
			return coffer.Errorf(coffer.EINVALID, "an attempt at webhook %q cannot be recorded as webhook %q's", a.Webhook, id)
		}
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record webhook %s attempts: %w", id, retryable(err))
	}
	defer tx.Rollback()
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM webhooks WHERE id = ?)`, id).Scan(&exists); err != nil {
		return fmt.Errorf("record webhook %s attempts: %w", id, retryable(err))
	}
	if !exists {
		return webhookNotFound(id)
	}
	ids := make([]uint64, len(attempts))
	for i, a := range attempts {
		res, err := tx.ExecContext(ctx, `INSERT INTO webhook_attempts (webhook, event_id, seq, attempt, at, latency,
			status, error, response, outcome, redelivery) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, a.EventID, int64(a.Seq), a.Attempt, micro(a.At), a.Latency.Microseconds(), a.Status, a.Error,
			append([]byte{}, a.Response...), a.Outcome, a.Redelivery)
		if err != nil {
			return fmt.Errorf("record webhook %s attempts: %w", id, retryable(err))
		}
		n, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("record webhook %s attempts: %w", id, err)
		}
		ids[i] = uint64(n)
	}
	stale := false
	if state != nil {
		q := `UPDATE webhooks SET failures = ?, next_attempt_at = ?`
		args := []any{state.Failures, nullMicro(state.NextAttemptAt)}
		if state.Dead {
			deadAt := time.Now()
			if state.DeadAt != nil {
				deadAt = *state.DeadAt
			}
			q += `, status = ?, dead_at = ?, dead_reason = ?`
			args = append(args, coffer.WebhookDead, micro(deadAt), state.DeadReason)
		}
		res, err := tx.ExecContext(ctx, q+` WHERE id = ? AND revision = ?`, append(args, id, int64(revision))...)
		if err != nil {
			return fmt.Errorf("record webhook %s delivery state: %w", id, retryable(err))
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("record webhook %s delivery state: %w", id, err)
		}
		stale = n == 0
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record webhook %s attempts: commit: %w", id, retryable(err))
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
	_, err := s.write.ExecContext(ctx, `UPDATE webhooks SET replay_after = NULL WHERE id = ? AND replay_after = ?`,
		id, int64(after))
	if err != nil {
		return fmt.Errorf("clear webhook %s replay: %w", id, retryable(err))
	}
	return nil
}

// WebhookAttempts returns the endpoint's attempts as the filter selects, newest first: at most
// Limit of them, PageSizeDefault if it is 0. The filter's Webhook is required.
func (s *Store) WebhookAttempts(ctx context.Context, f coffer.WebhookAttemptFilter) ([]coffer.WebhookAttempt, error) {
	if f.Webhook == "" {
		return nil, coffer.Errorf(coffer.EINVALID, "a webhook id is required to list attempts")
	}
	q := `SELECT ` + attemptColumns + ` FROM webhook_attempts WHERE webhook = ?`
	args := []any{f.Webhook}
	if f.EventID != "" {
		q += ` AND event_id = ?`
		args = append(args, f.EventID)
	}
	if f.Before > 0 {
		q += ` AND id < ?`
		args = append(args, int64(min(f.Before, math.MaxInt64)))
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, pageSize(f.Limit))
	var out []coffer.WebhookAttempt
	err := s.list(ctx, q, args, func(r *sql.Rows) error {
		a, err := scanAttempt(r)
		out = append(out, a)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list webhook %s attempts: %w", f.Webhook, err)
	}
	return out, nil
}
