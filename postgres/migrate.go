package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// migrationFiles holds the schema's history, one file per step, named NNNN_what.sql. A file is
// never edited once released; a change is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// eventHashMigration ends the name of the migration that adds the events' hash chain; the
// events already written are chained in its transaction (chainEvents).
const eventHashMigration = "_event_hash.sql"

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns the embedded migrations in version order.
func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, path := range names {
		name := strings.TrimPrefix(path, "migrations/")
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and '_'", name)
		}
		b, err := migrationFiles.ReadFile(path)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a version", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// Migrate connects to the database at url and applies the migrations it has not yet applied, in
// one transaction, in the first schema of the connection's search_path. Versions applied are
// recorded in that schema's schema_migrations table. Processes that start at once take turns on
// an advisory lock, so each migration runs once. A schema newer than this binary is left alone.
func Migrate(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("migrate: %w", mapErr(err))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return migrate(ctx, conn)
}

// beginner is what migrate needs of a connection or a pool.
type beginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

func migrate(ctx context.Context, db beginner) error {
	ms, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", mapErr(err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	var schema *string
	if err := tx.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return fmt.Errorf("migrate: %w", mapErr(err))
	}
	if schema == nil {
		return errors.New("migrate: no schema of the search_path exists to create tables in")
	}
	// The lock is per schema, so that tests migrating their own schemas do not wait on each other.
	// It is released at commit, when the next process can see what this one applied.
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrateLockKey(*schema)); err != nil {
		return fmt.Errorf("migrate: lock: %w", mapErr(err))
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", mapErr(err))
	}
	rows, err := tx.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("migrate: read schema_migrations: %w", mapErr(err))
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return fmt.Errorf("migrate: read schema_migrations: %w", mapErr(err))
	}
	for _, m := range ms {
		if slices.Contains(applied, int32(m.version)) {
			continue
		}
		// Without arguments pgx sends the file by the simple protocol, which runs every
		// statement in it.
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("migrate: %s: %w", m.name, mapErr(err))
		}
		if strings.HasSuffix(m.name, eventHashMigration) {
			if err := chainEvents(ctx, tx); err != nil {
				return fmt.Errorf("migrate: %s: %w", m.name, err)
			}
		}
		if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
			m.version, m.name); err != nil {
			return fmt.Errorf("migrate: record %s: %w", m.name, mapErr(err))
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migrate: commit: %w", mapErr(err))
	}
	return nil
}

// migrateLockKey is the advisory lock key for migrating schema.
func migrateLockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("coffer.migrate:" + schema))
	return int64(h.Sum64())
}
