// Package testdb opens a fresh store of every kind for tests: SQLite always, PostgreSQL when
// COFFER_TEST_POSTGRES names a server (and then it must be reachable: CI fails, never skips).
package testdb

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/postgres"
	"github.com/cofferhq/coffer/sqlite"
)

// Kind is one kind of store a test runs against.
type Kind struct {
	Name string
	Open func(t testing.TB) coffer.Store
}

// Kinds returns SQLite and, when COFFER_TEST_POSTGRES is set, PostgreSQL.
func Kinds() []Kind {
	kinds := []Kind{{Name: "sqlite", Open: SQLite}}
	if os.Getenv("COFFER_TEST_POSTGRES") != "" {
		kinds = append(kinds, Kind{Name: "postgres", Open: func(t testing.TB) coffer.Store { return postgres.OpenTest(t) }})
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
