package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
)

var _ coffer.StatementImportStore = (*Store)(nil)

// statementRowsPerTx is how many rows of a bulk insert share one transaction: enough that the
// commits cost little, few enough that the ledger's writes wait on the one write connection
// for milliseconds, not seconds.
const statementRowsPerTx = 5000

const (
	importColumns = `id, account_id, asset, format, content_hash, period_from, period_to, window_us, status, lines,
		lines_read, matched, exceptions, error, created_by, created_at, updated_at, finished_at`
	exceptionColumns = `import_id, seq, kind, line, transfer_id, amount, direction, date, reason, candidate,
		resolution, matched_line, matched_transfer, adjustment_id, note, resolved_by, resolved_at`
)

func scanImport(r row) (coffer.StatementImport, error) {
	var (
		x                                  coffer.StatementImport
		from, to, window, created, updated int64
		finished                           sql.NullInt64
	)
	if err := r.Scan(&x.ID, &x.AccountID, &x.Asset, &x.Format, &x.ContentHash, &from, &to, &window, &x.Status, &x.Lines,
		&x.LinesRead, &x.Matched, &x.Exceptions, &x.Error, &x.CreatedBy, &created, &updated, &finished); err != nil {
		return coffer.StatementImport{}, err
	}
	x.From, x.To, x.Window = fromMicro(from), fromMicro(to), time.Duration(window)*time.Microsecond
	x.CreatedAt, x.UpdatedAt, x.FinishedAt = fromMicro(created), fromMicro(updated), fromNullMicro(finished)
	return x, nil
}

func importArgs(x coffer.StatementImport) []any {
	return []any{x.ID, x.AccountID, x.Asset, x.Format, x.ContentHash, micro(x.From), micro(x.To), x.Window.Microseconds(),
		string(x.Status), x.Lines, x.LinesRead, x.Matched, x.Exceptions, x.Error, x.CreatedBy, micro(x.CreatedAt),
		micro(x.UpdatedAt), nullMicro(x.FinishedAt)}
}

// PutStatementImport inserts imp unless its id is taken, and returns the stored one.
func (s *Store) PutStatementImport(ctx context.Context, imp coffer.StatementImport) (coffer.StatementImport, bool, error) {
	got, err := scanImport(s.write.QueryRowContext(ctx, `INSERT INTO statement_imports (`+importColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING RETURNING `+importColumns, importArgs(imp)...))
	if err == nil {
		return got, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return coffer.StatementImport{}, false, fmt.Errorf("put statement import %s: %w", imp.ID, retryable(err))
	}
	got, err = s.StatementImport(ctx, imp.ID)
	return got, false, err
}

// StatementImport returns the import with id, or ENOTFOUND.
func (s *Store) StatementImport(ctx context.Context, id string) (coffer.StatementImport, error) {
	x, err := scanImport(s.read.QueryRowContext(ctx, `SELECT `+importColumns+` FROM statement_imports WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.StatementImport{}, coffer.Errorf(coffer.ENOTFOUND, "statement import %q not found", id)
	}
	if err != nil {
		return coffer.StatementImport{}, fmt.Errorf("read statement import %s: %w", id, err)
	}
	return x, nil
}

// UpdateStatementImport writes an import's status and progress.
func (s *Store) UpdateStatementImport(ctx context.Context, x coffer.StatementImport) error {
	res, err := s.write.ExecContext(ctx, `UPDATE statement_imports SET status = ?, lines_read = ?, matched = ?, exceptions = ?,
		error = ?, updated_at = ?, finished_at = ? WHERE id = ?`, string(x.Status), x.LinesRead, x.Matched, x.Exceptions,
		x.Error, micro(x.UpdatedAt), nullMicro(x.FinishedAt), x.ID)
	if err != nil {
		return fmt.Errorf("update statement import %s: %w", x.ID, retryable(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return coffer.Errorf(coffer.ENOTFOUND, "statement import %q not found", x.ID)
	}
	return nil
}

// RestartStatementImport empties an import and writes x over it, if it is unchanged since was.
func (s *Store) RestartStatementImport(ctx context.Context, x coffer.StatementImport, was time.Time) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("restart statement import %s: %w", x.ID, retryable(err))
	}
	defer tx.Rollback()
	args := append(importArgs(x)[1:], x.ID, micro(was))
	res, err := tx.ExecContext(ctx, `UPDATE statement_imports SET account_id = ?, asset = ?, format = ?, content_hash = ?,
		period_from = ?, period_to = ?, window_us = ?, status = ?, lines = ?, lines_read = ?, matched = ?, exceptions = ?,
		error = ?, created_by = ?, created_at = ?, updated_at = ?, finished_at = ? WHERE id = ? AND updated_at = ?`, args...)
	if err != nil {
		return fmt.Errorf("restart statement import %s: %w", x.ID, retryable(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return coffer.Errorf(coffer.ECONFLICT, "statement import %q changed while it was being restarted", x.ID)
	}
	for _, table := range []string{"statement_lines", "statement_matches", "statement_exceptions"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE import_id = ?`, x.ID); err != nil {
			return fmt.Errorf("restart statement import %s: %w", x.ID, retryable(err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("restart statement import %s: %w", x.ID, retryable(err))
	}
	return nil
}

// rowsPerInsert is how many rows one INSERT statement carries: a statement per row would cost
// a round through database/sql for each.
const rowsPerInsert = 100

// insertRows inserts n rows into table (columns cols), statementRowsPerTx to a transaction.
func (s *Store) insertRows(ctx context.Context, table, cols string, width, n int, args func(i int) []any) error {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	full := `INSERT INTO ` + table + ` (` + cols + `) VALUES ` + strings.TrimSuffix(strings.Repeat(one+", ", rowsPerInsert), ", ")
	for start := 0; start < n; start += statementRowsPerTx {
		if err := s.insertChunk(ctx, table, cols, one, full, start, min(n, start+statementRowsPerTx), args); err != nil {
			return fmt.Errorf("insert %s: %w", table, retryable(err))
		}
	}
	return nil
}

func (s *Store) insertChunk(ctx context.Context, table, cols, one, full string, from, to int, args func(i int) []any) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, full)
	if err != nil {
		return err
	}
	defer st.Close()
	var vals []any
	for i := from; i < to; i += rowsPerInsert {
		vals = vals[:0]
		end := min(to, i+rowsPerInsert)
		for j := i; j < end; j++ {
			vals = append(vals, args(j)...)
		}
		if end-i == rowsPerInsert {
			_, err = st.ExecContext(ctx, vals...)
		} else {
			q := `INSERT INTO ` + table + ` (` + cols + `) VALUES ` + strings.TrimSuffix(strings.Repeat(one+", ", end-i), ", ")
			_, err = tx.ExecContext(ctx, q, vals...)
		}
		if err != nil {
			return err
		}
	}
	return tx.Commit()
}

// AddStatementLines inserts lines.
func (s *Store) AddStatementLines(ctx context.Context, lines []coffer.StatementLine) error {
	return s.insertRows(ctx, "statement_lines", `import_id, line, date, day, amount, direction, reference, description`, 8,
		len(lines), func(i int) []any {
			l := &lines[i]
			return []any{l.ImportID, l.Line, micro(l.Date), l.Day, l.Amount.String(), string(l.Direction), l.Reference, l.Description}
		})
}

// AddStatementMatches inserts matches.
func (s *Store) AddStatementMatches(ctx context.Context, matches []coffer.StatementMatch) error {
	return s.insertRows(ctx, "statement_matches", `import_id, line, transfer_id, rule, matched_by, matched_at`, 6,
		len(matches), func(i int) []any {
			m := &matches[i]
			return []any{m.ImportID, m.Line, m.TransferID, string(m.Rule), m.By, micro(m.At)}
		})
}

func exceptionArgs(e *coffer.StatementException) []any {
	return []any{e.ImportID, e.Seq, string(e.Kind), e.Line, e.TransferID, e.Amount.String(), string(e.Direction),
		micro(e.Date), e.Reason, e.Candidate, string(e.Resolution), e.MatchedLine, e.MatchedTransfer, e.AdjustmentID,
		e.Note, e.ResolvedBy, nullMicro(e.ResolvedAt)}
}

// AddStatementExceptions inserts exceptions.
func (s *Store) AddStatementExceptions(ctx context.Context, exceptions []coffer.StatementException) error {
	return s.insertRows(ctx, "statement_exceptions", exceptionColumns, 17, len(exceptions), func(i int) []any {
		return exceptionArgs(&exceptions[i])
	})
}

// StatementLine returns one line of an import.
func (s *Store) StatementLine(ctx context.Context, importID string, line int64) (coffer.StatementLine, error) {
	l := coffer.StatementLine{ImportID: importID, Line: line}
	var date int64
	var amount, direction string
	err := s.read.QueryRowContext(ctx, `SELECT date, day, amount, direction, reference, description FROM statement_lines
		WHERE import_id = ? AND line = ?`, importID, line).Scan(&date, &l.Day, &amount, &direction, &l.Reference, &l.Description)
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.StatementLine{}, coffer.Errorf(coffer.ENOTFOUND, "statement import %q has no line %d", importID, line)
	}
	if err != nil {
		return coffer.StatementLine{}, fmt.Errorf("read statement line %s:%d: %w", importID, line, err)
	}
	l.Date, l.Direction = fromMicro(date), coffer.Side(direction)
	if l.Amount, err = coffer.ParseAmount(amount, 0); err != nil {
		return coffer.StatementLine{}, fmt.Errorf("statement line %s:%d: %w", importID, line, err)
	}
	return l, nil
}

// StatementMatches lists an import's matches by line, then transfer id, after the cursor. The
// index by line holds the key's transfer_id too (a WITHOUT ROWID table's index carries its
// primary key), so the order costs no sort.
func (s *Store) StatementMatches(ctx context.Context, f coffer.StatementMatchFilter) ([]coffer.StatementMatch, error) {
	after, args := "line > ?", []any{f.ImportID, f.AfterLine}
	if f.AfterTransferID != "" {
		after, args = "(line, transfer_id) > (?, ?)", append(args, f.AfterTransferID)
	}
	var out []coffer.StatementMatch
	err := s.list(ctx, `SELECT line, transfer_id, rule, matched_by, matched_at FROM statement_matches
		WHERE import_id = ? AND `+after+` ORDER BY line, transfer_id LIMIT ?`, append(args, pageSize(f.Limit)),
		func(r *sql.Rows) error {
			m := coffer.StatementMatch{ImportID: f.ImportID}
			var at int64
			if err := r.Scan(&m.Line, &m.TransferID, &m.Rule, &m.By, &at); err != nil {
				return err
			}
			m.At = fromMicro(at)
			out = append(out, m)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("list statement matches: %w", err)
	}
	return out, nil
}

// TransferMatched returns the line a transfer is matched to in an import, or 0.
func (s *Store) TransferMatched(ctx context.Context, importID, transferID string) (int64, error) {
	var line int64
	err := s.read.QueryRowContext(ctx, `SELECT line FROM statement_matches WHERE import_id = ? AND transfer_id = ?`,
		importID, transferID).Scan(&line)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read statement match: %w", err)
	}
	return line, nil
}

func scanException(r row) (coffer.StatementException, error) {
	var (
		e                 coffer.StatementException
		amount, direction string
		date              int64
		resolved          sql.NullInt64
	)
	if err := r.Scan(&e.ImportID, &e.Seq, &e.Kind, &e.Line, &e.TransferID, &amount, &direction, &date, &e.Reason,
		&e.Candidate, &e.Resolution, &e.MatchedLine, &e.MatchedTransfer, &e.AdjustmentID, &e.Note, &e.ResolvedBy,
		&resolved); err != nil {
		return coffer.StatementException{}, err
	}
	var err error
	if e.Amount, err = coffer.ParseAmount(amount, 0); err != nil {
		return coffer.StatementException{}, fmt.Errorf("exception %s:%d: %w", e.ImportID, e.Seq, err)
	}
	e.Direction, e.Date, e.ResolvedAt = coffer.Side(direction), fromMicro(date), fromNullMicro(resolved)
	return e, nil
}

// StatementException returns one exception of an import.
func (s *Store) StatementException(ctx context.Context, importID string, seq int64) (coffer.StatementException, error) {
	e, err := scanException(s.read.QueryRowContext(ctx, `SELECT `+exceptionColumns+` FROM statement_exceptions
		WHERE import_id = ? AND seq = ?`, importID, seq))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.StatementException{}, coffer.Errorf(coffer.ENOTFOUND, "statement import %q has no exception %d", importID, seq)
	}
	if err != nil {
		return coffer.StatementException{}, fmt.Errorf("read exception %s:%d: %w", importID, seq, err)
	}
	return e, nil
}

// StatementExceptions lists an import's exceptions in seq order.
func (s *Store) StatementExceptions(ctx context.Context, f coffer.StatementExceptionFilter) ([]coffer.StatementException, error) {
	q := `SELECT ` + exceptionColumns + ` FROM statement_exceptions WHERE import_id = ? AND seq > ?`
	switch f.Status {
	case "open":
		q += ` AND resolution = ''`
	case "resolved":
		q += ` AND resolution <> ''`
	}
	args := []any{f.ImportID, f.AfterSeq}
	if f.Line != 0 {
		q += ` AND kind = 'line' AND line = ?`
		args = append(args, f.Line)
	}
	if f.TransferID != "" {
		q += ` AND kind = 'transfer' AND transfer_id = ?`
		args = append(args, f.TransferID)
	}
	q += ` ORDER BY seq LIMIT ?`
	var out []coffer.StatementException
	err := s.list(ctx, q, append(args, pageSize(f.Limit)), func(r *sql.Rows) error {
		e, err := scanException(r)
		out = append(out, e)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list exceptions: %w", err)
	}
	return out, nil
}

// ResolveStatementExceptions resolves exceptions and inserts matches in one transaction.
func (s *Store) ResolveStatementExceptions(ctx context.Context, resolved []coffer.StatementException, matches []coffer.StatementMatch) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("resolve exceptions: %w", retryable(err))
	}
	defer tx.Rollback()
	for _, e := range resolved {
		res, err := tx.ExecContext(ctx, `UPDATE statement_exceptions SET resolution = ?, matched_line = ?, matched_transfer = ?,
			adjustment_id = ?, note = ?, resolved_by = ?, resolved_at = ? WHERE import_id = ? AND seq = ? AND resolution = ''`,
			string(e.Resolution), e.MatchedLine, e.MatchedTransfer, e.AdjustmentID, e.Note, e.ResolvedBy,
			nullMicro(e.ResolvedAt), e.ImportID, e.Seq)
		if err != nil {
			return fmt.Errorf("resolve exception %s:%d: %w", e.ImportID, e.Seq, retryable(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return coffer.Errorf(coffer.ECONFLICT, "exception %d of %q is resolved already", e.Seq, e.ImportID)
		}
	}
	for _, m := range matches {
		if _, err := tx.ExecContext(ctx, `INSERT INTO statement_matches (import_id, line, transfer_id, rule, matched_by, matched_at)
			VALUES (?, ?, ?, ?, ?, ?)`, m.ImportID, m.Line, m.TransferID, string(m.Rule), m.By, micro(m.At)); err != nil {
			if isConstraint(err) {
				return coffer.Errorf(coffer.ECONFLICT, "transfer %s is matched already in %q", m.TransferID, m.ImportID)
			}
			return fmt.Errorf("match %s: %w", m.TransferID, retryable(err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("resolve exceptions: %w", retryable(err))
	}
	return nil
}
