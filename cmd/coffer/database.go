package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/postgres"
	"github.com/cofferhq/coffer/sqlite"
)

func isPostgres(database string) bool {
	return strings.HasPrefix(database, "postgres://") || strings.HasPrefix(database, "postgresql://")
}

// openStore opens the database: a postgres:// URL, or else a SQLite file, which is migrated on
// open. On PostgreSQL, migratePG applies the pending migrations first; without it a database
// that lacks some is refused. Either way a database with a migration this build does not know
// (a newer Coffer's) is refused: see docs/OPERATIONS.md.
func openStore(ctx context.Context, database string, poolConns int, migratePG bool) (coffer.Store, error) {
	if isPostgres(database) {
		if migratePG {
			if err := postgres.Migrate(ctx, database); err != nil {
				return nil, err
			}
		}
		ms, err := schemaStatus(ctx, database)
		if err != nil {
			return nil, err
		}
		if err := checkSchema(ms, false); err != nil {
			return nil, err
		}
		return postgres.Open(ctx, database, postgres.Options{MaxConns: int32(poolConns)})
	}
	ms, err := schemaStatus(ctx, database)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// A new database: Open creates it.
	case err != nil:
		return nil, err
	default:
		if err := checkSchema(ms, true); err != nil {
			return nil, err
		}
	}
	if dir := filepath.Dir(database); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
	}
	return sqlite.Open(ctx, database)
}

// schemaMigration is one migration of either store, as migrate status shows it.
type schemaMigration struct {
	Version   int        `json:"version"`
	Name      string     `json:"name"`
	Known     bool       `json:"known"`
	AppliedAt *time.Time `json:"applied_at"`
}

// schemaStatus reads which migrations the database has, changing nothing.
func schemaStatus(ctx context.Context, database string) ([]schemaMigration, error) {
	var out []schemaMigration
	applied := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	if isPostgres(database) {
		ms, err := postgres.MigrationStatus(ctx, database)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			name := m.Name
			if name == "" {
				name = m.AppliedName
			}
			out = append(out, schemaMigration{Version: m.Version, Name: name, Known: m.Name != "", AppliedAt: applied(m.AppliedAt)})
		}
		return out, nil
	}
	ms, err := sqlite.MigrationStatus(ctx, database)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		out = append(out, schemaMigration{Version: m.Version, Name: m.Name, Known: m.Name != "", AppliedAt: applied(m.AppliedAt)})
	}
	return out, nil
}

// checkSchema refuses a database that a newer Coffer migrated, and one that lacks migrations
// unless pendingOK.
func checkSchema(ms []schemaMigration, pendingOK bool) error {
	var unknown, pending []string
	for _, m := range ms {
		switch {
		case !m.Known:
			unknown = append(unknown, fmt.Sprint(m.Version))
		case m.AppliedAt == nil:
			pending = append(pending, fmt.Sprintf("%d (%s)", m.Version, m.Name))
		}
	}
	switch {
	case len(unknown) > 0:
		return fmt.Errorf("the database has migration %s, which this build of Coffer does not know: a newer Coffer "+
			"migrated it. Run that version or a later one; migrations only go forward, so going back means restoring "+
			"a backup taken before the upgrade", strings.Join(unknown, ", "))
	case len(pending) > 0 && !pendingOK:
		return fmt.Errorf("the database lacks migration %s: run `coffer migrate` with the same --database first "+
			"(or start with --migrate)", strings.Join(pending, ", "))
	}
	return nil
}

// redact hides a URL's password, for logs and messages.
func redact(database string) string {
	if !isPostgres(database) {
		return database
	}
	u, err := url.Parse(database)
	if err != nil {
		return "a PostgreSQL URL that does not parse"
	}
	return u.Redacted()
}
