package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cofferhq/coffer"
)

var (
	_ coffer.SendStore     = (*Store)(nil)
	_ coffer.SendForgetter = (*Store)(nil)
)

// The columns read numbers as text, exact at any size.
const (
	sendIntentColumns = `id, chain, from_address, to_address, asset, contract, amount::text, state, nonce, tx_hash,
	block_number, gas_used, coalesce(fee::text, ''), reason, created_at, updated_at`
	sendAttemptColumns = `tx_hash, intent_id, chain, from_address, nonce, raw, gas_fee_cap::text, gas_tip_cap::text, gas,
	state, sent_block, block_number, created_at, updated_at`
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

// weiArg is v for a numeric column: NULL when nil.
func weiArg(v *big.Int) any {
	if v == nil {
		return nil
	}
	return v.String()
}

func scanSendIntent(r rowScanner) (coffer.SendIntent, error) {
	var (
		in                    coffer.SendIntent
		amount, fee           string
		nonce, block, gasUsed int64
	)
	if err := r.Scan(&in.ID, &in.Chain, &in.From, &in.To, &in.Asset, &in.Contract, &amount, &in.State, &nonce,
		&in.TxHash, &block, &gasUsed, &fee, &in.Reason, &in.CreatedAt, &in.UpdatedAt); err != nil {
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
	in.CreatedAt, in.UpdatedAt = in.CreatedAt.UTC(), in.UpdatedAt.UTC()
	return in, nil
}

func scanSendAttempt(r rowScanner) (coffer.SendAttempt, error) {
	var (
		a                       coffer.SendAttempt
		feeCap, tipCap          string
		nonce, gas, sent, block int64
	)
	if err := r.Scan(&a.TxHash, &a.IntentID, &a.Chain, &a.From, &nonce, &a.Raw, &feeCap, &tipCap, &gas, &a.State,
		&sent, &block, &a.CreatedAt, &a.UpdatedAt); err != nil {
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
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return a, nil
}

func staleFence(f coffer.Fence) error {
	return coffer.Errorf(coffer.ECONFLICT, "lease %s is no longer held with token %d", f.Lease, f.Token)
}

func isUnique(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == codeUniqueViolation
}

// holdFence reads the fence's lease FOR SHARE in tx: a claim that would change its token waits
// until tx ends, and one that came first fails the check.
func holdFence(ctx context.Context, tx pgx.Tx, f coffer.Fence) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM leases WHERE name = $1 AND token = $2 AND holder <> '' FOR SHARE`,
		f.Lease, f.Token).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return staleFence(f)
	}
	if err != nil {
		return fmt.Errorf("fence: %w", mapErr(err))
	}
	return nil
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
	_, err := s.pool.Exec(ctx, `INSERT INTO send_intents (id, chain, from_address, to_address, asset, contract, amount,
			state, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7::numeric, $8, $9, $10)`,
		in.ID, in.Chain, in.From, in.To, in.Asset, in.Contract, in.Amount.String(), string(coffer.SendQueued),
		in.CreatedAt, now)
	if isUnique(err) {
		return coffer.Errorf(coffer.ECONFLICT, "send intent %q already exists", in.ID)
	}
	if err != nil {
		return fmt.Errorf("create send intent %s: %w", in.ID, mapErr(err))
	}
	return nil
}

// SendIntent returns the intent with id, or ENOTFOUND.
func (s *Store) SendIntent(ctx context.Context, id string) (coffer.SendIntent, error) {
	in, err := scanSendIntent(s.pool.QueryRow(ctx, `SELECT `+sendIntentColumns+` FROM send_intents WHERE id = $1`, id))
	if err != nil {
		return coffer.SendIntent{}, readErr("read send intent "+id, err, "send intent %q does not exist", id)
	}
	return in, nil
}

func stateStrings(states []coffer.SendState) []string {
	out := make([]string, len(states))
	for i, st := range states {
		out[i] = string(st)
	}
	return out
}

// SendIntents lists the intents f selects, by created_at then id.
func (s *Store) SendIntents(ctx context.Context, f coffer.SendFilter) ([]coffer.SendIntent, error) {
	if len(f.States) == 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+sendIntentColumns+` FROM send_intents
		WHERE chain = $1 AND from_address = $2 AND state = ANY($3) ORDER BY created_at, id LIMIT $4`,
		f.Chain, f.From, stateStrings(f.States), pageSize(f.Limit))
	if err != nil {
		return nil, fmt.Errorf("list send intents %s %s: %w", f.Chain, f.From, mapErr(err))
	}
	out, err := collect(rows, scanSendIntent)
	if err != nil {
		return nil, fmt.Errorf("list send intents %s %s: %w", f.Chain, f.From, mapErr(err))
	}
	return out, nil
}

// CancelSendIntent cancels the intent if it is queued or waiting for funds. The UPDATE's
// condition is checked on the row it locks, so it takes turns with AddSendAttempt, which locks
// the row too.
func (s *Store) CancelSendIntent(ctx context.Context, id string) (coffer.SendIntent, error) {
	in, err := scanSendIntent(s.pool.QueryRow(ctx, `UPDATE send_intents SET state = $1, updated_at = now()
		WHERE id = $2 AND state IN ($3, $4) RETURNING `+sendIntentColumns,
		string(coffer.SendCancelled), id, string(coffer.SendQueued), string(coffer.SendWaitingFunds)))
	if errors.Is(err, pgx.ErrNoRows) {
		old, err := s.SendIntent(ctx, id)
		if err != nil {
			return coffer.SendIntent{}, err
		}
		return coffer.SendIntent{}, coffer.Errorf(coffer.ECONFLICT, "send intent %q is %s: only a queued or waiting one can be cancelled", id, old.State)
	}
	if err != nil {
		return coffer.SendIntent{}, fmt.Errorf("cancel send intent %s: %w", id, mapErr(err))
	}
	return in, nil
}

// SetSendState moves the intent to state from one of from, under the fence.
func (s *Store) SetSendState(ctx context.Context, id string, from []coffer.SendState, state coffer.SendState, f coffer.Fence) error {
	return s.inTx(ctx, "set send state "+id, func(tx pgx.Tx) error {
		if err := holdFence(ctx, tx, f); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE send_intents SET state = $1, updated_at = now() WHERE id = $2 AND state = ANY($3)`,
			string(state), id, stateStrings(from))
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() == 0 {
			return coffer.Errorf(coffer.ECONFLICT, "send intent %q is not in %v", id, from)
		}
		return nil
	})
}

// AbandonSendIntent ends a queued or waiting intent as failed with reason, under the fence.
func (s *Store) AbandonSendIntent(ctx context.Context, id, reason string, f coffer.Fence) error {
	return s.inTx(ctx, "abandon send intent "+id, func(tx pgx.Tx) error {
		if err := holdFence(ctx, tx, f); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE send_intents SET state = $1, reason = $2, updated_at = now()
			WHERE id = $3 AND state = ANY($4)`,
			string(coffer.SendFailed), reason, id, stateStrings([]coffer.SendState{coffer.SendQueued, coffer.SendWaitingFunds}))
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() > 0 {
			return nil
		}
		var state string
		if err := tx.QueryRow(ctx, `SELECT state FROM send_intents WHERE id = $1`, id).Scan(&state); errors.Is(err, pgx.ErrNoRows) {
			return coffer.Errorf(coffer.ENOTFOUND, "send intent %q does not exist", id)
		} else if err != nil {
			return mapErr(err)
		}
		return coffer.Errorf(coffer.ECONFLICT, "send intent %q is %s: only a queued or waiting one can be abandoned", id, state)
	})
}

// inTx runs fn in a read-committed transaction and commits it; op names it in errors.
func (s *Store) inTx(ctx context.Context, op string, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("%s: begin: %w", op, mapErr(err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		var ce *coffer.Error
		if errors.As(err, &ce) {
			return err
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("%s: commit: %w", op, mapErr(err))
	}
	return nil
}

// AddSendAttempt stores a and signs its intent over to its nonce, in one transaction: the
// lease is read FOR SHARE, the intent's row FOR UPDATE (CancelSendIntent waits for it), and the
// nonce's row is inserted or, when another intent's, found.
func (s *Store) AddSendAttempt(ctx context.Context, a coffer.SendAttempt, f coffer.Fence) error {
	if a.GasFeeCap == nil || a.GasTipCap == nil || len(a.Raw) == 0 {
		return coffer.Errorf(coffer.EINVALID, "send attempt %s: fees and raw bytes are required", a.TxHash)
	}
	return s.inTx(ctx, "add send attempt "+a.TxHash, func(tx pgx.Tx) error {
		if err := holdFence(ctx, tx, f); err != nil {
			return err
		}
		var (
			state string
			nonce int64
		)
		err := tx.QueryRow(ctx, `SELECT state, nonce FROM send_intents WHERE id = $1 AND chain = $2 AND from_address = $3 FOR UPDATE`,
			a.IntentID, a.Chain, a.From).Scan(&state, &nonce)
		if errors.Is(err, pgx.ErrNoRows) {
			return coffer.Errorf(coffer.ECONFLICT, "send attempt %s: no intent %q of %s on %s", a.TxHash, a.IntentID, a.From, a.Chain)
		}
		if err != nil {
			return mapErr(err)
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
		err = tx.QueryRow(ctx, `INSERT INTO send_nonces (chain, from_address, nonce, intent_id) VALUES ($1, $2, $3, $4)
			ON CONFLICT (chain, from_address, nonce) DO UPDATE SET intent_id = send_nonces.intent_id RETURNING intent_id`,
			a.Chain, a.From, int64(a.Nonce), a.IntentID).Scan(&holder)
		if err != nil {
			return fmt.Errorf("nonce: %w", mapErr(err))
		}
		if holder != a.IntentID {
			return coffer.Errorf(coffer.ECONFLICT, "nonce %d of %s on %s belongs to send intent %q", a.Nonce, a.From, a.Chain, holder)
		}
		_, err = tx.Exec(ctx, `INSERT INTO send_attempts (tx_hash, intent_id, chain, from_address, nonce, raw, gas_fee_cap,
				gas_tip_cap, gas, state, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7::numeric, $8::numeric, $9, $10, now(), now())`,
			a.TxHash, a.IntentID, a.Chain, a.From, int64(a.Nonce), a.Raw, a.GasFeeCap.String(), a.GasTipCap.String(),
			int64(a.Gas), string(coffer.AttemptSigned))
		if isUnique(err) {
			return coffer.Errorf(coffer.ECONFLICT, "send attempt %s already exists", a.TxHash)
		}
		if err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE send_intents SET nonce = $1, updated_at = now(),
				state = CASE WHEN state IN ($2, $3) THEN $4 ELSE state END WHERE id = $5`,
			int64(a.Nonce), string(coffer.SendQueued), string(coffer.SendWaitingFunds), string(coffer.SendSigned), a.IntentID); err != nil {
			return fmt.Errorf("intent: %w", mapErr(err))
		}
		return nil
	})
}

// SendAttempts returns the intent's attempts in the order they were added.
func (s *Store) SendAttempts(ctx context.Context, intentID string) ([]coffer.SendAttempt, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sendAttemptColumns+` FROM send_attempts WHERE intent_id = $1 ORDER BY seq`, intentID)
	if err != nil {
		return nil, fmt.Errorf("list send attempts %s: %w", intentID, mapErr(err))
	}
	out, err := collect(rows, scanSendAttempt)
	if err != nil {
		return nil, fmt.Errorf("list send attempts %s: %w", intentID, mapErr(err))
	}
	return out, nil
}

// MarkSendBroadcast marks the attempts and their intents broadcast, in one transaction.
func (s *Store) MarkSendBroadcast(ctx context.Context, txHashes []string, sentBlock uint64) error {
	if len(txHashes) == 0 {
		return nil
	}
	hashes := slices.Compact(slices.Sorted(slices.Values(txHashes)))
	return s.inTx(ctx, "mark send broadcast", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE send_attempts SET updated_at = now(),
				state = CASE WHEN state = $1 THEN $2 ELSE state END,
				sent_block = $3
			WHERE tx_hash = ANY($4)`,
			string(coffer.AttemptSigned), string(coffer.AttemptBroadcast), int64(sentBlock), hashes)
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() != int64(len(hashes)) {
			return coffer.Errorf(coffer.ENOTFOUND, "of %d send attempts, %d exist", len(hashes), tag.RowsAffected())
		}
		if _, err := tx.Exec(ctx, `UPDATE send_intents SET state = $1, updated_at = now()
			WHERE state = $2 AND id IN (SELECT intent_id FROM send_attempts WHERE tx_hash = ANY($3))`,
			string(coffer.SendBroadcast), string(coffer.SendSigned), hashes); err != nil {
			return fmt.Errorf("intents: %w", mapErr(err))
		}
		return nil
	})
}

// FinishSendIntent ends the intent and its attempts in one transaction, under the fence.
func (s *Store) FinishSendIntent(ctx context.Context, in coffer.SendIntent, f coffer.Fence) error {
	if in.State != coffer.SendConfirmed && in.State != coffer.SendFailed {
		return coffer.Errorf(coffer.EINVALID, "send intent %s cannot finish as %s", in.ID, in.State)
	}
	return s.inTx(ctx, "finish send intent "+in.ID, func(tx pgx.Tx) error {
		if err := holdFence(ctx, tx, f); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE send_intents SET state = $1, tx_hash = $2, block_number = $3, gas_used = $4,
				fee = $5::numeric, reason = $6, updated_at = now()
			WHERE id = $7 AND state IN ($8, $9)`,
			string(in.State), in.TxHash, int64(in.BlockNumber), int64(in.GasUsed), weiArg(in.Fee), in.Reason,
			in.ID, string(coffer.SendSigned), string(coffer.SendBroadcast))
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() == 0 {
			return coffer.Errorf(coffer.ECONFLICT, "send intent %q is not in flight", in.ID)
		}
		if _, err := tx.Exec(ctx, `UPDATE send_attempts SET updated_at = now(),
				state = CASE WHEN tx_hash = $1 THEN $2 ELSE $3 END,
				block_number = CASE WHEN tx_hash = $1 THEN $4 ELSE 0 END
			WHERE intent_id = $5`,
			in.TxHash, string(coffer.AttemptMined), string(coffer.AttemptReplaced), int64(in.BlockNumber), in.ID); err != nil {
			return fmt.Errorf("attempts: %w", mapErr(err))
		}
		var mined int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM send_attempts WHERE intent_id = $1 AND tx_hash = $2`,
			in.ID, in.TxHash).Scan(&mined); err != nil {
			return mapErr(err)
		}
		if mined != 1 {
			return coffer.Errorf(coffer.ECONFLICT, "send intent %q has no attempt %s", in.ID, in.TxHash)
		}
		return nil
	})
}

// SendNonceNext returns the nonce after the address's highest, 0 when it has none.
func (s *Store) SendNonceNext(ctx context.Context, chain, from string) (uint64, error) {
	var next int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(nonce) + 1, 0) FROM send_nonces WHERE chain = $1 AND from_address = $2`,
		chain, from).Scan(&next); err != nil {
		return 0, fmt.Errorf("read next send nonce %s %s: %w", chain, from, mapErr(err))
	}
	return uint64(next), nil
}

// ListSendIntents returns a page of the intents q selects, newest first: by created_at, then
// id.
func (s *Store) ListSendIntents(ctx context.Context, q coffer.SendIntentQuery) ([]coffer.SendIntent, error) {
	query := `SELECT ` + sendIntentColumns + ` FROM send_intents WHERE true`
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	for _, f := range []struct{ column, value string }{{"chain", q.Chain}, {"state", string(q.State)}} {
		if f.value != "" {
			query += ` AND ` + f.column + ` = ` + arg(f.value)
		}
	}
	if q.IDPrefix != "" {
		query += ` AND left(id, ` + arg(len(q.IDPrefix)) + `) = ` + arg(q.IDPrefix)
	}
	if q.IDPrefixNot != "" {
		query += ` AND left(id, ` + arg(len(q.IDPrefixNot)) + `) <> ` + arg(q.IDPrefixNot)
	}
	if q.Address != "" {
		query += ` AND (from_address = ` + arg(q.Address) + ` OR to_address = ` + arg(q.Address) + `)`
	}
	if q.Before != nil {
		query += ` AND (created_at, id) < (` + arg(q.Before.CreatedAt) + `, ` + arg(q.Before.ID) + `)`
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ` + arg(pageSize(q.Limit))
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list send intents: %w", mapErr(err))
	}
	out, err := collect(rows, scanSendIntent)
	if err != nil {
		return nil, fmt.Errorf("list send intents: %w", mapErr(err))
	}
	return out, nil
}

// ForgetSends ends the chain's unfinished intents as failed and deletes its attempts and
// nonces, in one transaction.
func (s *Store) ForgetSends(ctx context.Context, chain, reason string) (int, error) {
	var ended int64
	err := s.inTx(ctx, "forget sends "+chain, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE send_intents SET state = $1, reason = $2, updated_at = now()
			WHERE chain = $3 AND state IN ($4, $5, $6, $7)`,
			string(coffer.SendFailed), reason, chain,
			string(coffer.SendQueued), string(coffer.SendWaitingFunds), string(coffer.SendSigned), string(coffer.SendBroadcast))
		if err != nil {
			return mapErr(err)
		}
		ended = tag.RowsAffected()
		for _, table := range []string{"send_attempts", "send_nonces"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE chain = $1`, chain); err != nil {
				return fmt.Errorf("%s: %w", table, mapErr(err))
			}
		}
		return nil
	})
	return int(ended), err
}
