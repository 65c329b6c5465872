// Package postgres is the PostgreSQL implementation of coffer.Store, for production: several Coffer
// processes may share one database.
//
// Concurrency rests on READ COMMITTED and row locks. A write transaction locks the accounts it
// changes (LockAccounts, in id order, so writers never deadlock); a transfer changes only under
// its two accounts' locks, so what a writer reads after locking is current. Event numbers come
// from the single event_seq row, updated as the last statement of Save, so its lock is held until
// commit and events are numbered in commit order without gaps.
//
// Open does not create or upgrade the schema: `coffer migrate` does, by calling Migrate.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cofferhq/coffer"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// MaxConnsDefault is the pool size when Options.MaxConns is 0. The ledger gathers writes into
// batches, so a handful of connections keep PostgreSQL busy; the rest serve reads. It is small so
// that several Coffer processes fit within PostgreSQL's default max_connections of 100.
const MaxConnsDefault = 16

// Options tunes a Store.
type Options struct {
	// MaxConns caps the connection pool; 0 means MaxConnsDefault. It overrides pool_max_conns in
	// the URL.
	MaxConns int32
}

// Store is a coffer.Store on a PostgreSQL database. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	// txSetup is a statement that write transactions run first, in the round trip of BEGIN, or "".
	txSetup string
	// copyRowsMin is copyRowsMinDefault but in tests; see Save.
	copyRowsMin int

	// guess is the chain head its next events are chained to (see queueEvents).
	guess headGuess
}

// randomPageCostWrite is the random_page_cost of write transactions, unless the URL sets one for
// the connection. A write looks up batches of rows by key (operations, the accounts it locks, the
// transfers) and updates the accounts it locked, rows that are in memory, while the planner's
// default of 4 prices each lookup as four pages read in sequence: below some tens of thousands of
// rows it then scans a whole table instead. Measured, a batch of 64 transfers among 10,000 wallets
// spent about half the server's CPU on two such scans (lock and update of the accounts); at 1.1,
// the usual value for data in memory or on SSD, it looks the rows up. Reads keep the server's
// setting.
const randomPageCostWrite = "1.1"

var _ coffer.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or a key=value string; unknown URL
// parameters such as search_path are sent as runtime parameters) and checks that it answers. It
// does not migrate the schema; call Migrate for that.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	// Plan every statement for the arguments and table sizes at hand. A cached generic plan made
	// while the tables were small (a sequential scan) otherwise outlives their growth, and
	// where autovacuum is off no statistics ever correct it; the reads and updates are simple
	// enough that planning each costs little. (Save plans its inserts generically: they have one
	// plan whatever the data.)
	if _, set := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !set {
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	cfg.MaxConns = MaxConnsDefault
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	txSetup := ""
	if _, set := cfg.ConnConfig.RuntimeParams["random_page_cost"]; !set {
		txSetup = "SET LOCAL random_page_cost = " + randomPageCostWrite
	}
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		registerNumeric(c.TypeMap())
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", mapErr(err))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres: %w", mapErr(err))
	}
	return &Store{pool: pool, txSetup: txSetup, copyRowsMin: copyRowsMinDefault}, nil
}

// Migrate brings the database's schema up to date; see the package function Migrate.
func (s *Store) Migrate(ctx context.Context) error {
	return migrate(ctx, s.pool)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping: %w", mapErr(err))
	}
	return nil
}

// Close waits for connections in use to be returned and closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Write runs fn in one READ COMMITTED transaction. READ COMMITTED suffices because every row a
// writer changes is either locked first (accounts, and through them transfers), inserted under a
// unique key (a concurrent duplicate fails with ErrRetry), or the event_seq row, which the update
// itself locks. BEGIN, and txSetup, go in the round trip of the transaction's first statement.
func (s *Store) Write(ctx context.Context, fn func(coffer.WriteTx) error) error {
	w := &writeTx{pool: s.pool, setup: s.txSetup, copyRowsMin: s.copyRowsMin, guess: &s.guess}
	// Rolls back on an error or a panic in fn; after a commit it does nothing.
	defer w.end(context.WithoutCancel(ctx), false)
	if err := fn(w); err != nil {
		return err
	}
	if err := w.end(ctx, true); err != nil {
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	return nil
}

// SQLSTATE codes that mapErr knows.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeAdminShutdown        = "57P01"
	codeCrashShutdown        = "57P02"
	codeCannotConnectNow     = "57P03"
)

// errUnavailable is what callers see when the database cannot be reached.
var errUnavailable = coffer.Errorf(coffer.EUNAVAILABLE, "the database is unavailable; retry later")

// mapErr maps a driver error by SQLSTATE: a lost race becomes an error wrapping coffer.ErrRetry
// (the ledger reruns the transaction), an unreachable server one with code EUNAVAILABLE. Both keep
// the original error in the chain for logs. Other errors are returned as they are.
func mapErr(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == codeUniqueViolation, pgErr.Code == codeSerializationFailure,
			pgErr.Code == codeDeadlockDetected:
			return fmt.Errorf("%w: %w", coffer.ErrRetry, err)
		case pgErr.Code == codeAdminShutdown, pgErr.Code == codeCrashShutdown,
			pgErr.Code == codeCannotConnectNow, strings.HasPrefix(pgErr.Code, "08"): // connection exceptions
			return fmt.Errorf("%w: %w", errUnavailable, err)
		}
		return err
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return fmt.Errorf("%w: %w", errUnavailable, err)
	}
	return err
}

// pageSize applies the paging limits to a requested page size.
func pageSize(limit int) int {
	switch {
	case limit <= 0:
		return coffer.PageSizeDefault
	case limit > coffer.ListRowsMax:
		return coffer.ListRowsMax
	}
	return limit
}

// readErr returns the error of reading one row: for a missing row an *Error with ENOTFOUND and
// the message, unwrapped, as callers may show it; any other error wrapped with op.
func readErr(op string, err error, format string, args ...any) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return coffer.Errorf(coffer.ENOTFOUND, format, args...)
	}
	return fmt.Errorf("%s: %w", op, mapErr(err))
}

// PoolStat returns the connection pool's statistics, for the metrics.
func (s *Store) PoolStat() *pgxpool.Stat { return s.pool.Stat() }
