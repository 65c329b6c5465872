package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/sqlx"
)

const transferColumns = `id, debit_account_id, credit_account_id, asset, amount, type, state, pending,
	posted_amount, refunded, expires_at, grp, reference, metadata::text, created_at, resolved_at`

func scanTransfer(r rowScanner) (coffer.Transfer, error) {
	var (
		t        coffer.Transfer
		metadata *string
	)
	err := r.Scan(&t.ID, &t.DebitAccountID, &t.CreditAccountID, &t.Asset, (*numeric)(&t.Amount), &t.Type,
		&t.State, &t.Pending, (*numeric)(&t.PostedAmount), (*numeric)(&t.Refunded), &t.ExpiresAt,
		&t.Group, &t.Reference, &metadata, &t.CreatedAt, &t.ResolvedAt)
	if err != nil {
		return coffer.Transfer{}, err
	}
	if metadata != nil {
		if err := json.Unmarshal([]byte(*metadata), &t.Metadata); err != nil {
			return coffer.Transfer{}, fmt.Errorf("transfer %q: metadata: %w", t.ID, err)
		}
	}
	t.CreatedAt = t.CreatedAt.UTC()
	t.ExpiresAt, t.ResolvedAt = utcPtr(t.ExpiresAt), utcPtr(t.ResolvedAt)
	return t, nil
}

// metadataJSON returns m as a JSON object, or nil for an empty map, which is stored as NULL.
func metadataJSON(m map[string]string) (*string, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}

// Transfer returns the transfer with the id.
func (s *Store) Transfer(ctx context.Context, id string) (coffer.Transfer, error) {
	t, err := scanTransfer(s.pool.QueryRow(ctx, `SELECT `+transferColumns+` FROM transfers WHERE id = $1`, id))
	if err != nil {
		return coffer.Transfer{}, readErr("read transfer", err, "transfer %q does not exist", id)
	}
	return t, nil
}

// Transfers returns a page of the transfers that f selects, in (CreatedAt, ID) order.
func (s *Store) Transfers(ctx context.Context, f coffer.TransferFilter) ([]coffer.Transfer, error) {
	var w where
	if f.Type != "" {
		w.add("type = ?", string(f.Type))
	}
	if f.Reference != "" {
		// The second condition lets the planner use the partial index on reference.
		w.add("reference = ? AND reference <> ''", f.Reference)
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
	q := `SELECT ` + transferColumns + ` FROM transfers WHERE ` + w.and() +
		` ORDER BY ` + order + ` LIMIT ` + w.arg(pageSize(f.Limit))
	rows, err := s.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list transfers: %w", mapErr(err))
	}
	ts, err := collect(rows, scanTransfer)
	if err != nil {
		return nil, fmt.Errorf("list transfers: %w", mapErr(err))
	}
	return ts, nil
}

// AccountTransfers walks the account's entries in seq order (the entries' primary key), keeps
// each transfer's creation entry and joins its transfer by id.
func (s *Store) AccountTransfers(ctx context.Context, f coffer.AccountTransferFilter) ([]coffer.AccountTransfer, error) {
	var w where
	w.add("e.account_id = ?", f.AccountID)
	w.conds = append(w.conds, "e.phase = CASE WHEN t.pending THEN 'pending' ELSE 'posted' END")
	if f.Reference != "" {
		w.add("t.reference = ?", f.Reference)
	}
	order := w.history("e.", f.Type, f.From, f.To, f.AfterSeq, f.Desc)
	q := `SELECT e.seq, ` + sqlx.Qualified("t.", transferColumns) + ` FROM entries e
		JOIN transfers t ON t.id = e.transfer_id WHERE ` + w.and() +
		` ORDER BY ` + order + ` LIMIT ` + w.arg(pageSize(f.Limit))
	rows, err := s.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list transfers of %s: %w", f.AccountID, mapErr(err))
	}
	out, err := collect(rows, func(r rowScanner) (coffer.AccountTransfer, error) {
		var seq int64
		t, err := scanTransfer(sqlx.SeqRow{Row: r, Seq: &seq})
		return coffer.AccountTransfer{Seq: uint64(seq), Transfer: t}, err
	})
	if err != nil {
		return nil, fmt.Errorf("list transfers of %s: %w", f.AccountID, mapErr(err))
	}
	return out, nil
}

// ExpiredTransfers returns the ids of up to limit pending transfers whose ExpiresAt <= now,
// earliest first. It reads the partial index of pending transfers.
func (s *Store) ExpiredTransfers(ctx context.Context, now time.Time, limit int) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM transfers
		WHERE state = 'pending' AND expires_at <= $1 ORDER BY expires_at, id LIMIT $2`,
		now, pageSize(limit))
	if err != nil {
		return nil, fmt.Errorf("list expired transfers: %w", mapErr(err))
	}
	ids, err := collect(rows, func(r rowScanner) (string, error) {
		var id string
		err := r.Scan(&id)
		return id, err
	})
	if err != nil {
		return nil, fmt.Errorf("list expired transfers: %w", mapErr(err))
	}
	return ids, nil
}
