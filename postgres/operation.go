package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cofferhq/coffer"
)

const operationColumns = `id, kind, fingerprint, result, err_code, err_message, created_at, owner, account_id,
	counter_account_id, asset, amount`

func scanOperation(r rowScanner) (coffer.Operation, error) {
	var (
		o      coffer.Operation
		result []byte
	)
	if err := r.Scan(&o.ID, &o.Kind, &o.Fingerprint, &result, &o.ErrCode, &o.ErrMessage, &o.CreatedAt,
		&o.Owner, &o.AccountID, &o.CounterAccountID, &o.Asset, (*numeric)(&o.Amount)); err != nil {
		return coffer.Operation{}, err
	}
	if result != nil {
		o.Result = json.RawMessage(result)
	}
	o.CreatedAt = o.CreatedAt.UTC()
	return o, nil
}

var _ coffer.OperationStore = (*Store)(nil)

// Operation returns the operation recorded under id, or ENOTFOUND.
func (s *Store) Operation(ctx context.Context, id string) (coffer.Operation, error) {
	o, err := scanOperation(s.pool.QueryRow(ctx, `SELECT `+operationColumns+` FROM operations WHERE id = $1`, id))
	if err != nil {
		return coffer.Operation{}, readErr("read operation", err, "operation %q does not exist", id)
	}
	return o, nil
}

// Operations returns the operations f selects, in (CreatedAt, ID) order. The literal
// err_code <> ” lets the planner use the partial indexes of rejected operations.
func (s *Store) Operations(ctx context.Context, f coffer.OperationFilter) ([]coffer.Operation, error) {
	var w where
	switch {
	case f.Code != "":
		w.add("err_code = ? AND err_code <> ''", f.Code)
	case f.Status == coffer.OperationRejected:
		w.conds = append(w.conds, "err_code <> ''")
	}
	if f.Status == coffer.OperationDone {
		w.conds = append(w.conds, "err_code = ''")
	}
	if f.Owner != "" {
		w.add("owner = ?", f.Owner)
	}
	if f.AccountID != "" {
		w.add("(account_id = ? OR counter_account_id = ?)", f.AccountID)
	}
	if f.Kind != "" {
		w.add("kind = ?", f.Kind)
	}
	if !f.From.IsZero() {
		w.add("created_at >= ?", f.From)
	}
	if !f.To.IsZero() {
		w.add("created_at < ?", f.To)
	}
	order, after := "created_at, id", ">"
	if f.Desc {
		order, after = "created_at DESC, id DESC", "<"
	}
	if !f.AfterTime.IsZero() {
		w.add("(created_at, id) "+after+" (?, "+w.arg(f.AfterID)+")", f.AfterTime)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = coffer.PageSizeDefault
	}
	q := `SELECT ` + operationColumns + ` FROM operations WHERE ` + w.and() +
		` ORDER BY ` + order + ` LIMIT ` + w.arg(min(limit, coffer.PageSizeMax+1))
	rows, err := s.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list operations: %w", mapErr(err))
	}
	ops, err := collect(rows, scanOperation)
	if err != nil {
		return nil, fmt.Errorf("list operations: %w", mapErr(err))
	}
	return ops, nil
}
