package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cofferhq/coffer"
)

var _ coffer.DepositAddressStore = (*Store)(nil)

const depositAddressColumns = `chain, owner, address, idx, created_at`

func scanDepositAddress(r rowScanner) (coffer.DepositAddress, error) {
	var (
		a   coffer.DepositAddress
		idx int64
	)
	if err := r.Scan(&a.Chain, &a.Owner, &a.Address, &idx, &a.CreatedAt); err != nil {
		return coffer.DepositAddress{}, err
	}
	a.Index, a.CreatedAt = uint32(idx), a.CreatedAt.UTC()
	return a, nil
}

// AssignDepositAddress returns the owner's address on chain, or creates it with the owner's
// index, in one transaction. A new address is made under an EXCLUSIVE lock of
// owner_key_indexes (readers go on): the next index is the largest plus one, so allocations
// must take turns, and a second call for the same owner, once it holds the lock, sees the
// first one's committed rows (READ COMMITTED reads afresh at each statement) and returns them.
// derive runs while the lock is held, so it must be quick.
func (s *Store) AssignDepositAddress(ctx context.Context, chain, owner string, derive func(uint32) (string, error)) (coffer.DepositAddress, bool, error) {
	const query = `SELECT ` + depositAddressColumns + ` FROM deposit_addresses WHERE chain = $1 AND owner = $2`
	a, err := scanDepositAddress(s.pool.QueryRow(ctx, query, chain, owner))
	if err == nil {
		return a, false, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return coffer.DepositAddress{}, false, fmt.Errorf("assign deposit address: %w", mapErr(err))
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return coffer.DepositAddress{}, false, fmt.Errorf("assign deposit address: begin: %w", mapErr(err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `LOCK TABLE owner_key_indexes IN EXCLUSIVE MODE`); err != nil {
		return coffer.DepositAddress{}, false, fmt.Errorf("assign deposit address: lock: %w", mapErr(err))
	}
	a, err = scanDepositAddress(tx.QueryRow(ctx, query, chain, owner))
	if err == nil {
		return a, false, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return coffer.DepositAddress{}, false, fmt.Errorf("assign deposit address: %w", mapErr(err))
	}
	var idx int64
	err = tx.QueryRow(ctx, `SELECT idx FROM owner_key_indexes WHERE owner = $1`, owner).Scan(&idx)
	if errors.Is(err, pgx.ErrNoRows) {
		err = tx.QueryRow(ctx, `INSERT INTO owner_key_indexes (owner, idx)
			SELECT $1, COALESCE(MAX(idx) + 1, 0) FROM owner_key_indexes RETURNING idx`, owner).Scan(&idx)
	}
	if err != nil {
		return coffer.DepositAddress{}, false, fmt.Errorf("assign deposit address: key index: %w", mapErr(err))
	}
	if idx > 1<<32-1 {
		return coffer.DepositAddress{}, false, fmt.Errorf("assign deposit address: key index %d is out of range", idx)
	}
	address, err := derive(uint32(idx))
	if err != nil {
		return coffer.DepositAddress{}, false, err
	}
	a = coffer.DepositAddress{Chain: chain, Address: address, Owner: owner, Index: uint32(idx),
		CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	_, err = tx.Exec(ctx, `INSERT INTO deposit_addresses (chain, owner, address, address_lower, idx, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, chain, owner, address, strings.ToLower(address), idx, a.CreatedAt)
	if err != nil {
		return coffer.DepositAddress{}, false, fmt.Errorf("assign deposit address: %w", mapErr(err))
	}
	if err := tx.Commit(ctx); err != nil {
		return coffer.DepositAddress{}, false, fmt.Errorf("assign deposit address: commit: %w", mapErr(err))
	}
	return a, true, nil
}

// DepositAddresses returns addresses as the filter selects, oldest first: by index, then chain.
func (s *Store) DepositAddresses(ctx context.Context, f coffer.DepositAddressFilter) ([]coffer.DepositAddress, error) {
	q := `SELECT ` + depositAddressColumns + ` FROM deposit_addresses WHERE true`
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Chain != "" {
		q += ` AND chain = ` + arg(f.Chain)
	}
	if f.Owner != "" {
		q += ` AND owner = ` + arg(f.Owner)
	}
	if f.After != nil {
		q += ` AND (idx, chain) > (` + arg(int64(f.After.Index)) + `, ` + arg(f.After.Chain) + `)`
	}
	q += ` ORDER BY idx, chain LIMIT ` + arg(pageSize(f.Limit))
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list deposit addresses: %w", mapErr(err))
	}
	out, err := collect(rows, scanDepositAddress)
	if err != nil {
		return nil, fmt.Errorf("list deposit addresses: %w", mapErr(err))
	}
	return out, nil
}

// LookupDepositAddresses returns those of addresses that are deposit addresses on chain,
// compared without regard to case, in one query.
func (s *Store) LookupDepositAddresses(ctx context.Context, chain string, addresses []string) ([]coffer.DepositAddress, error) {
	if len(addresses) > coffer.DepositAddressLookupMax {
		return nil, coffer.Errorf(coffer.EINVALID, "%d addresses cannot be looked up at once; at most %d can",
			len(addresses), coffer.DepositAddressLookupMax)
	}
	if len(addresses) == 0 {
		return nil, nil
	}
	lower := make([]string, len(addresses))
	for i, a := range addresses {
		lower[i] = strings.ToLower(a)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+depositAddressColumns+` FROM deposit_addresses
		WHERE chain = $1 AND address_lower = ANY($2)`, chain, lower)
	if err != nil {
		return nil, fmt.Errorf("look up deposit addresses: %w", mapErr(err))
	}
	out, err := collect(rows, scanDepositAddress)
	if err != nil {
		return nil, fmt.Errorf("look up deposit addresses: %w", mapErr(err))
	}
	return out, nil
}
