package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// Migration is one schema migration and whether the database has it.
type Migration struct {
	Version int
	// Name is the migration's file; "" for one this build does not know, applied by a newer
	// Coffer (the database keeps the name it had: see AppliedName).
	Name string
	// AppliedName is the name the database recorded, for one this build does not know.
	AppliedName string
	// AppliedAt is when it was applied; zero while it is pending.
	AppliedAt time.Time
}

// MigrationStatus reads which migrations the database at url has in the first schema of its
// search_path, without changing anything: this build's migrations in version order, each with
// when it was applied (zero if pending), then any applied migration this build does not know.
func MigrationStatus(ctx context.Context, url string) ([]Migration, error) {
	ms, err := loadMigrations()
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", mapErr(err))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&exists); err != nil {
		return nil, fmt.Errorf("migration status: %w", mapErr(err))
	}
	type row struct {
		version int32
		name    string
		at      time.Time
	}
	applied := map[int]row{}
	if exists {
		rows, err := conn.Query(ctx, "SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
		if err != nil {
			return nil, fmt.Errorf("migration status: %w", mapErr(err))
		}
		var r row
		if _, err := pgx.ForEachRow(rows, []any{&r.version, &r.name, &r.at}, func() error {
			applied[int(r.version)] = r
			return nil
		}); err != nil {
			return nil, fmt.Errorf("migration status: %w", mapErr(err))
		}
	}
	var out []Migration
	for _, m := range ms {
		// A pending migration's time is the zero time.
		out = append(out, Migration{Version: m.version, Name: m.name, AppliedAt: applied[m.version].at.UTC()})
		delete(applied, m.version)
	}
	var unknown []Migration
	for v, r := range applied {
		unknown = append(unknown, Migration{Version: v, AppliedName: r.name, AppliedAt: r.at.UTC()})
	}
	slices.SortFunc(unknown, func(a, b Migration) int { return a.Version - b.Version })
	return append(out, unknown...), nil
}
