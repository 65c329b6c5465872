package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/cofferhq/coffer"
)

var _ coffer.ReconciliationStore = (*Store)(nil)

const reconciliationColumns = `id, account_id, asset, period_start, period_end, seq, ledger, external, difference,
	tolerance, status, source, note, fingerprint, created_by, created_at`

func scanReconciliation(r row) (coffer.Reconciliation, error) {
	var (
		x                                      coffer.Reconciliation
		start                                  sql.NullInt64
		end, created, seq                      int64
		ledger, external, difference, tolerant string
	)
	if err := r.Scan(&x.ID, &x.AccountID, &x.Asset, &start, &end, &seq, &ledger, &external, &difference,
		&tolerant, &x.Status, &x.Source, &x.Note, &x.Fingerprint, &x.CreatedBy, &created); err != nil {
		return coffer.Reconciliation{}, err
	}
	if start.Valid {
		t := fromMicro(start.Int64)
		x.PeriodStart = &t
	}
	x.PeriodEnd, x.CreatedAt, x.Seq = fromMicro(end), fromMicro(created), uint64(seq)
	for _, a := range []struct {
		s string
		p *coffer.Amount
	}{{ledger, &x.Ledger}, {external, &x.External}, {difference, &x.Difference}, {tolerant, &x.Tolerance}} {
		v, err := coffer.ParseAmount(a.s, 0)
		if err != nil {
			return coffer.Reconciliation{}, fmt.Errorf("reconciliation %s: %w", x.ID, err)
		}
		*a.p = v
	}
	return x, nil
}

// PutReconciliation inserts r unless its id is taken, and returns the stored one.
func (s *Store) PutReconciliation(ctx context.Context, r coffer.Reconciliation) (coffer.Reconciliation, bool, error) {
	var start any
	if r.PeriodStart != nil {
		start = micro(*r.PeriodStart)
	}
	got, err := scanReconciliation(s.write.QueryRowContext(ctx, `INSERT INTO reconciliations (`+reconciliationColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING RETURNING `+reconciliationColumns,
		r.ID, r.AccountID, r.Asset, start, micro(r.PeriodEnd), int64(r.Seq), r.Ledger.String(), r.External.String(),
		r.Difference.String(), r.Tolerance.String(), string(r.Status), r.Source, r.Note, r.Fingerprint, r.CreatedBy,
		micro(r.CreatedAt)))
	if err == nil {
		return got, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return coffer.Reconciliation{}, false, fmt.Errorf("put reconciliation %s: %w", r.ID, retryable(err))
	}
	got, err = s.Reconciliation(ctx, r.ID)
	return got, false, err
}

// Reconciliation returns the reconciliation with id, or ENOTFOUND.
func (s *Store) Reconciliation(ctx context.Context, id string) (coffer.Reconciliation, error) {
	r, err := scanReconciliation(s.read.QueryRowContext(ctx, `SELECT `+reconciliationColumns+` FROM reconciliations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.Reconciliation{}, coffer.Errorf(coffer.ENOTFOUND, "reconciliation %q not found", id)
	}
	if err != nil {
		return coffer.Reconciliation{}, fmt.Errorf("read reconciliation %s: %w", id, err)
	}
	return r, nil
}

// Reconciliations lists reconciliations newest first.
func (s *Store) Reconciliations(ctx context.Context, f coffer.ReconciliationFilter) ([]coffer.Reconciliation, error) {
	q := `SELECT ` + reconciliationColumns + ` FROM reconciliations WHERE 1 = 1`
	var args []any
	if f.AccountID != "" {
		q += ` AND account_id = ?`
		args = append(args, f.AccountID)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	if !f.From.IsZero() {
		q += ` AND period_end >= ?`
		args = append(args, micro(f.From))
	}
	if !f.To.IsZero() {
		q += ` AND period_end < ?`
		args = append(args, micro(f.To))
	}
	if f.After != nil {
		q += ` AND (created_at < ? OR (created_at = ? AND id < ?))`
		args = append(args, micro(f.After.CreatedAt), micro(f.After.CreatedAt), f.After.ID)
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, pageSize(f.Limit))
	var out []coffer.Reconciliation
	err := s.list(ctx, q, args, func(r *sql.Rows) error {
		x, err := scanReconciliation(r)
		out = append(out, x)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list reconciliations: %w", err)
	}
	return out, nil
}
