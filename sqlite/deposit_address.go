package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
)

var _ coffer.DepositAddressStore = (*Store)(nil)

const depositAddressColumns = `chain, owner, address, idx, created_at`

// lookupChunk is how many addresses one lookup query binds: far below SQLite's 32,766
// parameters, and small enough that each query stays quick.
const lookupChunk = 500

func scanDepositAddress(r row) (coffer.DepositAddress, error) {
	var (
		a       coffer.DepositAddress
		idx     int64
		created int64
	)
	if err := r.Scan(&a.Chain, &a.Owner, &a.Address, &idx, &created); err != nil {
		return coffer.DepositAddress{}, err
	}
	a.Index, a.CreatedAt = uint32(idx), fromMicro(created)
	return a, nil
}

// AssignDepositAddress returns the owner's address on chain, or creates it with the owner's
// index, in one transaction on the write connection: writes take turns there, so concurrent
// calls for one owner find the first one's address, and the next index is read and taken by one
// writer at a time. derive runs under the database's write lock, so it must be quick.
func (s *Store) AssignDepositAddress(ctx context.Context, chain, owner string, derive func(uint32) (string, error)) (coffer.DepositAddress, bool, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return coffer.DepositAddress{}, false, fmt.Errorf("assign deposit address: %w", retryable(err))
	}
	defer tx.Rollback()
	a, err := scanDepositAddress(tx.QueryRowContext(ctx, `SELECT `+depositAddressColumns+`
		FROM deposit_addresses WHERE chain = ? AND owner = ?`, chain, owner))
	if err == nil {
		return a, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return coffer.DepositAddress{}, false, fmt.Errorf("assign deposit address: %w", retryable(err))
	}
	var idx int64
	err = tx.QueryRowContext(ctx, `SELECT idx FROM owner_key_indexes WHERE owner = ?`, owner).Scan(&idx)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, `INSERT INTO owner_key_indexes (owner, idx)
			SELECT ?, COALESCE(MAX(idx) + 1, 0) FROM owner_key_indexes RETURNING idx`, owner).Scan(&idx)
	}
	if err != nil {
		return coffer.DepositAddress{}, false, fmt.Errorf("assign deposit address: key index: %w", retryable(err))
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
	_, err = tx.ExecContext(ctx, `INSERT INTO deposit_addresses (chain, owner, address, address_lower, idx, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, chain, owner, address, strings.ToLower(address), idx, micro(a.CreatedAt))
	if err != nil {
		return coffer.DepositAddress{}, false, fmt.Errorf("assign deposit address: %w", retryable(err))
	}
	if err := tx.Commit(); err != nil {
		return coffer.DepositAddress{}, false, fmt.Errorf("assign deposit address: commit: %w", retryable(err))
	}
	return a, true, nil
}

// DepositAddresses returns addresses as the filter selects, oldest first: by index, then chain.
func (s *Store) DepositAddresses(ctx context.Context, f coffer.DepositAddressFilter) ([]coffer.DepositAddress, error) {
	q := `SELECT ` + depositAddressColumns + ` FROM deposit_addresses WHERE 1 = 1`
	var args []any
	if f.Chain != "" {
		q += ` AND chain = ?`
		args = append(args, f.Chain)
	}
	if f.Owner != "" {
		q += ` AND owner = ?`
		args = append(args, f.Owner)
	}
	if f.After != nil {
		q += ` AND (idx > ? OR (idx = ? AND chain > ?))`
		args = append(args, int64(f.After.Index), int64(f.After.Index), f.After.Chain)
	}
	q += ` ORDER BY idx, chain LIMIT ?`
	args = append(args, pageSize(f.Limit))
	var out []coffer.DepositAddress
	err := s.list(ctx, q, args, func(r *sql.Rows) error {
		a, err := scanDepositAddress(r)
		out = append(out, a)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list deposit addresses: %w", err)
	}
	return out, nil
}

// LookupDepositAddresses returns those of addresses that are deposit addresses on chain,
// compared without regard to case, querying lookupChunk addresses at a time.
func (s *Store) LookupDepositAddresses(ctx context.Context, chain string, addresses []string) ([]coffer.DepositAddress, error) {
	if len(addresses) > coffer.DepositAddressLookupMax {
		return nil, coffer.Errorf(coffer.EINVALID, "%d addresses cannot be looked up at once; at most %d can",
			len(addresses), coffer.DepositAddressLookupMax)
	}
	// Each address once, so that one given twice in two chunks is not answered twice.
	lower := make([]string, 0, len(addresses))
	seen := make(map[string]bool, len(addresses))
	for _, a := range addresses {
		if l := strings.ToLower(a); !seen[l] {
			seen[l] = true
			lower = append(lower, l)
		}
	}
	var out []coffer.DepositAddress
	for start := 0; start < len(lower); start += lookupChunk {
		chunk := lower[start:min(start+lookupChunk, len(lower))]
		args := make([]any, 0, 1+len(chunk))
		args = append(args, chain)
		for _, a := range chunk {
			args = append(args, a)
		}
		q := `SELECT ` + depositAddressColumns + ` FROM deposit_addresses
			WHERE chain = ? AND address_lower IN (?` + strings.Repeat(", ?", len(chunk)-1) + `)`
		err := s.list(ctx, q, args, func(r *sql.Rows) error {
			a, err := scanDepositAddress(r)
			out = append(out, a)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("look up deposit addresses: %w", err)
		}
	}
	return out, nil
}
