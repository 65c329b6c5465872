package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/cofferhq/coffer"
)

var _ coffer.ApprovalStore = (*Store)(nil)

const approvalColumns = `id, kind, request, fingerprint, status, requested_by, requested_at, decided_by, decided_at, reason`

func scanApproval(r row) (coffer.Approval, error) {
	var (
		a         coffer.Approval
		request   string
		requested int64
		decided   sql.NullInt64
	)
	if err := r.Scan(&a.ID, &a.Kind, &request, &a.Fingerprint, &a.Status, &a.RequestedBy, &requested,
		&a.DecidedBy, &decided, &a.Reason); err != nil {
		return coffer.Approval{}, err
	}
	a.Request = []byte(request)
	a.RequestedAt, a.DecidedAt = fromMicro(requested), fromNullMicro(decided)
	return a, nil
}

// withEvents runs fn in one write transaction and then writes events, numbered and chained
// as Save numbers them; fn answers whether the events are to be written. Admin changes that
// are not ledger commands (keys, approvals, monitors) are written this way, so that each
// change and its event commit together.
func (s *Store) withEvents(ctx context.Context, events []coffer.Event, fn func(tx *sql.Tx) (bool, error)) error {
	return s.Write(ctx, func(wt coffer.WriteTx) error {
		w := wt.(*writeTx)
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
	err := s.withEvents(ctx, []coffer.Event{e}, func(tx *sql.Tx) (bool, error) {
		var err error
		got, err = scanApproval(tx.QueryRowContext(ctx, `INSERT INTO approvals (`+approvalColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING `+approvalColumns,
			a.ID, a.Kind, string(a.Request), a.Fingerprint, string(a.Status), a.RequestedBy, micro(a.RequestedAt),
			a.DecidedBy, nullMicro(a.DecidedAt), a.Reason))
		if err == nil {
			created = true
			return true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, err
		}
		got, err = scanApproval(tx.QueryRowContext(ctx, `SELECT `+approvalColumns+` FROM approvals WHERE id = ?`, a.ID))
		return false, err
	})
	if err != nil {
		return coffer.Approval{}, false, fmt.Errorf("request approval %s: %w", a.ID, retryable(err))
	}
	return got, created, nil
}

// DecideApproval decides a waiting approval and writes its event.
func (s *Store) DecideApproval(ctx context.Context, a coffer.Approval, e coffer.Event) (coffer.Approval, bool, error) {
	var got coffer.Approval
	decided := false
	err := s.withEvents(ctx, []coffer.Event{e}, func(tx *sql.Tx) (bool, error) {
		var err error
		got, err = scanApproval(tx.QueryRowContext(ctx, `UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?, reason = ?
			WHERE id = ? AND status = ? RETURNING `+approvalColumns,
			string(a.Status), a.DecidedBy, nullMicro(a.DecidedAt), a.Reason, a.ID, string(coffer.ApprovalWaiting)))
		if err == nil {
			decided = true
			return true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, err
		}
		got, err = scanApproval(tx.QueryRowContext(ctx, `SELECT `+approvalColumns+` FROM approvals WHERE id = ?`, a.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return false, coffer.Errorf(coffer.ENOTFOUND, "approval %q not found", a.ID)
		}
		return false, err
	})
	if err != nil {
		if coffer.ErrorCode(err) == coffer.ENOTFOUND {
			return coffer.Approval{}, false, err
		}
		return coffer.Approval{}, false, fmt.Errorf("decide approval %s: %w", a.ID, retryable(err))
	}
	return got, decided, nil
}

// Approval returns the approval with id, or ENOTFOUND.
func (s *Store) Approval(ctx context.Context, id string) (coffer.Approval, error) {
	a, err := scanApproval(s.read.QueryRowContext(ctx, `SELECT `+approvalColumns+` FROM approvals WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.Approval{}, coffer.Errorf(coffer.ENOTFOUND, "approval %q not found", id)
	}
	if err != nil {
		return coffer.Approval{}, fmt.Errorf("read approval %s: %w", id, err)
	}
	return a, nil
}

// Approvals lists approvals, the waiting first, each part newest first.
func (s *Store) Approvals(ctx context.Context, f coffer.ApprovalFilter) ([]coffer.Approval, error) {
	q := `SELECT ` + approvalColumns + ` FROM approvals WHERE 1 = 1`
	var args []any
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	if c := f.After; c != nil {
		// (status = 'waiting') is 1 for the waiting, which come first.
		w := 0
		if c.Waiting {
			w = 1
		}
		q += ` AND ((status = 'waiting') < ? OR ((status = 'waiting') = ? AND
			(requested_at < ? OR (requested_at = ? AND id < ?))))`
		args = append(args, w, w, micro(c.RequestedAt), micro(c.RequestedAt), c.ID)
	}
	q += ` ORDER BY (status = 'waiting') DESC, requested_at DESC, id DESC LIMIT ?`
	args = append(args, pageSize(f.Limit))
	var out []coffer.Approval
	err := s.list(ctx, q, args, func(r *sql.Rows) error {
		a, err := scanApproval(r)
		out = append(out, a)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list approvals: %w", err)
	}
	return out, nil
}
