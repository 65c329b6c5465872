package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestMigrationStatus reads a fresh schema, a migrated one, and one a newer Coffer migrated, and
// checks that reading changes nothing.
func TestMigrationStatus(t *testing.T) {
	ctx := context.Background()
	url := emptyTestSchema(t)
	ms, err := MigrationStatus(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 2 || ms[0].Version != 1 || ms[0].Name == "" {
		t.Fatalf("fresh: %+v", ms)
	}
	for _, m := range ms {
		if !m.AppliedAt.IsZero() {
			t.Errorf("fresh: %+v is applied", m)
		}
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&exists); err != nil || exists {
		t.Fatalf("reading the status created schema_migrations: %v, %v", exists, err)
	}

	before := time.Now().Add(-time.Minute)
	if err := Migrate(ctx, url); err != nil {
		t.Fatal(err)
	}
	applied, err := MigrationStatus(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(ms) {
		t.Fatalf("migrated: %+v", applied)
	}
	for _, m := range applied {
		if m.AppliedAt.Before(before) || m.Name == "" {
			t.Errorf("migrated: %+v", m)
		}
	}

	// A newer Coffer's migration: listed after the known ones, with the name it was recorded under.
	if _, err := conn.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_future.sql')"); err != nil {
		t.Fatal(err)
	}
	newer, err := MigrationStatus(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	last := newer[len(newer)-1]
	if len(newer) != len(ms)+1 || last.Version != 9999 || last.Name != "" || last.AppliedName != "9999_future.sql" || last.AppliedAt.IsZero() {
		t.Errorf("with a newer migration: %+v", newer)
	}
}
