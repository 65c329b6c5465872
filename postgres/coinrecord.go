package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/cofferhq/coffer"
)

var _ coffer.CoinRecordStore = (*Store)(nil)

const coinRecordColumns = `id, owner, kind, request, fingerprint, failed, code, message, answer, created_at`

func scanCoinRecord(r rowScanner) (coffer.CoinRecord, error) {
	var x coffer.CoinRecord
	var request, answer string
	err := r.Scan(&x.ID, &x.Owner, &x.Kind, &request, &x.Fingerprint, &x.Failed, &x.Code, &x.Message, &answer, &x.CreatedAt)
	x.Request, x.Answer, x.CreatedAt = []byte(request), []byte(answer), x.CreatedAt.UTC()
	return x, err
}

// PutCoinRecords inserts the records whose ids are free, in one transaction, and returns the
// stored record of each id. Two transactions inserting one id at once: the second waits on the
// first's key and, once it commits, inserts nothing and reads the first's row.
func (s *Store) PutCoinRecords(ctx context.Context, rs []coffer.CoinRecord) ([]coffer.CoinRecord, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return nil, fmt.Errorf("put coin records: %w", mapErr(err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	out := make([]coffer.CoinRecord, len(rs))
	for i, r := range rs {
		got, err := scanCoinRecord(tx.QueryRow(ctx, `INSERT INTO coin_records (`+coinRecordColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (id) DO NOTHING RETURNING `+coinRecordColumns,
			r.ID, r.Owner, r.Kind, string(r.Request), r.Fingerprint, r.Failed, r.Code, r.Message,
			string(r.Answer), r.CreatedAt.UTC()))
		if errors.Is(err, pgx.ErrNoRows) {
			got, err = scanCoinRecord(tx.QueryRow(ctx, `SELECT `+coinRecordColumns+` FROM coin_records WHERE id = $1`, r.ID))
		}
		if err != nil {
			return nil, fmt.Errorf("put coin record %s: %w", r.ID, mapErr(err))
		}
		out[i] = got
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("put coin records: commit: %w", mapErr(err))
	}
	return out, nil
}

// CoinRecord returns the record with id, or ENOTFOUND.
func (s *Store) CoinRecord(ctx context.Context, id string) (coffer.CoinRecord, error) {
	r, err := scanCoinRecord(s.pool.QueryRow(ctx, `SELECT `+coinRecordColumns+` FROM coin_records WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return coffer.CoinRecord{}, coffer.Errorf(coffer.ENOTFOUND, "coin record %q not found", id)
	}
	if err != nil {
		return coffer.CoinRecord{}, fmt.Errorf("read coin record %s: %w", id, mapErr(err))
	}
	return r, nil
}

// CoinRecords lists owner's records newest first.
func (s *Store) CoinRecords(ctx context.Context, owner string, offset, limit int) ([]coffer.CoinRecord, error) {
	offset = min(max(offset, 0), coffer.CoinRecordOffsetMax)
	limit = min(max(limit, 1), coffer.CoinRecordPageMax+1)
	rows, err := s.pool.Query(ctx, `SELECT `+coinRecordColumns+` FROM coin_records WHERE owner = $1
		ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`, owner, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list coin records: %w", mapErr(err))
	}
	out, err := collect(rows, scanCoinRecord)
	if err != nil {
		return nil, fmt.Errorf("list coin records: %w", mapErr(err))
	}
	return out, nil
}
