package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/cofferhq/coffer"
)

var _ coffer.ChainReconciliationStore = (*Store)(nil)

const chainReconColumns = `id, chain, block_number, block_hash, from_block, status, addresses, assets, omitted,
	created_by, created_at`

func scanChainRecon(r row) (coffer.ChainReconciliation, error) {
	var (
		x                    coffer.ChainReconciliation
		block, from, created int64
	)
	if err := r.Scan(&x.ID, &x.Chain, &block, &x.BlockHash, &from, &x.Status, &x.Addresses, &x.Assets, &x.Omitted,
		&x.CreatedBy, &created); err != nil {
		return coffer.ChainReconciliation{}, err
	}
	x.BlockNumber, x.FromBlock, x.CreatedAt = uint64(block), uint64(from), fromMicro(created)
	return x, nil
}

// PutChainReconciliation stores r and its lines in one transaction; a taken id is ECONFLICT.
func (s *Store) PutChainReconciliation(ctx context.Context, r coffer.ChainReconciliation) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("put chain reconciliation %s: %w", r.ID, retryable(err))
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `INSERT INTO chain_reconciliations (`+chainReconColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Chain, int64(r.BlockNumber), r.BlockHash, int64(r.FromBlock), string(r.Status), r.Addresses, r.Assets,
		r.Omitted, r.CreatedBy, micro(r.CreatedAt))
	if isConstraint(err) {
		return coffer.Errorf(coffer.ECONFLICT, "chain reconciliation %q already exists", r.ID)
	}
	if err != nil {
		return fmt.Errorf("put chain reconciliation %s: %w", r.ID, retryable(err))
	}
	for i, l := range r.Lines {
		if _, err := tx.ExecContext(ctx, `INSERT INTO chain_reconciliation_lines
				(reconciliation_id, n, kind, address, asset, tx_hash, on_chain, ledger, difference)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, i, string(l.Kind), l.Address, l.Asset, l.TxHash, weiArg(l.OnChain), weiArg(l.Ledger),
			weiArg(l.Difference)); err != nil {
			return fmt.Errorf("put chain reconciliation %s: line %d: %w", r.ID, i, retryable(err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("put chain reconciliation %s: commit: %w", r.ID, retryable(err))
	}
	return nil
}

// ChainReconciliation returns the chain reconciliation with id and its lines, or ENOTFOUND.
func (s *Store) ChainReconciliation(ctx context.Context, id string) (coffer.ChainReconciliation, error) {
	r, err := scanChainRecon(s.read.QueryRowContext(ctx, `SELECT `+chainReconColumns+` FROM chain_reconciliations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.ChainReconciliation{}, coffer.Errorf(coffer.ENOTFOUND, "chain reconciliation %q not found", id)
	}
	if err != nil {
		return coffer.ChainReconciliation{}, fmt.Errorf("read chain reconciliation %s: %w", id, err)
	}
	err = s.list(ctx, `SELECT kind, address, asset, tx_hash, on_chain, ledger, difference
		FROM chain_reconciliation_lines WHERE reconciliation_id = ? ORDER BY n`, []any{id}, func(rows *sql.Rows) error {
		var (
			l                       coffer.ChainReconLine
			onChain, ledger, differ string
		)
		if err := rows.Scan(&l.Kind, &l.Address, &l.Asset, &l.TxHash, &onChain, &ledger, &differ); err != nil {
			return err
		}
		var err error
		if l.OnChain, err = parseWei("on_chain", onChain); err != nil {
			return err
		}
		if l.Ledger, err = parseWei("ledger", ledger); err != nil {
			return err
		}
		if l.Difference, err = parseWei("difference", differ); err != nil {
			return err
		}
		r.Lines = append(r.Lines, l)
		return nil
	})
	if err != nil {
		return coffer.ChainReconciliation{}, fmt.Errorf("read chain reconciliation %s: lines: %w", id, err)
	}
	return r, nil
}

// ChainReconciliations lists chain reconciliations newest first, without their lines.
func (s *Store) ChainReconciliations(ctx context.Context, f coffer.ChainReconciliationFilter) ([]coffer.ChainReconciliation, error) {
	q := `SELECT ` + chainReconColumns + ` FROM chain_reconciliations WHERE 1 = 1`
	var args []any
	if f.Chain != "" {
		q += ` AND chain = ?`
		args = append(args, f.Chain)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	if f.After != nil {
		q += ` AND (created_at < ? OR (created_at = ? AND id < ?))`
		args = append(args, micro(f.After.CreatedAt), micro(f.After.CreatedAt), f.After.ID)
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, pageSize(f.Limit))
	var out []coffer.ChainReconciliation
	err := s.list(ctx, q, args, func(r *sql.Rows) error {
		x, err := scanChainRecon(r)
		out = append(out, x)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list chain reconciliations: %w", err)
	}
	return out, nil
}

// LastChainReconciliation returns the chain's newest reconciliation, without lines.
func (s *Store) LastChainReconciliation(ctx context.Context, chain string) (coffer.ChainReconciliation, error) {
	list, err := s.ChainReconciliations(ctx, coffer.ChainReconciliationFilter{Chain: chain, Limit: 1})
	if err != nil {
		return coffer.ChainReconciliation{}, err
	}
	if len(list) == 0 {
		return coffer.ChainReconciliation{}, coffer.Errorf(coffer.ENOTFOUND, "chain %s has no reconciliation", chain)
	}
	return list[0], nil
}

// MinedSendIntents returns the chain's intents mined in the blocks from to to.
func (s *Store) MinedSendIntents(ctx context.Context, chain string, from, to uint64) ([]coffer.SendIntent, error) {
	var out []coffer.SendIntent
	err := s.list(ctx, `SELECT `+sendIntentColumns+` FROM send_intents
		WHERE chain = ? AND block_number > 0 AND block_number BETWEEN ? AND ? AND state IN (?, ?)
		ORDER BY block_number, id`,
		[]any{chain, int64(from), int64(to), string(coffer.SendConfirmed), string(coffer.SendFailed)}, func(r *sql.Rows) error {
			in, err := scanSendIntent(r)
			out = append(out, in)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("mined send intents of %s: %w", chain, err)
	}
	return out, nil
}
