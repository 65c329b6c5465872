package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/cofferhq/coffer"
)

var _ coffer.PaymentQueueStore = (*Store)(nil)

const (
	pqRequestColumns = `queue_id, kind, fingerprint, transfer_id, data, created_at, notice_id, notice`
	pqWatchColumns   = `chain, address, owner, symbol, created_at`
)

func scanPQRequest(r rowScanner) (coffer.PaymentQueueRequest, error) {
	var x coffer.PaymentQueueRequest
	var (
		data string
		id   *string
		n    *string
	)
	err := r.Scan(&x.QueueID, &x.Kind, &x.Fingerprint, &x.TransferID, &data, &x.CreatedAt, &id, &n)
	x.Data, x.CreatedAt = []byte(data), x.CreatedAt.UTC()
	if id != nil {
		x.NoticeID = *id
	}
	if n != nil {
		x.Notice = []byte(*n)
	}
	return x, err
}

func scanPQWatch(r rowScanner) (coffer.PaymentQueueWatch, error) {
	var w coffer.PaymentQueueWatch
	err := r.Scan(&w.Chain, &w.Address, &w.Owner, &w.Symbol, &w.CreatedAt)
	w.CreatedAt = w.CreatedAt.UTC()
	return w, err
}

// PutPaymentQueueRequest inserts r unless its queue_id is taken, and returns the stored one.
func (s *Store) PutPaymentQueueRequest(ctx context.Context, r coffer.PaymentQueueRequest) (coffer.PaymentQueueRequest, bool, error) {
	got, err := scanPQRequest(s.pool.QueryRow(ctx, `INSERT INTO payment_queue_requests
		(queue_id, kind, fingerprint, transfer_id, data, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (queue_id) DO NOTHING RETURNING `+pqRequestColumns,
		r.QueueID, r.Kind, r.Fingerprint, r.TransferID, string(r.Data), r.CreatedAt.UTC()))
	if err == nil {
		return got, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return coffer.PaymentQueueRequest{}, false, fmt.Errorf("put payment queue request %s: %w", r.QueueID, mapErr(err))
	}
	got, err = s.PaymentQueueRequest(ctx, r.QueueID)
	return got, false, err
}

// PaymentQueueRequest returns the request with queueID.
func (s *Store) PaymentQueueRequest(ctx context.Context, queueID string) (coffer.PaymentQueueRequest, error) {
	r, err := scanPQRequest(s.pool.QueryRow(ctx, `SELECT `+pqRequestColumns+` FROM payment_queue_requests
		WHERE queue_id = $1`, queueID))
	if err != nil {
		return coffer.PaymentQueueRequest{}, readErr("read payment queue request", err, "no payment queue request has queue_id %q", queueID)
	}
	return r, nil
}

// PaymentQueueRequestByTransfer returns the request whose payout is the transfer id.
func (s *Store) PaymentQueueRequestByTransfer(ctx context.Context, transferID string) (coffer.PaymentQueueRequest, error) {
	r, err := scanPQRequest(s.pool.QueryRow(ctx, `SELECT `+pqRequestColumns+` FROM payment_queue_requests
		WHERE transfer_id = $1 LIMIT 1`, transferID))
	if err != nil {
		return coffer.PaymentQueueRequest{}, readErr("read payment queue request", err, "no payment queue request has transfer %q", transferID)
	}
	return r, nil
}

// PutPaymentQueueNotice stores the request's final notice unless it has one.
func (s *Store) PutPaymentQueueNotice(ctx context.Context, queueID, noticeID string, notice []byte) (coffer.PaymentQueueRequest, error) {
	got, err := scanPQRequest(s.pool.QueryRow(ctx, `UPDATE payment_queue_requests SET notice_id = $1, notice = $2
		WHERE queue_id = $3 AND notice IS NULL RETURNING `+pqRequestColumns, noticeID, string(notice), queueID))
	if errors.Is(err, pgx.ErrNoRows) {
		return s.PaymentQueueRequest(ctx, queueID) // stored before, or no such request
	}
	if err != nil {
		return coffer.PaymentQueueRequest{}, fmt.Errorf("put payment queue notice %s: %w", queueID, mapErr(err))
	}
	return got, nil
}

// PutPaymentQueueWatch registers w's address, or updates the form it is registered with.
func (s *Store) PutPaymentQueueWatch(ctx context.Context, w coffer.PaymentQueueWatch) (coffer.PaymentQueueWatch, error) {
	got, err := scanPQWatch(s.pool.QueryRow(ctx, `INSERT INTO payment_queue_watches
		(chain, address_key, address, owner, symbol, created_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (chain, address_key) DO UPDATE SET address = excluded.address, owner = excluded.owner,
		symbol = excluded.symbol RETURNING `+pqWatchColumns,
		w.Chain, strings.ToLower(w.Address), w.Address, w.Owner, w.Symbol, w.CreatedAt.UTC()))
	if err != nil {
		return coffer.PaymentQueueWatch{}, fmt.Errorf("put payment queue watch %s: %w", w.Address, mapErr(err))
	}
	return got, nil
}

// PaymentQueueWatch returns the registration of address on chain.
func (s *Store) PaymentQueueWatch(ctx context.Context, chain, address string) (coffer.PaymentQueueWatch, error) {
	w, err := scanPQWatch(s.pool.QueryRow(ctx, `SELECT `+pqWatchColumns+` FROM payment_queue_watches
		WHERE chain = $1 AND address_key = $2`, chain, strings.ToLower(address)))
	if err != nil {
		return coffer.PaymentQueueWatch{}, readErr("read payment queue watch", err, "address %s is not registered on chain %s", address, chain)
	}
	return w, nil
}
