package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/cofferhq/coffer"
)

var _ coffer.ApprovalStore = (*Store)(nil)

const approvalColumns = `id, kind, request, fingerprint, status, requested_by, requested_at, decided_by, decided_at, reason`

func scanApproval(r rowScanner) (coffer.Approval, error) {
	var a coffer.Approval
	var request string
	err := r.Scan(&a.ID, &a.Kind, &request, &a.Fingerprint, &a.Status, &a.RequestedBy, &a.RequestedAt,
		&a.DecidedBy, &a.DecidedAt, &a.Reason)
	a.Request = []byte(request)
	a.RequestedAt, a.DecidedAt = a.RequestedAt.UTC(), utcPtr(a.DecidedAt)
	return a, err
}

// withEvents runs fn in one write transaction and then writes events, numbered and chained
// as Save numbers them; fn answers whether the events are to be written. Admin changes that
// are not ledger commands (keys, approvals, monitors) are written this way, so that each
// change and its event commit together.
func (s *Store) withEvents(ctx context.Context, events []coffer.Event, fn func(tx pgx.Tx) (bool, error)) error {
	return s.Write(ctx, func(wt coffer.WriteTx) error {
		w := wt.(*writeTx)
		if err := w.begin(ctx); err != nil {
			return err
		}
		write, err := fn(w.tx)
		if err != nil || !write || len(events) == 0 {
			return err
		}
		return w.Save(ctx, &coffer.Changes{Events: events})
	})
}

// RequestApproval stores a and its event unless a.ID is taken.
func (s *Store) RequestApproval(ctx context.Context, a coffer.Approval, e coffer.Event) (coffer.Approval, bool, error) {
	var got coffer.Approval
	created := false
	err := s.withEvents(ctx, []coffer.Event{e}, func(tx pgx.Tx) (bool, error) {
		var err error
		got, err = scanApproval(tx.QueryRow(ctx, `INSERT INTO approvals (`+approvalColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING RETURNING `+approvalColumns,
			a.ID, a.Kind, string(a.Request), a.Fingerprint, string(a.Status), a.RequestedBy, a.RequestedAt.UTC(),
			a.DecidedBy, utcPtr(a.DecidedAt), a.Reason))
		if err == nil {
			created = true
			return true, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return false, mapErr(err)
		}
		got, err = scanApproval(tx.QueryRow(ctx, `SELECT `+approvalColumns+` FROM approvals WHERE id = $1`, a.ID))
		return false, mapErr(err)
	})
	if err != nil {
		return coffer.Approval{}, false, fmt.Errorf("request approval %s: %w", a.ID, mapErr(err))
	}
	return got, created, nil
}

// DecideApproval decides a waiting approval and writes its event.
func (s *Store) DecideApproval(ctx context.Context, a coffer.Approval, e coffer.Event) (coffer.Approval, bool, error) {
	var got coffer.Approval
	decided := false
	err := s.withEvents(ctx, []coffer.Event{e}, func(tx pgx.Tx) (bool, error) {
		var err error
		got, err = scanApproval(tx.QueryRow(ctx, `UPDATE approvals SET status = $1, decided_by = $2, decided_at = $3, reason = $4
			WHERE id = $5 AND status = 'waiting' RETURNING `+approvalColumns,
			string(a.Status), a.DecidedBy, utcPtr(a.DecidedAt), a.Reason, a.ID))
		if err == nil {
			decided = true
			return true, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return false, mapErr(err)
		}
		got, err = scanApproval(tx.QueryRow(ctx, `SELECT `+approvalColumns+` FROM approvals WHERE id = $1`, a.ID))
		if errors.Is(err, pgx.ErrNoRows) {
			return false, coffer.Errorf(coffer.ENOTFOUND, "approval %q not found", a.ID)
		}
		return false, mapErr(err)
	})
	if err != nil {
		if coffer.ErrorCode(err) == coffer.ENOTFOUND {
			return coffer.Approval{}, false, err
		}
		return coffer.Approval{}, false, fmt.Errorf("decide approval %s: %w", a.ID, mapErr(err))
	}
	return got, decided, nil
}

// Approval returns the approval with id, or ENOTFOUND.
func (s *Store) Approval(ctx context.Context, id string) (coffer.Approval, error) {
	a, err := scanApproval(s.pool.QueryRow(ctx, `SELECT `+approvalColumns+` FROM approvals WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return coffer.Approval{}, coffer.Errorf(coffer.ENOTFOUND, "approval %q not found", id)
	}
	if err != nil {
		return coffer.Approval{}, fmt.Errorf("read approval %s: %w", id, mapErr(err))
	}
	return a, nil
}

// Approvals lists approvals, the waiting first, each part newest first.
func (s *Store) Approvals(ctx context.Context, f coffer.ApprovalFilter) ([]coffer.Approval, error) {
	q := `SELECT ` + approvalColumns + ` FROM approvals WHERE true`
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Status != "" {
		q += ` AND status = ` + arg(string(f.Status))
	}
	if c := f.After; c != nil {
		// (status = 'waiting') is true for the waiting, which come first.
		w := arg(c.Waiting)
		at := arg(c.RequestedAt.UTC())
		q += ` AND ((status = 'waiting') < ` + w + ` OR ((status = 'waiting') = ` + w + ` AND
			(requested_at < ` + at + ` OR (requested_at = ` + at + ` AND id < ` + arg(c.ID) + `))))`
	}
	q += ` ORDER BY (status = 'waiting') DESC, requested_at DESC, id DESC LIMIT ` + arg(pageSize(f.Limit))
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list approvals: %w", mapErr(err))
	}
	out, err := collect(rows, scanApproval)
	if err != nil {
		return nil, fmt.Errorf("list approvals: %w", mapErr(err))
	}
	return out, nil
}
