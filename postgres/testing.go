package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestURLEnv names the environment variable that switches on the PostgreSQL tests: a URL such as
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const TestURLEnv = "COFFER_TEST_POSTGRES"

// OpenTest returns a Store on a new, migrated schema of the database named by COFFER_TEST_POSTGRES
// (see TestURL), closed when the test ends.
func OpenTest(t testing.TB) *Store {
	t.Helper()
	u := TestURL(t)
	s, err := Open(context.Background(), u, Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	// Registered after TestURL's cleanup, so it runs before the schema is dropped.
	t.Cleanup(func() { s.Close() })
	return s
}

// TestURL creates a schema in the database named by COFFER_TEST_POSTGRES, migrates it, and
// returns the database URL with search_path set to it. The schema is dropped with everything in it
// when the test ends, so tests may run in parallel. TestURL skips the test if the variable is unset
// and fails it if the database does not answer: where PostgreSQL is configured (CI), its tests
// must run.
func TestURL(t testing.TB) string {
	t.Helper()
	u := emptyTestSchema(t)
	if err := Migrate(context.Background(), u); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return u
}

// emptyTestSchema is TestURL without the migration.
func emptyTestSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv(TestURLEnv)
	if base == "" {
		t.Skipf("PostgreSQL tests are off: set %s to a database URL to run them", TestURLEnv)
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("%s: %v", TestURLEnv, err)
	}
	defer admin.Close(ctx)
	suffix := make([]byte, 8)
	rand.Read(suffix)
	schema := "coffer_test_" + hex.EncodeToString(suffix)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := withSearchPath(base, schema)
	if err != nil {
		t.Fatalf("%s: %v", TestURLEnv, err)
	}
	return u
}

// withSearchPath returns the database URL with search_path set to schema, sent by pgx as a
// runtime parameter on every connection. It takes URLs and key=value strings.
func withSearchPath(base, schema string) (string, error) {
	if !strings.HasPrefix(base, "postgres://") && !strings.HasPrefix(base, "postgresql://") {
		return base + " search_path=" + schema, nil
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
