package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/cofferhq/coffer"
)

var _ coffer.CoinRecordStore = (*Store)(nil)

const coinRecordColumns = `id, owner, kind, request, fingerprint, failed, code, message, answer, created_at`

func scanCoinRecord(r row) (coffer.CoinRecord, error) {
	var (
		x                 coffer.CoinRecord
		request, answer   string
		failed, createdAt int64
	)
	if err := r.Scan(&x.ID, &x.Owner, &x.Kind, &request, &x.Fingerprint, &failed, &x.Code, &x.Message,
		&answer, &createdAt); err != nil {
		return coffer.CoinRecord{}, err
	}
	x.Request, x.Answer, x.Failed, x.CreatedAt = []byte(request), []byte(answer), failed != 0, fromMicro(createdAt)
	return x, nil
}

// PutCoinRecords inserts the records whose ids are free, in one transaction, and returns the
// stored record of each id.
func (s *Store) PutCoinRecords(ctx context.Context, rs []coffer.CoinRecord) ([]coffer.CoinRecord, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("put coin records: %w", retryable(err))
	}
	defer tx.Rollback()
	out := make([]coffer.CoinRecord, len(rs))
	for i, r := range rs {
		failed := 0
		if r.Failed {
			failed = 1
		}
		got, err := scanCoinRecord(tx.QueryRowContext(ctx, `INSERT INTO coin_records (`+coinRecordColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING RETURNING `+coinRecordColumns,
			r.ID, r.Owner, r.Kind, string(r.Request), r.Fingerprint, failed, r.Code, r.Message,
			string(r.Answer), micro(r.CreatedAt)))
		if errors.Is(err, sql.ErrNoRows) {
			got, err = scanCoinRecord(tx.QueryRowContext(ctx, `SELECT `+coinRecordColumns+` FROM coin_records WHERE id = ?`, r.ID))
		}
		if err != nil {
			return nil, fmt.Errorf("put coin record %s: %w", r.ID, retryable(err))
		}
		out[i] = got
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("put coin records: commit: %w", retryable(err))
	}
	return out, nil
}

// CoinRecord returns the record with id, or ENOTFOUND.
func (s *Store) CoinRecord(ctx context.Context, id string) (coffer.CoinRecord, error) {
	r, err := scanCoinRecord(s.read.QueryRowContext(ctx, `SELECT `+coinRecordColumns+` FROM coin_records WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.CoinRecord{}, coffer.Errorf(coffer.ENOTFOUND, "coin record %q not found", id)
	}
	if err != nil {
		return coffer.CoinRecord{}, fmt.Errorf("read coin record %s: %w", id, err)
	}
	return r, nil
}

// CoinRecords lists owner's records newest first.
func (s *Store) CoinRecords(ctx context.Context, owner string, offset, limit int) ([]coffer.CoinRecord, error) {
	offset, limit = coinRecordPage(offset, limit)
	var out []coffer.CoinRecord
	err := s.list(ctx, `SELECT `+coinRecordColumns+` FROM coin_records WHERE owner = ?
		ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, []any{owner, limit, offset}, func(r *sql.Rows) error {
		x, err := scanCoinRecord(r)
		out = append(out, x)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list coin records: %w", err)
	}
	return out, nil
}

// coinRecordPage bounds a page of coin records as coffer.CoinRecordStore says.
func coinRecordPage(offset, limit int) (int, int) {
	return min(max(offset, 0), coffer.CoinRecordOffsetMax), min(max(limit, 1), coffer.CoinRecordPageMax+1)
}
