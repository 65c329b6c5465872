package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cofferhq/coffer"
)

var _ coffer.StatementImportStore = (*Store)(nil)

// statementRowsPerCopy is how many rows of a bulk insert one COPY sends: a statement of a
// million lines goes in a few hundred round trips, none holding a transaction open for long.
const statementRowsPerCopy = 5000

const (
	importColumns = `id, account_id, asset, format, content_hash, period_from, period_to, window_us, status, lines,
		lines_read, matched, exceptions, error, created_by, created_at, updated_at, finished_at`
	exceptionColumns = `import_id, seq, kind, line, transfer_id, amount, direction, date, reason, candidate,
		resolution, matched_line, matched_transfer, adjustment_id, note, resolved_by, resolved_at`
)

func scanImport(r rowScanner) (coffer.StatementImport, error) {
	var x coffer.StatementImport
	var window int64
	err := r.Scan(&x.ID, &x.AccountID, &x.Asset, &x.Format, &x.ContentHash, &x.From, &x.To, &window, &x.Status, &x.Lines,
		&x.LinesRead, &x.Matched, &x.Exceptions, &x.Error, &x.CreatedBy, &x.CreatedAt, &x.UpdatedAt, &x.FinishedAt)
	x.Window = time.Duration(window) * time.Microsecond
	x.From, x.To, x.CreatedAt, x.UpdatedAt, x.FinishedAt = x.From.UTC(), x.To.UTC(), x.CreatedAt.UTC(), x.UpdatedAt.UTC(), utcPtr(x.FinishedAt)
	return x, err
}

func importArgs(x coffer.StatementImport) []any {
	return []any{x.ID, x.AccountID, x.Asset, x.Format, x.ContentHash, x.From.UTC(), x.To.UTC(), x.Window.Microseconds(),
		string(x.Status), x.Lines, x.LinesRead, x.Matched, x.Exceptions, x.Error, x.CreatedBy, x.CreatedAt.UTC(),
		x.UpdatedAt.UTC(), utcPtr(x.FinishedAt)}
}

// PutStatementImport inserts imp unless its id is taken, and returns the stored one.
func (s *Store) PutStatementImport(ctx context.Context, imp coffer.StatementImport) (coffer.StatementImport, bool, error) {
	got, err := scanImport(s.pool.QueryRow(ctx, `INSERT INTO statement_imports (`+importColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
		ON CONFLICT (id) DO NOTHING RETURNING `+importColumns, importArgs(imp)...))
	if err == nil {
		return got, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return coffer.StatementImport{}, false, fmt.Errorf("put statement import %s: %w", imp.ID, mapErr(err))
	}
	got, err = s.StatementImport(ctx, imp.ID)
	return got, false, err
}

// StatementImport returns the import with id, or ENOTFOUND.
func (s *Store) StatementImport(ctx context.Context, id string) (coffer.StatementImport, error) {
	x, err := scanImport(s.pool.QueryRow(ctx, `SELECT `+importColumns+` FROM statement_imports WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return coffer.StatementImport{}, coffer.Errorf(coffer.ENOTFOUND, "statement import %q not found", id)
	}
	if err != nil {
		return coffer.StatementImport{}, fmt.Errorf("read statement import %s: %w", id, mapErr(err))
	}
	return x, nil
}

// UpdateStatementImport writes an import's status and progress.
func (s *Store) UpdateStatementImport(ctx context.Context, x coffer.StatementImport) error {
	tag, err := s.pool.Exec(ctx, `UPDATE statement_imports SET status = $1, lines_read = $2, matched = $3, exceptions = $4,
		error = $5, updated_at = $6, finished_at = $7 WHERE id = $8`, string(x.Status), x.LinesRead, x.Matched, x.Exceptions,
		x.Error, x.UpdatedAt.UTC(), utcPtr(x.FinishedAt), x.ID)
	if err != nil {
		return fmt.Errorf("update statement import %s: %w", x.ID, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return coffer.Errorf(coffer.ENOTFOUND, "statement import %q not found", x.ID)
	}
	return nil
}

// RestartStatementImport empties an import and writes x over it, if it is unchanged since was.
func (s *Store) RestartStatementImport(ctx context.Context, x coffer.StatementImport, was time.Time) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		args := append(importArgs(x)[1:], x.ID, was.UTC())
		tag, err := tx.Exec(ctx, `UPDATE statement_imports SET account_id = $1, asset = $2, format = $3, content_hash = $4,
			period_from = $5, period_to = $6, window_us = $7, status = $8, lines = $9, lines_read = $10, matched = $11,
			exceptions = $12, error = $13, created_by = $14, created_at = $15, updated_at = $16, finished_at = $17
			WHERE id = $18 AND updated_at = $19`, args...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return coffer.Errorf(coffer.ECONFLICT, "statement import %q changed while it was being restarted", x.ID)
		}
		for _, table := range []string{"statement_lines", "statement_matches", "statement_exceptions"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE import_id = $1`, x.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && coffer.ErrorCode(err) == coffer.EINTERNAL {
		return fmt.Errorf("restart statement import %s: %w", x.ID, mapErr(err))
	}
	return err
}

// copyRows sends n rows to table by COPY, statementRowsPerCopy at a time.
func (s *Store) copyRows(ctx context.Context, table string, columns []string, n int, row func(i int) []any) error {
	for start := 0; start < n; start += statementRowsPerCopy {
		end := min(n, start+statementRowsPerCopy)
		if _, err := s.pool.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromSlice(end-start, func(i int) ([]any, error) {
			return row(start + i), nil
		})); err != nil {
			return fmt.Errorf("insert %s: %w", table, mapErr(err))
		}
	}
	return nil
}

// AddStatementLines inserts lines.
func (s *Store) AddStatementLines(ctx context.Context, lines []coffer.StatementLine) error {
	return s.copyRows(ctx, "statement_lines", []string{"import_id", "line", "date", "day", "amount", "direction", "reference",
		"description"}, len(lines), func(i int) []any {
		l := &lines[i]
		return []any{l.ImportID, l.Line, l.Date.UTC(), l.Day, numeric(l.Amount), string(l.Direction), l.Reference, l.Description}
	})
}

// AddStatementMatches inserts matches.
func (s *Store) AddStatementMatches(ctx context.Context, matches []coffer.StatementMatch) error {
	return s.copyRows(ctx, "statement_matches", []string{"import_id", "line", "transfer_id", "rule", "matched_by", "matched_at"},
		len(matches), func(i int) []any {
			m := &matches[i]
			return []any{m.ImportID, m.Line, m.TransferID, string(m.Rule), m.By, m.At.UTC()}
		})
}

// AddStatementExceptions inserts exceptions.
func (s *Store) AddStatementExceptions(ctx context.Context, exceptions []coffer.StatementException) error {
	return s.copyRows(ctx, "statement_exceptions", []string{"import_id", "seq", "kind", "line", "transfer_id", "amount",
		"direction", "date", "reason", "candidate", "resolution", "matched_line", "matched_transfer", "adjustment_id", "note",
		"resolved_by", "resolved_at"}, len(exceptions), func(i int) []any {
		e := &exceptions[i]
		return []any{e.ImportID, e.Seq, string(e.Kind), e.Line, e.TransferID, numeric(e.Amount), string(e.Direction),
			e.Date.UTC(), e.Reason, e.Candidate, string(e.Resolution), e.MatchedLine, e.MatchedTransfer, e.AdjustmentID,
			e.Note, e.ResolvedBy, utcPtr(e.ResolvedAt)}
	})
}

// StatementLine returns one line of an import.
func (s *Store) StatementLine(ctx context.Context, importID string, line int64) (coffer.StatementLine, error) {
	l := coffer.StatementLine{ImportID: importID, Line: line}
	err := s.pool.QueryRow(ctx, `SELECT date, day, amount, direction, reference, description FROM statement_lines
		WHERE import_id = $1 AND line = $2`, importID, line).Scan(&l.Date, &l.Day, (*numeric)(&l.Amount), &l.Direction,
		&l.Reference, &l.Description)
	if errors.Is(err, pgx.ErrNoRows) {
		return coffer.StatementLine{}, coffer.Errorf(coffer.ENOTFOUND, "statement import %q has no line %d", importID, line)
	}
	if err != nil {
		return coffer.StatementLine{}, fmt.Errorf("read statement line %s:%d: %w", importID, line, mapErr(err))
	}
	l.Date = l.Date.UTC()
	return l, nil
}

// StatementMatches lists an import's matches by line, then transfer id, after the cursor.
func (s *Store) StatementMatches(ctx context.Context, f coffer.StatementMatchFilter) ([]coffer.StatementMatch, error) {
	after, args := "line > $2", []any{f.ImportID, f.AfterLine}
	if f.AfterTransferID != "" {
		after, args = "(line, transfer_id) > ($2, $3)", append(args, f.AfterTransferID)
	}
	args = append(args, pageSize(f.Limit))
	rows, err := s.pool.Query(ctx, `SELECT line, transfer_id, rule, matched_by, matched_at FROM statement_matches
		WHERE import_id = $1 AND `+after+` ORDER BY line, transfer_id LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("list statement matches: %w", mapErr(err))
	}
	out, err := collect(rows, func(r rowScanner) (coffer.StatementMatch, error) {
		m := coffer.StatementMatch{ImportID: f.ImportID}
		err := r.Scan(&m.Line, &m.TransferID, &m.Rule, &m.By, &m.At)
		m.At = m.At.UTC()
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("list statement matches: %w", mapErr(err))
	}
	return out, nil
}

// TransferMatched returns the line a transfer is matched to in an import, or 0.
func (s *Store) TransferMatched(ctx context.Context, importID, transferID string) (int64, error) {
	var line int64
	err := s.pool.QueryRow(ctx, `SELECT line FROM statement_matches WHERE import_id = $1 AND transfer_id = $2`,
		importID, transferID).Scan(&line)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read statement match: %w", mapErr(err))
	}
	return line, nil
}

func scanException(r rowScanner) (coffer.StatementException, error) {
	var e coffer.StatementException
	err := r.Scan(&e.ImportID, &e.Seq, &e.Kind, &e.Line, &e.TransferID, (*numeric)(&e.Amount), &e.Direction, &e.Date,
		&e.Reason, &e.Candidate, &e.Resolution, &e.MatchedLine, &e.MatchedTransfer, &e.AdjustmentID, &e.Note, &e.ResolvedBy,
		&e.ResolvedAt)
	e.Date, e.ResolvedAt = e.Date.UTC(), utcPtr(e.ResolvedAt)
	return e, err
}

// StatementException returns one exception of an import.
func (s *Store) StatementException(ctx context.Context, importID string, seq int64) (coffer.StatementException, error) {
	e, err := scanException(s.pool.QueryRow(ctx, `SELECT `+exceptionColumns+` FROM statement_exceptions
		WHERE import_id = $1 AND seq = $2`, importID, seq))
	if errors.Is(err, pgx.ErrNoRows) {
		return coffer.StatementException{}, coffer.Errorf(coffer.ENOTFOUND, "statement import %q has no exception %d", importID, seq)
	}
	if err != nil {
		return coffer.StatementException{}, fmt.Errorf("read exception %s:%d: %w", importID, seq, mapErr(err))
	}
	return e, nil
}

// StatementExceptions lists an import's exceptions in seq order.
func (s *Store) StatementExceptions(ctx context.Context, f coffer.StatementExceptionFilter) ([]coffer.StatementException, error) {
	q := `SELECT ` + exceptionColumns + ` FROM statement_exceptions WHERE import_id = $1 AND seq > $2`
	switch f.Status {
	case "open":
		q += ` AND resolution = ''`
	case "resolved":
		q += ` AND resolution <> ''`
	}
	args := []any{f.ImportID, f.AfterSeq}
	if f.Line != 0 {
		args = append(args, f.Line)
		q += fmt.Sprintf(` AND kind = 'line' AND line = $%d`, len(args))
	}
	if f.TransferID != "" {
		args = append(args, f.TransferID)
		q += fmt.Sprintf(` AND kind = 'transfer' AND transfer_id = $%d`, len(args))
	}
	args = append(args, pageSize(f.Limit))
	rows, err := s.pool.Query(ctx, q+fmt.Sprintf(` ORDER BY seq LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("list exceptions: %w", mapErr(err))
	}
	out, err := collect(rows, scanException)
	if err != nil {
		return nil, fmt.Errorf("list exceptions: %w", mapErr(err))
	}
	return out, nil
}

// ResolveStatementExceptions resolves exceptions and inserts matches in one transaction.
func (s *Store) ResolveStatementExceptions(ctx context.Context, resolved []coffer.StatementException, matches []coffer.StatementMatch) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, e := range resolved {
			tag, err := tx.Exec(ctx, `UPDATE statement_exceptions SET resolution = $1, matched_line = $2, matched_transfer = $3,
				adjustment_id = $4, note = $5, resolved_by = $6, resolved_at = $7
				WHERE import_id = $8 AND seq = $9 AND resolution = ''`, string(e.Resolution), e.MatchedLine, e.MatchedTransfer,
				e.AdjustmentID, e.Note, e.ResolvedBy, utcPtr(e.ResolvedAt), e.ImportID, e.Seq)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return coffer.Errorf(coffer.ECONFLICT, "exception %d of %q is resolved already", e.Seq, e.ImportID)
			}
		}
		for _, m := range matches {
			// ON CONFLICT keeps the transaction usable, so the taken transfer is reported as a
			// conflict rather than as an aborted transaction.
			tag, err := tx.Exec(ctx, `INSERT INTO statement_matches (import_id, line, transfer_id, rule, matched_by, matched_at)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, m.ImportID, m.Line, m.TransferID, string(m.Rule), m.By, m.At.UTC())
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return coffer.Errorf(coffer.ECONFLICT, "transfer %s is matched already in %q", m.TransferID, m.ImportID)
			}
		}
		return nil
	})
	if err != nil && coffer.ErrorCode(err) == coffer.EINTERNAL {
		return fmt.Errorf("resolve exceptions: %w", mapErr(err))
	}
	return err
}
