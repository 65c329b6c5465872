package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/cofferhq/coffer"
)

var _ coffer.ChainReconciliationStore = (*Store)(nil)

const chainReconColumns = `id, chain, block_number, block_hash, from_block, status, addresses, assets, omitted,
	created_by, created_at`

func scanChainRecon(r rowScanner) (coffer.ChainReconciliation, error) {
	var (
		x           coffer.ChainReconciliation
		block, from int64
	)
	if err := r.Scan(&x.ID, &x.Chain, &block, &x.BlockHash, &from, &x.Status, &x.Addresses, &x.Assets, &x.Omitted,
		&x.CreatedBy, &x.CreatedAt); err != nil {
		return coffer.ChainReconciliation{}, err
	}
	x.BlockNumber, x.FromBlock, x.CreatedAt = uint64(block), uint64(from), x.CreatedAt.UTC()
	return x, nil
}

// PutChainReconciliation stores r and its lines in one transaction; a taken id is ECONFLICT.
func (s *Store) PutChainReconciliation(ctx context.Context, r coffer.ChainReconciliation) error {
	return s.inTx(ctx, "put chain reconciliation "+r.ID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO chain_reconciliations (`+chainReconColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING`,
			r.ID, r.Chain, int64(r.BlockNumber), r.BlockHash, int64(r.FromBlock), string(r.Status), r.Addresses, r.Assets,
			r.Omitted, r.CreatedBy, r.CreatedAt.UTC())
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() == 0 {
			return coffer.Errorf(coffer.ECONFLICT, "chain reconciliation %q already exists", r.ID)
		}
		if len(r.Lines) == 0 {
			return nil
		}
		rows := make([][]any, len(r.Lines))
		for i, l := range r.Lines {
			rows[i] = []any{r.ID, int32(i), string(l.Kind), l.Address, l.Asset, l.TxHash, weiArg(l.OnChain), weiArg(l.Ledger),
				weiArg(l.Difference)}
		}
		batch := &pgx.Batch{}
		for _, row := range rows {
			batch.Queue(`INSERT INTO chain_reconciliation_lines
				(reconciliation_id, n, kind, address, asset, tx_hash, on_chain, ledger, difference)
				VALUES ($1, $2, $3, $4, $5, $6, $7::numeric, $8::numeric, $9::numeric)`, row...)
		}
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return fmt.Errorf("lines: %w", mapErr(err))
		}
		return nil
	})
}

// ChainReconciliation returns the chain reconciliation with id and its lines, or ENOTFOUND.
func (s *Store) ChainReconciliation(ctx context.Context, id string) (coffer.ChainReconciliation, error) {
	r, err := scanChainRecon(s.pool.QueryRow(ctx, `SELECT `+chainReconColumns+` FROM chain_reconciliations WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return coffer.ChainReconciliation{}, coffer.Errorf(coffer.ENOTFOUND, "chain reconciliation %q not found", id)
	}
	if err != nil {
		return coffer.ChainReconciliation{}, fmt.Errorf("read chain reconciliation %s: %w", id, mapErr(err))
	}
	rows, err := s.pool.Query(ctx, `SELECT kind, address, asset, tx_hash, on_chain::text, ledger::text, difference::text
		FROM chain_reconciliation_lines WHERE reconciliation_id = $1 ORDER BY n`, id)
	if err != nil {
		return coffer.ChainReconciliation{}, fmt.Errorf("read chain reconciliation %s: lines: %w", id, mapErr(err))
	}
	r.Lines, err = collect(rows, func(row rowScanner) (coffer.ChainReconLine, error) {
		var (
			l                       coffer.ChainReconLine
			onChain, ledger, differ string
		)
		if err := row.Scan(&l.Kind, &l.Address, &l.Asset, &l.TxHash, &onChain, &ledger, &differ); err != nil {
			return l, err
		}
		var err error
		if l.OnChain, err = parseWei("on_chain", onChain); err != nil {
			return l, err
		}
		if l.Ledger, err = parseWei("ledger", ledger); err != nil {
			return l, err
		}
		l.Difference, err = parseWei("difference", differ)
		return l, err
	})
	if err != nil {
		return coffer.ChainReconciliation{}, fmt.Errorf("read chain reconciliation %s: lines: %w", id, mapErr(err))
	}
	return r, nil
}

// ChainReconciliations lists chain reconciliations newest first, without their lines.
func (s *Store) ChainReconciliations(ctx context.Context, f coffer.ChainReconciliationFilter) ([]coffer.ChainReconciliation, error) {
	q := `SELECT ` + chainReconColumns + ` FROM chain_reconciliations WHERE true`
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Chain != "" {
		q += ` AND chain = ` + arg(f.Chain)
	}
	if f.Status != "" {
		q += ` AND status = ` + arg(string(f.Status))
	}
	if f.After != nil {
		q += ` AND (created_at, id) < (` + arg(f.After.CreatedAt.UTC()) + `, ` + arg(f.After.ID) + `)`
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ` + arg(pageSize(f.Limit))
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list chain reconciliations: %w", mapErr(err))
	}
	out, err := collect(rows, scanChainRecon)
	if err != nil {
		return nil, fmt.Errorf("list chain reconciliations: %w", mapErr(err))
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
	rows, err := s.pool.Query(ctx, `SELECT `+sendIntentColumns+` FROM send_intents
		WHERE chain = $1 AND block_number > 0 AND block_number BETWEEN $2 AND $3 AND state IN ($4, $5)
		ORDER BY block_number, id`,
		chain, int64(from), int64(to), string(coffer.SendConfirmed), string(coffer.SendFailed))
	if err != nil {
		return nil, fmt.Errorf("mined send intents of %s: %w", chain, mapErr(err))
	}
	out, err := collect(rows, scanSendIntent)
	if err != nil {
		return nil, fmt.Errorf("mined send intents of %s: %w", chain, mapErr(err))
	}
	return out, nil
}
