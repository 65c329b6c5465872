package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cofferhq/coffer"
)

var _ coffer.ChainWatchStore = (*Store)(nil)

// depositColumns reads amount as text, exact at any size, and blockColumns a block.
const (
	depositColumns = `key, chain, asset, tx_hash, from_address, to_address, owner, amount::text, status,
	block_number, block_hash, forked_at, reason, created_at, updated_at`
	blockColumns = `chain, number, hash, parent_hash`
)

func scanDeposit(r rowScanner) (coffer.Deposit, error) {
	var (
		d              coffer.Deposit
		amount         string
		number, forked int64
	)
	if err := r.Scan(&d.Key, &d.Chain, &d.Asset, &d.TxHash, &d.From, &d.To, &d.Owner, &amount, &d.Status,
		&number, &d.BlockHash, &forked, &d.Reason, &d.CreatedAt, &d.UpdatedAt); err != nil {
		return coffer.Deposit{}, err
	}
	a, ok := new(big.Int).SetString(amount, 10)
	if !ok {
		return coffer.Deposit{}, fmt.Errorf("deposit %s: amount %q is not a decimal integer", d.Key, amount)
	}
	d.Amount = a
	d.BlockNumber, d.ForkedAt = uint64(number), uint64(forked)
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return d, nil
}

func scanChainBlock(r rowScanner) (coffer.ChainBlock, error) {
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
	rows, err := s.pool.Query(ctx, `SELECT `+blockColumns+` FROM chain_blocks WHERE chain = $1 AND number >= $2 ORDER BY number`,
		chain, int64(from))
	if err != nil {
		return nil, fmt.Errorf("list chain blocks %s: %w", chain, mapErr(err))
	}
	bs, err := collect(rows, scanChainBlock)
	if err != nil {
		return nil, fmt.Errorf("list chain blocks %s: %w", chain, mapErr(err))
	}
	return bs, nil
}

// ChainTop returns the chain's highest stored block, or ENOTFOUND.
func (s *Store) ChainTop(ctx context.Context, chain string) (coffer.ChainBlock, error) {
	b, err := scanChainBlock(s.pool.QueryRow(ctx, `SELECT `+blockColumns+` FROM chain_blocks WHERE chain = $1
		ORDER BY number DESC LIMIT 1`, chain))
	if err != nil {
		return coffer.ChainBlock{}, readErr("read chain top "+chain, err, "chain %q has no block yet", chain)
	}
	return b, nil
}

// AcceptChainBlock stores b; a block of that number already stored is ECONFLICT.
func (s *Store) AcceptChainBlock(ctx context.Context, b coffer.ChainBlock) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO chain_blocks (`+blockColumns+`) VALUES ($1, $2, $3, $4)`,
		b.Chain, int64(b.Number), b.Hash, b.ParentHash)
	if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.Code == codeUniqueViolation {
		return coffer.Errorf(coffer.ECONFLICT, "chain %s already has block %d", b.Chain, b.Number)
	}
	if err != nil {
		return fmt.Errorf("accept chain block %s %d: %w", b.Chain, b.Number, mapErr(err))
	}
	return nil
}

// AbandonChainBlocks deletes the chain's blocks numbered above ancestor.
func (s *Store) AbandonChainBlocks(ctx context.Context, chain string, ancestor uint64) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM chain_blocks WHERE chain = $1 AND number > $2`, chain, int64(ancestor)); err != nil {
		return fmt.Errorf("abandon chain blocks %s above %d: %w", chain, ancestor, mapErr(err))
	}
	return nil
}

// PruneChainBlocks deletes the chain's blocks numbered below below.
func (s *Store) PruneChainBlocks(ctx context.Context, chain string, below uint64) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM chain_blocks WHERE chain = $1 AND number < $2`, chain, int64(below)); err != nil {
		return fmt.Errorf("prune chain blocks %s below %d: %w", chain, below, mapErr(err))
	}
	return nil
}

// PutDeposit stores d by its key, keeping the first CreatedAt.
func (s *Store) PutDeposit(ctx context.Context, d coffer.Deposit) error {
	if d.Amount == nil {
		return coffer.Errorf(coffer.EINVALID, "deposit %s has no amount", d.Key)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO deposits (key, chain, asset, tx_hash, from_address, to_address, owner, amount,
			status, block_number, block_hash, forked_at, reason, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8::numeric, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (key) DO UPDATE SET chain = excluded.chain, asset = excluded.asset, tx_hash = excluded.tx_hash,
			from_address = excluded.from_address, to_address = excluded.to_address, owner = excluded.owner,
			amount = excluded.amount, status = excluded.status, block_number = excluded.block_number,
			block_hash = excluded.block_hash, forked_at = excluded.forked_at, reason = excluded.reason,
			updated_at = excluded.updated_at`,
		d.Key, d.Chain, d.Asset, d.TxHash, d.From, d.To, d.Owner, d.Amount.String(), string(d.Status),
		int64(d.BlockNumber), d.BlockHash, int64(d.ForkedAt), d.Reason, d.CreatedAt, d.UpdatedAt)
	if err != nil {
		return fmt.Errorf("put deposit %s: %w", d.Key, mapErr(err))
	}
	return nil
}

// Deposit returns the deposit with key, or ENOTFOUND.
func (s *Store) Deposit(ctx context.Context, key string) (coffer.Deposit, error) {
	d, err := scanDeposit(s.pool.QueryRow(ctx, `SELECT `+depositColumns+` FROM deposits WHERE key = $1`, key))
	if err != nil {
		return coffer.Deposit{}, readErr("read deposit "+key, err, "deposit %q does not exist", key)
	}
	return d, nil
}

// Deposits lists the deposits f selects, by block number then key.
func (s *Store) Deposits(ctx context.Context, f coffer.DepositFilter) ([]coffer.Deposit, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+depositColumns+` FROM deposits
		WHERE chain = $1 AND status = $2 AND block_number >= $3 ORDER BY block_number, key`,
		f.Chain, string(f.Status), int64(f.BlockFrom))
	if err != nil {
		return nil, fmt.Errorf("list deposits %s %s: %w", f.Chain, f.Status, mapErr(err))
	}
	ds, err := collect(rows, scanDeposit)
	if err != nil {
		return nil, fmt.Errorf("list deposits %s %s: %w", f.Chain, f.Status, mapErr(err))
	}
	return ds, nil
}

// ListDeposits returns a page of the deposits q selects, newest first: by created_at, then key.
func (s *Store) ListDeposits(ctx context.Context, q coffer.DepositQuery) ([]coffer.Deposit, error) {
	query := `SELECT ` + depositColumns + ` FROM deposits WHERE true`
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	for _, f := range []struct{ column, value string }{
		{"chain", q.Chain}, {"asset", q.Asset}, {"owner", q.Owner}, {"to_address", q.Address},
		{"tx_hash", q.TxHash}, {"status", string(q.Status)},
	} {
		if f.value != "" {
			query += ` AND ` + f.column + ` = ` + arg(f.value)
		}
	}
	if q.Before != nil {
		query += ` AND (created_at, key) < (` + arg(q.Before.CreatedAt) + `, ` + arg(q.Before.Key) + `)`
	}
	query += ` ORDER BY created_at DESC, key DESC LIMIT ` + arg(pageSize(q.Limit))
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list deposits: %w", mapErr(err))
	}
	ds, err := collect(rows, scanDeposit)
	if err != nil {
		return nil, fmt.Errorf("list deposits: %w", mapErr(err))
	}
	return ds, nil
}
