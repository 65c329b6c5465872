package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/cofferhq/coffer/sqlite"
)

// TestMigrationStatus reads a fresh file, a migrated one, and one a newer Coffer migrated, and
// checks that reading changes nothing.
func TestMigrationStatus(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "coffer.db")
	if _, err := sqlite.MigrationStatus(ctx, path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a file that does not exist: %v", err)
	}
	// A SQLite file without Coffer's tables: every migration pending, and still none applied
	// after the read.
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE other (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	ms, err := sqlite.MigrationStatus(ctx, path)
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
	var tables int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'schema_migrations'`).Scan(&tables); err != nil || tables != 0 {
		t.Fatalf("reading the status created schema_migrations: %d, %v", tables, err)
	}

	before := time.Now().Add(-time.Second)
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	applied, err := sqlite.MigrationStatus(ctx, path)
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

	// A newer Coffer's migration: listed after the known ones, without a name.
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	newer, err := sqlite.MigrationStatus(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if last := newer[len(newer)-1]; len(newer) != len(ms)+1 || last.Version != 9999 || last.Name != "" || last.AppliedAt.IsZero() {
		t.Errorf("with a newer migration: %+v", newer)
	}
}
