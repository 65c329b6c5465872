package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
)

var (
	_ coffer.SendStore     = (*Store)(nil)
	_ coffer.SendForgetter = (*Store)(nil)
)

const (
	sendIntentColumns = `id, chain, from_address, to_address, asset, contract, amount, state, nonce, tx_hash,
	block_number, gas_used, fee, reason, created_at, updated_at`
	sendAttemptColumns = `tx_hash, intent_id, chain, from_address, nonce, raw, gas_fee_cap, gas_tip_cap, gas, state,
	sent_block, block_number, created_at, updated_at`
	// fenceHeld is true while the lease named by the first argument carries the token of the
	// second.
	fenceHeld = `EXISTS (SELECT 1 FROM leases WHERE name = ? AND token = ? AND holder <> '')`
)

func parseWei(what, s string) (*big.Int, error) {
	if s == "" {
		return nil, nil
	}
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, fmt.Errorf("%s %q is not a decimal integer", what, s)
	}
	return v, nil
}

func weiArg(v *big.Int) string {
	if v == nil {
		return ""
	}
	return v.String()
}

func scanSendIntent(r row) (coffer.SendIntent, error) {
	var (
		in                    coffer.SendIntent
		amount, fee           string
		nonce, block, gasUsed int64
		created, updated      int64
	)
	if err := r.Scan(&in.ID, &in.Chain, &in.From, &in.To, &in.Asset, &in.Contract, &amount, &in.State, &nonce,
		&in.TxHash, &block, &gasUsed, &fee, &in.Reason, &created, &updated); err != nil {
		return coffer.SendIntent{}, err
	}
	var err error
	if in.Amount, err = parseWei("amount", amount); err != nil {
		return coffer.SendIntent{}, fmt.Errorf("send intent %s: %w", in.ID, err)
	}
	if in.Fee, err = parseWei("fee", fee); err != nil {
		return coffer.SendIntent{}, fmt.Errorf("send intent %s: %w", in.ID, err)
	}
	in.Nonce, in.BlockNumber, in.GasUsed = uint64(nonce), uint64(block), uint64(gasUsed)
	in.CreatedAt, in.UpdatedAt = fromMicro(created), fromMicro(updated)
	return in, nil
}

func scanSendAttempt(r row) (coffer.SendAttempt, error) {
	var (
		a                       coffer.SendAttempt
		feeCap, tipCap          string
		nonce, gas, sent, block int64
		created, updated        int64
	)
	if err := r.Scan(&a.TxHash, &a.IntentID, &a.Chain, &a.From, &nonce, &a.Raw, &feeCap, &tipCap, &gas, &a.State,
		&sent, &block, &created, &updated); err != nil {
		return coffer.SendAttempt{}, err
	}
	var err error
	if a.GasFeeCap, err = parseWei("fee cap", feeCap); err != nil {
		return coffer.SendAttempt{}, fmt.Errorf("send attempt %s: %w", a.TxHash, err)
	}
	if a.GasTipCap, err = parseWei("tip cap", tipCap); err != nil {
		return coffer.SendAttempt{}, fmt.Errorf("send attempt %s: %w", a.TxHash, err)
	}
	a.Nonce, a.Gas, a.SentBlock, a.BlockNumber = uint64(nonce), uint64(gas), uint64(sent), uint64(block)
	a.CreatedAt, a.UpdatedAt = fromMicro(created), fromMicro(updated)
	return a, nil
}

func staleFence(f coffer.Fence) error {
	return coffer.Errorf(coffer.ECONFLICT, "lease %s is no longer held with token %d", f.Lease, f.Token)
}

// CreateSendIntent stores in as queued; a taken id is ECONFLICT.
func (s *Store) CreateSendIntent(ctx context.Context, in coffer.SendIntent) error {
	if in.Amount == nil || in.Amount.Sign() <= 0 {
		return coffer.Errorf(coffer.EINVALID, "send intent %s: the amount must be positive", in.ID)
	}
	now := time.Now()
	if in.CreatedAt.IsZero() {
		in.CreatedAt = now
	}
	_, err := s.write.ExecContext(ctx, `INSERT INTO send_intents (`+sendIntentColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, '', 0, 0, '', '', ?, ?)`,
		in.ID, in.Chain, in.From, in.To, in.Asset, in.Contract, in.Amount.String(), string(coffer.SendQueued),
		micro(in.CreatedAt), micro(now))
	if isConstraint(err) {
		return coffer.Errorf(coffer.ECONFLICT, "send intent %q already exists", in.ID)
	}
	if err != nil {
		return fmt.Errorf("create send intent %s: %w", in.ID, retryable(err))
	}
	return nil
}

// SendIntent returns the intent with id, or ENOTFOUND.
func (s *Store) SendIntent(ctx context.Context, id string) (coffer.SendIntent, error) {
	in, err := scanSendIntent(s.read.QueryRowContext(ctx, `SELECT `+sendIntentColumns+` FROM send_intents WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.SendIntent{}, coffer.Errorf(coffer.ENOTFOUND, "send intent %q does not exist", id)
	}
	if err != nil {
		return coffer.SendIntent{}, fmt.Errorf("read send intent %s: %w", id, err)
	}
	return in, nil
}

// SendIntents lists the intents f selects, by created_at then id.
func (s *Store) SendIntents(ctx context.Context, f coffer.SendFilter) ([]coffer.SendIntent, error) {
	if len(f.States) == 0 {
		return nil, nil
	}
	args := []any{f.Chain, f.From}
	for _, st := range f.States {
		args = append(args, string(st))
	}
	args = append(args, pageSize(f.Limit))
	var out []coffer.SendIntent
	err := s.list(ctx, `SELECT `+sendIntentColumns+` FROM send_intents WHERE chain = ? AND from_address = ?
		AND state IN (?`+strings.Repeat(", ?", len(f.States)-1)+`) ORDER BY created_at, id LIMIT ?`, args,
		func(r *sql.Rows) error {
			in, err := scanSendIntent(r)
			out = append(out, in)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("list send intents %s %s: %w", f.Chain, f.From, err)
	}
	return out, nil
}

// CancelSendIntent cancels the intent if it is queued or waiting for funds. The check and the
// change are one statement on the write connection, so no attempt can be added in between.
func (s *Store) CancelSendIntent(ctx context.Context, id string) (coffer.SendIntent, error) {
	in, err := scanSendIntent(s.write.QueryRowContext(ctx, `UPDATE send_intents SET state = ?, updated_at = ?
		WHERE id = ? AND state IN (?, ?) RETURNING `+sendIntentColumns,
		string(coffer.SendCancelled), micro(time.Now()), id, string(coffer.SendQueued), string(coffer.SendWaitingFunds)))
	if errors.Is(err, sql.ErrNoRows) {
		old, err := s.SendIntent(ctx, id)
		if err != nil {
			return coffer.SendIntent{}, err
		}
		return coffer.SendIntent{}, coffer.Errorf(coffer.ECONFLICT, "send intent %q is %s: only a queued or waiting one can be cancelled", id, old.State)
	}
	if err != nil {
		return coffer.SendIntent{}, fmt.Errorf("cancel send intent %s: %w", id, retryable(err))
	}
	return in, nil
}

// SetSendState moves the intent to state from one of from, under the fence.
func (s *Store) SetSendState(ctx context.Context, id string, from []coffer.SendState, state coffer.SendState, f coffer.Fence) error {
	if len(from) == 0 {
		return coffer.Errorf(coffer.EINVALID, "set send state %s: no state to move from", id)
	}
	args := []any{string(state), micro(time.Now()), id}
	for _, st := range from {
		args = append(args, string(st))
	}
	args = append(args, f.Lease, int64(f.Token))
	res, err := s.write.ExecContext(ctx, `UPDATE send_intents SET state = ?, updated_at = ?
		WHERE id = ? AND state IN (?`+strings.Repeat(", ?", len(from)-1)+`) AND `+fenceHeld, args...)
	if err != nil {
		return fmt.Errorf("set send state %s: %w", id, retryable(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("set send state %s: %w", id, err)
	} else if n == 0 {
		return coffer.Errorf(coffer.ECONFLICT, "send intent %q is not in %v, or lease %s is no longer held with token %d",
			id, from, f.Lease, f.Token)
	}
	return nil
}

// AbandonSendIntent ends a queued or waiting intent as failed with reason, under the fence.
func (s *Store) AbandonSendIntent(ctx context.Context, id, reason string, f coffer.Fence) error {
	res, err := s.write.ExecContext(ctx, `UPDATE send_intents SET state = ?, reason = ?, updated_at = ?
		WHERE id = ? AND state IN (?, ?) AND `+fenceHeld,
		string(coffer.SendFailed), reason, micro(time.Now()), id, string(coffer.SendQueued), string(coffer.SendWaitingFunds),
		f.Lease, int64(f.Token))
	if err != nil {
		return fmt.Errorf("abandon send intent %s: %w", id, retryable(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("abandon send intent %s: %w", id, err)
	} else if n > 0 {
		return nil
	}
	old, err := s.SendIntent(ctx, id)
	if err != nil {
		return err
	}
	return coffer.Errorf(coffer.ECONFLICT, "send intent %q is %s, or lease %s is no longer held with token %d: only a queued or waiting one can be abandoned",
		id, old.State, f.Lease, f.Token)
}

// AddSendAttempt stores a and signs its intent over to its nonce, in one transaction on the
// write connection: the fence, the intent's state and the nonce's holder are read under the
// database's write lock.
func (s *Store) AddSendAttempt(ctx context.Context, a coffer.SendAttempt, f coffer.Fence) error {
	if a.GasFeeCap == nil || a.GasTipCap == nil || len(a.Raw) == 0 {
		return coffer.Errorf(coffer.EINVALID, "send attempt %s: fees and raw bytes are required", a.TxHash)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("add send attempt %s: %w", a.TxHash, retryable(err))
	}
	defer tx.Rollback()
	var held bool
	if err := tx.QueryRowContext(ctx, `SELECT `+fenceHeld, f.Lease, int64(f.Token)).Scan(&held); err != nil {
		return fmt.Errorf("add send attempt %s: fence: %w", a.TxHash, retryable(err))
	}
	if !held {
		return staleFence(f)
	}
	var (
		state string
		nonce int64
	)
	err = tx.QueryRowContext(ctx, `SELECT state, nonce FROM send_intents WHERE id = ? AND chain = ? AND from_address = ?`,
		a.IntentID, a.Chain, a.From).Scan(&state, &nonce)
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.Errorf(coffer.ECONFLICT, "send attempt %s: no intent %q of %s on %s", a.TxHash, a.IntentID, a.From, a.Chain)
	}
	if err != nil {
		return fmt.Errorf("add send attempt %s: %w", a.TxHash, retryable(err))
	}
	switch coffer.SendState(state) {
	case coffer.SendQueued, coffer.SendWaitingFunds:
	case coffer.SendSigned, coffer.SendBroadcast:
		if uint64(nonce) != a.Nonce {
			return coffer.Errorf(coffer.ECONFLICT, "send intent %q has nonce %d: an attempt with nonce %d cannot be added", a.IntentID, nonce, a.Nonce)
		}
	default:
		return coffer.Errorf(coffer.ECONFLICT, "send intent %q is %s: no attempt can be added", a.IntentID, state)
	}
	var holder string
	err = tx.QueryRowContext(ctx, `INSERT INTO send_nonces (chain, from_address, nonce, intent_id) VALUES (?, ?, ?, ?)
		ON CONFLICT (chain, from_address, nonce) DO UPDATE SET intent_id = send_nonces.intent_id RETURNING intent_id`,
		a.Chain, a.From, int64(a.Nonce), a.IntentID).Scan(&holder)
	if err != nil {
		return fmt.Errorf("add send attempt %s: nonce: %w", a.TxHash, retryable(err))
	}
	if holder != a.IntentID {
		return coffer.Errorf(coffer.ECONFLICT, "nonce %d of %s on %s belongs to send intent %q", a.Nonce, a.From, a.Chain, holder)
	}
	now := micro(time.Now())
	_, err = tx.ExecContext(ctx, `INSERT INTO send_attempts (`+sendAttemptColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?)`,
		a.TxHash, a.IntentID, a.Chain, a.From, int64(a.Nonce), a.Raw, a.GasFeeCap.String(), a.GasTipCap.String(),
		int64(a.Gas), string(coffer.AttemptSigned), now, now)
	if isConstraint(err) {
		return coffer.Errorf(coffer.ECONFLICT, "send attempt %s already exists", a.TxHash)
	}
	if err != nil {
		return fmt.Errorf("add send attempt %s: %w", a.TxHash, retryable(err))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE send_intents SET nonce = ?, updated_at = ?,
			state = CASE WHEN state IN (?, ?) THEN ? ELSE state END WHERE id = ?`,
		int64(a.Nonce), now, string(coffer.SendQueued), string(coffer.SendWaitingFunds), string(coffer.SendSigned),
		a.IntentID); err != nil {
		return fmt.Errorf("add send attempt %s: intent: %w", a.TxHash, retryable(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("add send attempt %s: commit: %w", a.TxHash, retryable(err))
	}
	return nil
}

// SendAttempts returns the intent's attempts in the order they were added.
func (s *Store) SendAttempts(ctx context.Context, intentID string) ([]coffer.SendAttempt, error) {
	var out []coffer.SendAttempt
	err := s.list(ctx, `SELECT `+sendAttemptColumns+` FROM send_attempts WHERE intent_id = ? ORDER BY seq`,
		[]any{intentID}, func(r *sql.Rows) error {
			a, err := scanSendAttempt(r)
			out = append(out, a)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("list send attempts %s: %w", intentID, err)
	}
	return out, nil
}

// markChunk is how many attempts one statement of MarkSendBroadcast names, well below SQLite's
// limit on a statement's parameters.
const markChunk = 500

// MarkSendBroadcast marks the attempts and their intents broadcast, in one transaction.
func (s *Store) MarkSendBroadcast(ctx context.Context, txHashes []string, sentBlock uint64) error {
	if len(txHashes) == 0 {
		return nil
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mark send broadcast: %w", retryable(err))
	}
	defer tx.Rollback()
	now := micro(time.Now())
	for chunk := range slices.Chunk(slices.Compact(slices.Sorted(slices.Values(txHashes))), markChunk) {
		in := `(?` + strings.Repeat(", ?", len(chunk)-1) + `)`
		args := []any{now, string(coffer.AttemptSigned), string(coffer.AttemptBroadcast), int64(sentBlock)}
		for _, h := range chunk {
			args = append(args, h)
		}
		res, err := tx.ExecContext(ctx, `UPDATE send_attempts SET updated_at = ?,
				state = CASE WHEN state = ? THEN ? ELSE state END,
				sent_block = ?
			WHERE tx_hash IN `+in, args...)
		if err != nil {
			return fmt.Errorf("mark send broadcast: %w", retryable(err))
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("mark send broadcast: %w", err)
		} else if n != int64(len(chunk)) {
			return coffer.Errorf(coffer.ENOTFOUND, "of %d send attempts, %d exist", len(chunk), n)
		}
		args = []any{string(coffer.SendBroadcast), now, string(coffer.SendSigned)}
		for _, h := range chunk {
			args = append(args, h)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE send_intents SET state = ?, updated_at = ?
			WHERE state = ? AND id IN (SELECT intent_id FROM send_attempts WHERE tx_hash IN `+in+`)`, args...); err != nil {
			return fmt.Errorf("mark send broadcast: intents: %w", retryable(err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("mark send broadcast: commit: %w", retryable(err))
	}
	return nil
}

// FinishSendIntent ends the intent and its attempts in one transaction, under the fence.
func (s *Store) FinishSendIntent(ctx context.Context, in coffer.SendIntent, f coffer.Fence) error {
	if in.State != coffer.SendConfirmed && in.State != coffer.SendFailed {
		return coffer.Errorf(coffer.EINVALID, "send intent %s cannot finish as %s", in.ID, in.State)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("finish send intent %s: %w", in.ID, retryable(err))
	}
	defer tx.Rollback()
	now := micro(time.Now())
	res, err := tx.ExecContext(ctx, `UPDATE send_intents SET state = ?, tx_hash = ?, block_number = ?, gas_used = ?,
			fee = ?, reason = ?, updated_at = ?
		WHERE id = ? AND state IN (?, ?) AND `+fenceHeld,
		string(in.State), in.TxHash, int64(in.BlockNumber), int64(in.GasUsed), weiArg(in.Fee), in.Reason, now,
		in.ID, string(coffer.SendSigned), string(coffer.SendBroadcast), f.Lease, int64(f.Token))
	if err != nil {
		return fmt.Errorf("finish send intent %s: %w", in.ID, retryable(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("finish send intent %s: %w", in.ID, err)
	} else if n == 0 {
		return coffer.Errorf(coffer.ECONFLICT, "send intent %q is not in flight, or lease %s is no longer held with token %d",
			in.ID, f.Lease, f.Token)
	}
	res, err = tx.ExecContext(ctx, `UPDATE send_attempts SET updated_at = ?,
			state = CASE WHEN tx_hash = ? THEN ? ELSE ? END,
			block_number = CASE WHEN tx_hash = ? THEN ? ELSE 0 END
		WHERE intent_id = ?`,
		now, in.TxHash, string(coffer.AttemptMined), string(coffer.AttemptReplaced), in.TxHash, int64(in.BlockNumber), in.ID)
	if err != nil {
		return fmt.Errorf("finish send intent %s: attempts: %w", in.ID, retryable(err))
	}
	var mined int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM send_attempts WHERE intent_id = ? AND tx_hash = ?`,
		in.ID, in.TxHash).Scan(&mined); err != nil {
		return fmt.Errorf("finish send intent %s: %w", in.ID, retryable(err))
	}
	if mined != 1 {
		return coffer.Errorf(coffer.ECONFLICT, "send intent %q has no attempt %s", in.ID, in.TxHash)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("finish send intent %s: commit: %w", in.ID, retryable(err))
	}
	return nil
}

// SendNonceNext returns the nonce after the address's highest, 0 when it has none.
func (s *Store) SendNonceNext(ctx context.Context, chain, from string) (uint64, error) {
	var next int64
	if err := s.read.QueryRowContext(ctx, `SELECT coalesce(max(nonce) + 1, 0) FROM send_nonces WHERE chain = ? AND from_address = ?`,
		chain, from).Scan(&next); err != nil {
		return 0, fmt.Errorf("read next send nonce %s %s: %w", chain, from, err)
	}
	return uint64(next), nil
}

// ListSendIntents returns a page of the intents q selects, newest first: by created_at, then
// id.
func (s *Store) ListSendIntents(ctx context.Context, q coffer.SendIntentQuery) ([]coffer.SendIntent, error) {
	query := `SELECT ` + sendIntentColumns + ` FROM send_intents WHERE 1 = 1`
	var args []any
	for _, f := range []struct{ column, value string }{{"chain", q.Chain}, {"state", string(q.State)}} {
		if f.value != "" {
			query += ` AND ` + f.column + ` = ?`
			args = append(args, f.value)
		}
	}
	if q.IDPrefix != "" {
		query += ` AND substr(id, 1, ?) = ?`
		args = append(args, len(q.IDPrefix), q.IDPrefix)
	}
	if q.IDPrefixNot != "" {
		query += ` AND substr(id, 1, ?) <> ?`
		args = append(args, len(q.IDPrefixNot), q.IDPrefixNot)
	}
	if q.Address != "" {
		query += ` AND (from_address = ? OR to_address = ?)`
		args = append(args, q.Address, q.Address)
	}
	if q.Before != nil {
		at := micro(q.Before.CreatedAt)
		query += ` AND (created_at < ? OR (created_at = ? AND id < ?))`
		args = append(args, at, at, q.Before.ID)
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, pageSize(q.Limit))
	var out []coffer.SendIntent
	err := s.list(ctx, query, args, func(r *sql.Rows) error {
		in, err := scanSendIntent(r)
		out = append(out, in)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list send intents: %w", err)
	}
	return out, nil
}

// ForgetSends ends the chain's unfinished intents as failed and deletes its attempts and
// nonces, in one transaction on the write connection.
func (s *Store) ForgetSends(ctx context.Context, chain, reason string) (int, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("forget sends %s: %w", chain, retryable(err))
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE send_intents SET state = ?, reason = ?, updated_at = ?
		WHERE chain = ? AND state IN (?, ?, ?, ?)`,
		string(coffer.SendFailed), reason, micro(time.Now()), chain,
		string(coffer.SendQueued), string(coffer.SendWaitingFunds), string(coffer.SendSigned), string(coffer.SendBroadcast))
	if err != nil {
		return 0, fmt.Errorf("forget sends %s: %w", chain, retryable(err))
	}
	ended, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("forget sends %s: %w", chain, err)
	}
	for _, table := range []string{"send_attempts", "send_nonces"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE chain = ?`, chain); err != nil {
			return 0, fmt.Errorf("forget sends %s: %s: %w", chain, table, retryable(err))
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("forget sends %s: %w", chain, retryable(err))
	}
	return int(ended), nil
}
