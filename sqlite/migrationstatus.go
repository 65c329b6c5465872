package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// Migration is one schema migration and whether the database has it.
type Migration struct {
	Version int
	// Name is the migration's file; "" for one this build does not know, applied by a newer
	// Coffer.
	Name string
	// AppliedAt is when it was applied; zero while it is pending.
	AppliedAt time.Time
}

// MigrationStatus reads which migrations the SQLite file at path has, without changing it: this
// build's migrations in version order, each with when it was applied (zero if pending), then any
// applied migration this build does not know. A file that does not exist is an error, not created.
func MigrationStatus(ctx context.Context, path string) ([]Migration, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("migration status of %s: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	ms, err := migrations()
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	db := sql.OpenDB(connector(abs, url.Values{
		"mode":          {"ro"},
		"_busy_timeout": {strconv.FormatInt(busyTimeout.Milliseconds(), 10)},
	}))
	defer db.Close()
	applied := map[int]time.Time{}
	var exists bool
	if err := db.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations')`).Scan(&exists); err != nil {
		return nil, fmt.Errorf("migration status of %s: %w", path, err)
	}
	if exists {
		rows, err := db.QueryContext(ctx, `SELECT version, applied_at FROM schema_migrations ORDER BY version`)
		if err != nil {
			return nil, fmt.Errorf("migration status of %s: %w", path, err)
		}
		defer rows.Close()
		for rows.Next() {
			var v int
			var at int64
			if err := rows.Scan(&v, &at); err != nil {
				return nil, fmt.Errorf("migration status of %s: %w", path, err)
			}
			applied[v] = time.UnixMicro(at).UTC()
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, fmt.Errorf("migration status of %s: %w", path, err)
		}
	}
	return status(ms, applied), nil
}

// status lists the known migrations with their times of application, then the unknown applied.
func status(ms []migration, applied map[int]time.Time) []Migration {
	var out []Migration
	known := map[int]bool{}
	for _, m := range ms {
		out = append(out, Migration{Version: m.version, Name: m.name, AppliedAt: applied[m.version]})
		known[m.version] = true
	}
	var unknown []Migration
	for v, at := range applied {
		if !known[v] {
			unknown = append(unknown, Migration{Version: v, AppliedAt: at})
		}
	}
	slices.SortFunc(unknown, func(a, b Migration) int { return a.Version - b.Version })
	return append(out, unknown...)
}
