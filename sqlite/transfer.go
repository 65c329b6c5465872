package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/sqlx"
)

func appendTransfer(args []any, t *coffer.Transfer) []any {
	return append(args, t.ID, t.DebitAccountID, t.CreditAccountID, t.Asset, amountArg(t.Amount),
		string(t.Type), string(t.State), t.Pending, amountArg(t.PostedAmount), amountArg(t.Refunded),
		nullMicro(t.ExpiresAt), t.Group, t.Reference, metadataJSON(t.Metadata), micro(t.CreatedAt),
		nullMicro(t.ResolvedAt))
}

// appendTransferUpdate appends the arguments of statements.updateTransfer.
func appendTransferUpdate(args []any, t *coffer.Transfer) []any {
	return append(args, string(t.State), amountArg(t.PostedAmount), amountArg(t.Refunded),
		nullMicro(t.ResolvedAt), t.ID)
}

// metadataJSON returns m as a JSON object, ” when it is empty.
func metadataJSON(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // a map of strings always encodes
	}
	return string(b)
}

func scanTransfer(r row) (coffer.Transfer, error) {
	var t coffer.Transfer
	var typ, state, amount, posted, refunded, metadata string
	var expires, resolved sql.NullInt64
	var created int64
	if err := r.Scan(&t.ID, &t.DebitAccountID, &t.CreditAccountID, &t.Asset, &amount, &typ, &state,
		&t.Pending, &posted, &refunded, &expires, &t.Group, &t.Reference, &metadata, &created,
		&resolved); err != nil {
		return coffer.Transfer{}, err
	}
	var p amounts
	t.Amount = p.parse("amount", amount)
	t.PostedAmount = p.parse("posted_amount", posted)
	t.Refunded = p.parse("refunded", refunded)
	if p.err != nil {
		return coffer.Transfer{}, fmt.Errorf("transfer %s: %w", t.ID, p.err)
	}
	if metadata != "" {
		if err := json.Unmarshal([]byte(metadata), &t.Metadata); err != nil {
			return coffer.Transfer{}, fmt.Errorf("transfer %s: metadata: %w", t.ID, err)
		}
	}
	t.Type = coffer.TransferType(typ)
	t.State = coffer.TransferState(state)
	t.ExpiresAt = fromNullMicro(expires)
	t.CreatedAt = fromMicro(created)
	t.ResolvedAt = fromNullMicro(resolved)
	return t, nil
}

// Transfer returns the transfer with the id, or ENOTFOUND.
func (s *Store) Transfer(ctx context.Context, id string) (coffer.Transfer, error) {
	t, err := scanTransfer(s.read.QueryRowContext(ctx, `SELECT `+transferColumns+` FROM transfers WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.Transfer{}, coffer.Errorf(coffer.ENOTFOUND, "transfer %q does not exist", id)
	}
	if err != nil {
		return coffer.Transfer{}, fmt.Errorf("read transfer %s: %w", id, err)
	}
	return t, nil
}

// Transfers returns the transfers f selects, ordered by (CreatedAt, ID), newest first if f.Desc.
func (s *Store) Transfers(ctx context.Context, f coffer.TransferFilter) ([]coffer.Transfer, error) {
	var where []string
	var args []any
	if f.Type != "" {
		where, args = append(where, "type = ?"), append(args, string(f.Type))
	}
	from := " FROM transfers"
	if f.Reference != "" {
		// A reference names a handful of transfers, but without statistics SQLite would rather
		// walk an index that also gives the order (all transfers of a type), so it is told. The
		// literal lets it use the partial index of transfers with a reference.
		from = " FROM transfers INDEXED BY transfers_reference_idx"
		where, args = append(where, "reference = ? AND reference <> ''"), append(args, f.Reference)
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
	args = append(args, pageSize(f.Limit))
	q := `SELECT ` + transferColumns + from + whereClause(where) + order
	var out []coffer.Transfer
	err := s.list(ctx, q, args, func(r *sql.Rows) error {
		t, err := scanTransfer(r)
		out = append(out, t)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list transfers: %w", err)
	}
	return out, nil
}

// AccountTransfers walks the account's entries in seq order (the entries_account_idx index),
// keeps each transfer's creation entry and joins its transfer by id.
func (s *Store) AccountTransfers(ctx context.Context, f coffer.AccountTransferFilter) ([]coffer.AccountTransfer, error) {
	where := []string{"e.account_id = ?",
		"e.phase = CASE WHEN t.pending THEN 'pending' ELSE 'posted' END"}
	args := []any{f.AccountID}
	if f.Reference != "" {
		where, args = append(where, "t.reference = ?"), append(args, f.Reference)
	}
	where, args, order := historyPage("e.", where, args, f.Type, f.From, f.To, f.AfterSeq, f.Desc, f.Limit)
	q := `SELECT e.seq, ` + sqlx.Qualified("t.", transferColumns) +
		` FROM entries e INDEXED BY entries_account_idx JOIN transfers t ON t.id = e.transfer_id` +
		whereClause(where) + order
	var out []coffer.AccountTransfer
	err := s.list(ctx, q, args, func(r *sql.Rows) error {
		var seq int64
		t, err := scanTransfer(sqlx.SeqRow{Row: r, Seq: &seq})
		out = append(out, coffer.AccountTransfer{Seq: uint64(seq), Transfer: t})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list transfers of %s: %w", f.AccountID, err)
	}
	return out, nil
}

// ExpiredTransfers returns the ids of up to limit pending transfers with ExpiresAt <= now,
// earliest first; limit is bounded like a page.
func (s *Store) ExpiredTransfers(ctx context.Context, now time.Time, limit int) ([]string, error) {
	// state = 'pending' is a literal so that SQLite uses the partial index on expires_at.
	q := `SELECT id FROM transfers WHERE state = 'pending' AND expires_at <= ? ORDER BY expires_at, id LIMIT ?`
	var out []string
	err := s.list(ctx, q, []any{micro(now), pageSize(limit)}, func(r *sql.Rows) error {
		var id string
		err := r.Scan(&id)
		out = append(out, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list expired transfers: %w", err)
	}
	return out, nil
}
