package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/cofferhq/coffer"
)

var _ coffer.PaymentQueueStore = (*Store)(nil)

const (
	pqRequestColumns = `queue_id, kind, fingerprint, transfer_id, data, created_at, notice_id, notice`
	pqWatchColumns   = `chain, address, owner, symbol, created_at`
)

func scanPQRequest(r row) (coffer.PaymentQueueRequest, error) {
	var (
		x       coffer.PaymentQueueRequest
		data    string
		created int64
		id, n   sql.NullString
	)
	if err := r.Scan(&x.QueueID, &x.Kind, &x.Fingerprint, &x.TransferID, &data, &created, &id, &n); err != nil {
		return coffer.PaymentQueueRequest{}, err
	}
	x.Data, x.CreatedAt, x.NoticeID = []byte(data), fromMicro(created), id.String
	if n.Valid {
		x.Notice = []byte(n.String)
	}
	return x, nil
}

func scanPQWatch(r row) (coffer.PaymentQueueWatch, error) {
	var (
		w       coffer.PaymentQueueWatch
		created int64
	)
	if err := r.Scan(&w.Chain, &w.Address, &w.Owner, &w.Symbol, &created); err != nil {
		return coffer.PaymentQueueWatch{}, err
	}
	w.CreatedAt = fromMicro(created)
	return w, nil
}

// PutPaymentQueueRequest inserts r unless its queue_id is taken, and returns the stored one.
func (s *Store) PutPaymentQueueRequest(ctx context.Context, r coffer.PaymentQueueRequest) (coffer.PaymentQueueRequest, bool, error) {
	got, err := scanPQRequest(s.write.QueryRowContext(ctx, `INSERT INTO payment_queue_requests
		(queue_id, kind, fingerprint, transfer_id, data, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (queue_id) DO NOTHING RETURNING `+pqRequestColumns,
		r.QueueID, r.Kind, r.Fingerprint, r.TransferID, string(r.Data), micro(r.CreatedAt)))
	if err == nil {
		return got, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return coffer.PaymentQueueRequest{}, false, fmt.Errorf("put payment queue request %s: %w", r.QueueID, retryable(err))
	}
	got, err = s.PaymentQueueRequest(ctx, r.QueueID)
	return got, false, err
}

// PaymentQueueRequest returns the request with queueID.
func (s *Store) PaymentQueueRequest(ctx context.Context, queueID string) (coffer.PaymentQueueRequest, error) {
	r, err := scanPQRequest(s.read.QueryRowContext(ctx, `SELECT `+pqRequestColumns+` FROM payment_queue_requests
		WHERE queue_id = ?`, queueID))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.PaymentQueueRequest{}, coffer.Errorf(coffer.ENOTFOUND, "no payment queue request has queue_id %q", queueID)
	}
	if err != nil {
		return coffer.PaymentQueueRequest{}, fmt.Errorf("read payment queue request %s: %w", queueID, err)
	}
	return r, nil
}

// PaymentQueueRequestByTransfer returns the request whose payout is the transfer id.
func (s *Store) PaymentQueueRequestByTransfer(ctx context.Context, transferID string) (coffer.PaymentQueueRequest, error) {
	r, err := scanPQRequest(s.read.QueryRowContext(ctx, `SELECT `+pqRequestColumns+` FROM payment_queue_requests
		WHERE transfer_id = ? LIMIT 1`, transferID))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.PaymentQueueRequest{}, coffer.Errorf(coffer.ENOTFOUND, "no payment queue request has transfer %q", transferID)
	}
	if err != nil {
		return coffer.PaymentQueueRequest{}, fmt.Errorf("read payment queue request of transfer %s: %w", transferID, err)
	}
	return r, nil
}

// PutPaymentQueueNotice stores the request's final notice unless it has one.
func (s *Store) PutPaymentQueueNotice(ctx context.Context, queueID, noticeID string, notice []byte) (coffer.PaymentQueueRequest, error) {
	got, err := scanPQRequest(s.write.QueryRowContext(ctx, `UPDATE payment_queue_requests SET notice_id = ?, notice = ?
		WHERE queue_id = ? AND notice IS NULL RETURNING `+pqRequestColumns, noticeID, string(notice), queueID))
	if errors.Is(err, sql.ErrNoRows) {
		return s.PaymentQueueRequest(ctx, queueID) // stored before, or no such request
	}
	if err != nil {
		return coffer.PaymentQueueRequest{}, fmt.Errorf("put payment queue notice %s: %w", queueID, retryable(err))
	}
	return got, nil
}

// PutPaymentQueueWatch registers w's address, or updates the form it is registered with.
func (s *Store) PutPaymentQueueWatch(ctx context.Context, w coffer.PaymentQueueWatch) (coffer.PaymentQueueWatch, error) {
	got, err := scanPQWatch(s.write.QueryRowContext(ctx, `INSERT INTO payment_queue_watches
		(chain, address_key, address, owner, symbol, created_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (chain, address_key) DO UPDATE SET address = excluded.address, owner = excluded.owner,
		symbol = excluded.symbol RETURNING `+pqWatchColumns,
		w.Chain, strings.ToLower(w.Address), w.Address, w.Owner, w.Symbol, micro(w.CreatedAt)))
	if err != nil {
		return coffer.PaymentQueueWatch{}, fmt.Errorf("put payment queue watch %s: %w", w.Address, retryable(err))
	}
	return got, nil
}

// PaymentQueueWatch returns the registration of address on chain.
func (s *Store) PaymentQueueWatch(ctx context.Context, chain, address string) (coffer.PaymentQueueWatch, error) {
	w, err := scanPQWatch(s.read.QueryRowContext(ctx, `SELECT `+pqWatchColumns+` FROM payment_queue_watches
		WHERE chain = ? AND address_key = ?`, chain, strings.ToLower(address)))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.PaymentQueueWatch{}, coffer.Errorf(coffer.ENOTFOUND, "address %s is not registered on chain %s", address, chain)
	}
	if err != nil {
		return coffer.PaymentQueueWatch{}, fmt.Errorf("read payment queue watch %s: %w", address, err)
	}
	return w, nil
}
