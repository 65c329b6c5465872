package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/cofferhq/coffer"
)

var _ coffer.ReconciliationStore = (*Store)(nil)

const reconciliationColumns = `id, account_id, asset, period_start, period_end, seq, ledger, external, difference,
	tolerance, status, source, note, fingerprint, created_by, created_at`

func scanReconciliation(r rowScanner) (coffer.Reconciliation, error) {
	var x coffer.Reconciliation
	var seq int64
	err := r.Scan(&x.ID, &x.AccountID, &x.Asset, &x.PeriodStart, &x.PeriodEnd, &seq, (*numeric)(&x.Ledger),
		(*numeric)(&x.External), (*numeric)(&x.Difference), (*numeric)(&x.Tolerance), &x.Status, &x.Source,
		&x.Note, &x.Fingerprint, &x.CreatedBy, &x.CreatedAt)
	x.Seq = uint64(seq)
	x.PeriodStart = utcPtr(x.PeriodStart)
	x.PeriodEnd, x.CreatedAt = x.PeriodEnd.UTC(), x.CreatedAt.UTC()
	return x, err
}

// PutReconciliation inserts r unless its id is taken, and returns the stored one.
func (s *Store) PutReconciliation(ctx context.Context, r coffer.Reconciliation) (coffer.Reconciliation, bool, error) {
	got, err := scanReconciliation(s.pool.QueryRow(ctx, `INSERT INTO reconciliations (`+reconciliationColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		ON CONFLICT (id) DO NOTHING RETURNING `+reconciliationColumns,
		r.ID, r.AccountID, r.Asset, utcPtr(r.PeriodStart), r.PeriodEnd.UTC(), int64(r.Seq), numeric(r.Ledger),
		numeric(r.External), numeric(r.Difference), numeric(r.Tolerance), string(r.Status), r.Source, r.Note,
		r.Fingerprint, r.CreatedBy, r.CreatedAt.UTC()))
	if err == nil {
		return got, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return coffer.Reconciliation{}, false, fmt.Errorf("put reconciliation %s: %w", r.ID, mapErr(err))
	}
	got, err = s.Reconciliation(ctx, r.ID)
	return got, false, err
}

// Reconciliation returns the reconciliation with id, or ENOTFOUND.
func (s *Store) Reconciliation(ctx context.Context, id string) (coffer.Reconciliation, error) {
	r, err := scanReconciliation(s.pool.QueryRow(ctx, `SELECT `+reconciliationColumns+` FROM reconciliations WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return coffer.Reconciliation{}, coffer.Errorf(coffer.ENOTFOUND, "reconciliation %q not found", id)
	}
	if err != nil {
		return coffer.Reconciliation{}, fmt.Errorf("read reconciliation %s: %w", id, mapErr(err))
	}
	return r, nil
}

// Reconciliations lists reconciliations newest first.
func (s *Store) Reconciliations(ctx context.Context, f coffer.ReconciliationFilter) ([]coffer.Reconciliation, error) {
	q := `SELECT ` + reconciliationColumns + ` FROM reconciliations WHERE true`
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.AccountID != "" {
		q += ` AND account_id = ` + arg(f.AccountID)
	}
	if f.Status != "" {
		q += ` AND status = ` + arg(string(f.Status))
	}
	if !f.From.IsZero() {
		q += ` AND period_end >= ` + arg(f.From.UTC())
	}
	if !f.To.IsZero() {
		q += ` AND period_end < ` + arg(f.To.UTC())
	}
	if f.After != nil {
		q += ` AND (created_at, id) < (` + arg(f.After.CreatedAt.UTC()) + `, ` + arg(f.After.ID) + `)`
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ` + arg(pageSize(f.Limit))
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list reconciliations: %w", mapErr(err))
	}
	out, err := collect(rows, scanReconciliation)
	if err != nil {
		return nil, fmt.Errorf("list reconciliations: %w", mapErr(err))
	}
	return out, nil
}
