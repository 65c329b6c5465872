// Package testdb opens a fresh store of every kind for tests: SQLite always, PostgreSQL when
// COFFER_TEST_POSTGRES names a server (and then it must be reachable: CI fails, never skips).
package testdb

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/postgres"
	"github.com/cofferhq/coffer/sqlite"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver of database/sql
)

// Kind is one kind of store a test runs against.
type Kind struct {
	Name string
	Open func(t testing.TB) coffer.Store
	// OpenSQL opens a fresh store and, beside it, a plain connection to its database, for tests
	// that change rows behind the store's back.
	OpenSQL func(t testing.TB) (coffer.Store, *sql.DB)
}

// Kinds returns SQLite and, when COFFER_TEST_POSTGRES is set, PostgreSQL.
func Kinds() []Kind {
	kinds := []Kind{{Name: "sqlite", Open: SQLite, OpenSQL: sqliteSQL}}
	if os.Getenv("COFFER_TEST_POSTGRES") != "" {
		kinds = append(kinds, Kind{Name: "postgres", Open: func(t testing.TB) coffer.Store { return postgres.OpenTest(t) },
			OpenSQL: postgresSQL})
	}
	return kinds
}

// SQLite opens a fresh SQLite store in the test's temporary folder.
func SQLite(t testing.TB) coffer.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "coffer.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// sqliteSQL opens a fresh SQLite store and a second connection to its file.
func sqliteSQL(t testing.TB) (coffer.Store, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "coffer.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	db, err := sql.Open("sqlite3", path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return s, db
}

// postgresSQL opens a store on a fresh schema and a connection pool of its own to the schema.
func postgresSQL(t testing.TB) (coffer.Store, *sql.DB) {
	t.Helper()
	u := postgres.TestURL(t)
	s, err := postgres.Open(context.Background(), u, postgres.Options{})
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return s, db
}
