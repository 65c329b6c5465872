package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/cofferhq/coffer"
)

func appendOperation(args []any, o *coffer.Operation) []any {
	return append(args, o.ID, o.Kind, o.Fingerprint, string(o.Result), o.ErrCode, o.ErrMessage,
		micro(o.CreatedAt), o.Owner, o.AccountID, o.CounterAccountID, o.Asset, amountArg(o.Amount))
}

func scanOperation(r row) (coffer.Operation, error) {
	var o coffer.Operation
	var result, amount string
	var created int64
	if err := r.Scan(&o.ID, &o.Kind, &o.Fingerprint, &result, &o.ErrCode, &o.ErrMessage, &created,
		&o.Owner, &o.AccountID, &o.CounterAccountID, &o.Asset, &amount); err != nil {
		return coffer.Operation{}, err
	}
	var p amounts
	o.Amount = p.parse("amount", amount)
	if p.err != nil {
		return coffer.Operation{}, fmt.Errorf("operation %s: %w", o.ID, p.err)
	}
	o.Result = rawJSON(result)
	o.CreatedAt = fromMicro(created)
	return o, nil
}

var _ coffer.OperationStore = (*Store)(nil)

// Operation returns the operation recorded under id, or ENOTFOUND.
func (s *Store) Operation(ctx context.Context, id string) (coffer.Operation, error) {
	o, err := scanOperation(s.read.QueryRowContext(ctx, `SELECT `+operationColumns+` FROM operations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.Operation{}, coffer.Errorf(coffer.ENOTFOUND, "operation %q does not exist", id)
	}
	if err != nil {
		return coffer.Operation{}, fmt.Errorf("read operation %s: %w", id, err)
	}
	return o, nil
}

// Operations returns the operations f selects, ordered by (CreatedAt, ID), newest first if
// f.Desc. The literal err_code <> ” lets SQLite use the partial indexes of rejected operations.
func (s *Store) Operations(ctx context.Context, f coffer.OperationFilter) ([]coffer.Operation, error) {
	var where []string
	var args []any
	switch {
	case f.Code != "":
		where, args = append(where, "err_code = ? AND err_code <> ''"), append(args, f.Code)
	case f.Status == coffer.OperationRejected:
		where = append(where, "err_code <> ''")
	}
	if f.Status == coffer.OperationDone {
		where = append(where, "err_code = ''")
	}
	if f.Owner != "" {
		where, args = append(where, "owner = ?"), append(args, f.Owner)
	}
	from := " FROM operations"
	switch {
	case f.AccountID != "" && (f.Code != "" || f.Status == coffer.OperationRejected):
		// An OR of the two columns would walk every rejected operation in time order; the union
		// reads only the account's, by its two partial indexes, and sorts those.
		from = " FROM (SELECT " + operationColumns + " FROM operations WHERE account_id = ? AND err_code <> ''" +
			" UNION SELECT " + operationColumns + " FROM operations WHERE counter_account_id = ? AND err_code <> '')"
		args = append([]any{f.AccountID, f.AccountID}, args...)
	case f.AccountID != "":
		where, args = append(where, "(account_id = ? OR counter_account_id = ?)"), append(args, f.AccountID, f.AccountID)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if !f.From.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, micro(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "created_at < ?"), append(args, micro(f.To))
	}
	if !f.AfterTime.IsZero() {
		cond := "(created_at, id) > (?, ?)"
		if f.Desc {
			cond = "(created_at, id) < (?, ?)"
		}
		where, args = append(where, cond), append(args, micro(f.AfterTime), f.AfterID)
	}
	order := " ORDER BY created_at, id LIMIT ?"
	if f.Desc {
		order = " ORDER BY created_at DESC, id DESC LIMIT ?"
	}
	args = append(args, operationLimit(f.Limit))
	q := `SELECT ` + operationColumns + from + whereClause(where) + order
	var out []coffer.Operation
	err := s.list(ctx, q, args, func(r *sql.Rows) error {
		o, err := scanOperation(r)
		out = append(out, o)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list operations: %w", err)
	}
	return out, nil
}

// operationLimit is the number of rows Operations returns for a requested limit: as pageSize,
// but one more at most, the row that tells a caller whether there is another page.
func operationLimit(limit int) int {
	if limit <= 0 {
		return coffer.PageSizeDefault
	}
	return min(limit, coffer.PageSizeMax+1)
}
