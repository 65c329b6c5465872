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

// Limits of AccountTransfers' spans.
const (
	// accountSpanMin is the fewest entries of the account one query of AccountTransfers reads.
	accountSpanMin = 1000
	// accountSpanMax is the most: a span that found too few doubles up to it, so that a
	// selective filter (a period far back, a type, a reference) costs few queries.
	accountSpanMax = 1 << 18
)

// AccountTransfers returns a page of the transfers of f.AccountID in the order of the entries
// that recorded their creation, through the entries' primary key (account_id, seq).
//
// Each query reads a bounded span of the account's seqs, (cursor, cursor+span], and the page
// is gathered from as many spans as it takes: with only "seq > cursor ORDER BY seq LIMIT n",
// the planner, misled by estimates of a table just loaded, joined and sorted every entry past
// the cursor for each page (a bitmap scan, then a top-N sort), so that reading a million
// transfers a page at a time never ended. A span bounds each query's work whatever plan it
// gets.
func (s *Store) AccountTransfers(ctx context.Context, f coffer.AccountTransferFilter) ([]coffer.AccountTransfer, error) {
	limit := pageSize(f.Limit)
	// The account's last entry: where the spans end. One step down the primary key.
	var last int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM entries WHERE account_id = $1`, f.AccountID).Scan(&last)
	if err != nil {
		return nil, fmt.Errorf("list transfers of %s: %w", f.AccountID, mapErr(err))
	}
	cursor := int64(min(f.AfterSeq, maxInt64))
	if f.Desc && (cursor == 0 || cursor > last) {
		cursor = last + 1
	}
	var out []coffer.AccountTransfer
	for span := int64(max(accountSpanMin, limit)); len(out) < limit; span = min(2*span, accountSpanMax) {
		lo, hi := cursor, cursor+span // (lo, hi]
		if f.Desc {
			lo, hi = max(0, cursor-span-1), cursor-1
		}
		if lo >= last && !f.Desc || hi <= 0 {
			break
		}
		page, err := s.accountTransferSpan(ctx, f, lo, hi, limit-len(out))
		if err != nil {
			return nil, fmt.Errorf("list transfers of %s: %w", f.AccountID, mapErr(err))
		}
		out = append(out, page...)
		if f.Desc {
			cursor = lo + 1
		} else {
			cursor = hi
		}
	}
	return out, nil
}

// accountTransferSpan returns up to limit transfers of f.AccountID whose creation entries
// have seq in (lo, hi], in f's order.
func (s *Store) accountTransferSpan(ctx context.Context, f coffer.AccountTransferFilter, lo, hi int64, limit int) ([]coffer.AccountTransfer, error) {
	var w where
	w.add("e.account_id = ?", f.AccountID)
	w.conds = append(w.conds, "e.phase = CASE WHEN t.pending THEN 'pending' ELSE 'posted' END")
	w.add("e.seq > ?", lo)
	w.add("e.seq <= ?", hi)
	if f.Reference != "" {
		w.add("t.reference = ?", f.Reference)
	}
	order := w.history("e.", f.Type, f.From, f.To, 0, f.Desc)
	q := `SELECT e.seq, ` + sqlx.Qualified("t.", transferColumns) + ` FROM entries e
		JOIN transfers t ON t.id = e.transfer_id WHERE ` + w.and() +
		` ORDER BY ` + order + ` LIMIT ` + w.arg(limit)
	rows, err := s.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(r rowScanner) (coffer.AccountTransfer, error) {
		var seq int64
		t, err := scanTransfer(sqlx.SeqRow{Row: r, Seq: &seq})
		return coffer.AccountTransfer{Seq: uint64(seq), Transfer: t}, err
	})
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
