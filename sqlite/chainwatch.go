package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"

	"github.com/cofferhq/coffer"
)

var _ coffer.ChainWatchStore = (*Store)(nil)

const depositColumns = `key, chain, asset, tx_hash, from_address, to_address, owner, amount, status,
	block_number, block_hash, forked_at, reason, created_at, updated_at`

func scanDeposit(r row) (coffer.Deposit, error) {
	var (
		d                coffer.Deposit
		amount           string
		number, forked   int64
		created, updated int64
	)
	if err := r.Scan(&d.Key, &d.Chain, &d.Asset, &d.TxHash, &d.From, &d.To, &d.Owner, &amount, &d.Status,
		&number, &d.BlockHash, &forked, &d.Reason, &created, &updated); err != nil {
		return coffer.Deposit{}, err
	}
	a, ok := new(big.Int).SetString(amount, 10)
	if !ok {
		return coffer.Deposit{}, fmt.Errorf("deposit %s: amount %q is not a decimal integer", d.Key, amount)
	}
	d.Amount = a
	d.BlockNumber, d.ForkedAt = uint64(number), uint64(forked)
	d.CreatedAt, d.UpdatedAt = fromMicro(created), fromMicro(updated)
	return d, nil
}

func scanChainBlock(r row) (coffer.ChainBlock, error) {
	var (
		b      coffer.ChainBlock
		number int64
	)
	err := r.Scan(&b.Chain, &number, &b.Hash, &b.ParentHash)
	b.Number = uint64(number)
	return b, err
}

// ChainBlocks returns the chain's stored blocks numbered from from up, in order.
func (s *Store) ChainBlocks(ctx context.Context, chain string, from uint64) ([]coffer.ChainBlock, error) {
	var out []coffer.ChainBlock
	err := s.list(ctx, `SELECT chain, number, hash, parent_hash FROM chain_blocks
		WHERE chain = ? AND number >= ? ORDER BY number`, []any{chain, int64(from)}, func(r *sql.Rows) error {
		b, err := scanChainBlock(r)
		out = append(out, b)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list chain blocks %s: %w", chain, err)
	}
	return out, nil
}

// ChainTop returns the chain's highest stored block, or ENOTFOUND.
func (s *Store) ChainTop(ctx context.Context, chain string) (coffer.ChainBlock, error) {
	b, err := scanChainBlock(s.read.QueryRowContext(ctx, `SELECT chain, number, hash, parent_hash FROM chain_blocks
		WHERE chain = ? ORDER BY number DESC LIMIT 1`, chain))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.ChainBlock{}, coffer.Errorf(coffer.ENOTFOUND, "chain %q has no block yet", chain)
	}
	if err != nil {
		return coffer.ChainBlock{}, fmt.Errorf("read chain top %s: %w", chain, err)
	}
	return b, nil
}

// AcceptChainBlock stores b; a block of that number already stored is ECONFLICT.
func (s *Store) AcceptChainBlock(ctx context.Context, b coffer.ChainBlock) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO chain_blocks (chain, number, hash, parent_hash) VALUES (?, ?, ?, ?)`,
		b.Chain, int64(b.Number), b.Hash, b.ParentHash)
	if isConstraint(err) {
		return coffer.Errorf(coffer.ECONFLICT, "chain %s already has block %d", b.Chain, b.Number)
	}
	if err != nil {
		return fmt.Errorf("accept chain block %s %d: %w", b.Chain, b.Number, retryable(err))
	}
	return nil
}

// AbandonChainBlocks deletes the chain's blocks numbered above ancestor.
func (s *Store) AbandonChainBlocks(ctx context.Context, chain string, ancestor uint64) error {
	if _, err := s.write.ExecContext(ctx, `DELETE FROM chain_blocks WHERE chain = ? AND number > ?`,
		chain, int64(ancestor)); err != nil {
		return fmt.Errorf("abandon chain blocks %s above %d: %w", chain, ancestor, retryable(err))
	}
	return nil
}

// PruneChainBlocks deletes the chain's blocks numbered below below.
func (s *Store) PruneChainBlocks(ctx context.Context, chain string, below uint64) error {
	if _, err := s.write.ExecContext(ctx, `DELETE FROM chain_blocks WHERE chain = ? AND number < ?`,
		chain, int64(below)); err != nil {
		return fmt.Errorf("prune chain blocks %s below %d: %w", chain, below, retryable(err))
	}
	return nil
}

// PutDeposit stores d by its key, keeping the first CreatedAt.
func (s *Store) PutDeposit(ctx context.Context, d coffer.Deposit) error {
	if d.Amount == nil {
		return coffer.Errorf(coffer.EINVALID, "deposit %s has no amount", d.Key)
	}
	_, err := s.write.ExecContext(ctx, `INSERT INTO deposits (`+depositColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET chain = excluded.chain, asset = excluded.asset, tx_hash = excluded.tx_hash,
			from_address = excluded.from_address, to_address = excluded.to_address, owner = excluded.owner,
			amount = excluded.amount, status = excluded.status, block_number = excluded.block_number,
			block_hash = excluded.block_hash, forked_at = excluded.forked_at, reason = excluded.reason,
			updated_at = excluded.updated_at`,
		d.Key, d.Chain, d.Asset, d.TxHash, d.From, d.To, d.Owner, d.Amount.String(), string(d.Status),
		int64(d.BlockNumber), d.BlockHash, int64(d.ForkedAt), d.Reason, micro(d.CreatedAt), micro(d.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put deposit %s: %w", d.Key, retryable(err))
	}
	return nil
}

// Deposit returns the deposit with key, or ENOTFOUND.
func (s *Store) Deposit(ctx context.Context, key string) (coffer.Deposit, error) {
	d, err := scanDeposit(s.read.QueryRowContext(ctx, `SELECT `+depositColumns+` FROM deposits WHERE key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.Deposit{}, coffer.Errorf(coffer.ENOTFOUND, "deposit %q does not exist", key)
	}
	if err != nil {
		return coffer.Deposit{}, fmt.Errorf("read deposit %s: %w", key, err)
	}
	return d, nil
}

// Deposits lists the deposits f selects, by block number then key.
func (s *Store) Deposits(ctx context.Context, f coffer.DepositFilter) ([]coffer.Deposit, error) {
	var out []coffer.Deposit
	err := s.list(ctx, `SELECT `+depositColumns+` FROM deposits
		WHERE chain = ? AND status = ? AND block_number >= ? ORDER BY block_number, key`,
		[]any{f.Chain, string(f.Status), int64(f.BlockFrom)}, func(r *sql.Rows) error {
			d, err := scanDeposit(r)
			out = append(out, d)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("list deposits %s %s: %w", f.Chain, f.Status, err)
	}
	return out, nil
}

// ListDeposits returns a page of the deposits q selects, newest first: by created_at, then key.
func (s *Store) ListDeposits(ctx context.Context, q coffer.DepositQuery) ([]coffer.Deposit, error) {
	query := `SELECT ` + depositColumns + ` FROM deposits WHERE 1 = 1`
	var args []any
	for _, f := range []struct{ column, value string }{
		{"chain", q.Chain}, {"asset", q.Asset}, {"owner", q.Owner}, {"to_address", q.Address},
		{"tx_hash", q.TxHash}, {"status", string(q.Status)},
	} {
		if f.value != "" {
			query += ` AND ` + f.column + ` = ?`
			args = append(args, f.value)
		}
	}
	if q.Before != nil {
		at := micro(q.Before.CreatedAt)
		query += ` AND (created_at < ? OR (created_at = ? AND key < ?))`
		args = append(args, at, at, q.Before.Key)
	}
	query += ` ORDER BY created_at DESC, key DESC LIMIT ?`
	args = append(args, pageSize(q.Limit))
	var out []coffer.Deposit
	err := s.list(ctx, query, args, func(r *sql.Rows) error {
		d, err := scanDeposit(r)
		out = append(out, d)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list deposits: %w", err)
	}
	return out, nil
}
