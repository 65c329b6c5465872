package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/cofferhq/coffer/postgres"
)

// databases returns a fresh, migrated database of each store: a SQLite path, and a PostgreSQL
// URL where COFFER_TEST_POSTGRES is set.
func databases(t *testing.T) map[string]string {
	t.Helper()
	dbs := map[string]string{"sqlite": filepath.Join(t.TempDir(), "coffer.db")}
	if code, out, errOut := cli("migrate", "--database", dbs["sqlite"]); code != 0 {
		t.Fatalf("migrate: exit %d, %s %s", code, out, errOut)
	}
	if postgresConfigured() {
		dbs["postgres"] = postgres.TestURL(t)
	}
	return dbs
}

// execSQL runs a statement on the database behind Coffer's back.
func execSQL(t *testing.T, database, stmt string) {
	t.Helper()
	if isPostgres(database) {
		conn, err := pgx.Connect(context.Background(), database)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), stmt); err != nil {
			t.Fatal(err)
		}
		return
	}
	db, err := sql.Open("sqlite3", database)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmt); err != nil {
		t.Fatal(err)
	}
}

// TestMigrateStatus lists a migrated database's migrations, then one that a newer Coffer
// migrated, which serve, migrate and verify then refuse, on both stores.
func TestMigrateStatus(t *testing.T) {
	t.Parallel()
	for name, database := range databases(t) {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := cli("migrate", "status", "--database", database)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			n := len(migrationFiles(t, database))
			wantLines(t, out, "1        0001_init.sql  ", "applied 20", fmt.Sprintf("%d applied, 0 pending, 0 unknown to this build", n))

			newer := "INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)"
			if isPostgres(database) {
				newer = "INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_future.sql')"
			}
			execSQL(t, database, newer)
			var ms []schemaMigration
			code, out, _ = cli("migrate", "status", "--database", database, "--json")
			if err := json.Unmarshal([]byte(out), &ms); code != 0 || err != nil {
				t.Fatalf("--json: exit %d, %v: %s", code, err, out)
			}
			if last := ms[len(ms)-1]; last.Version != 9999 || last.Known || last.AppliedAt == nil {
				t.Errorf("the newer migration: %+v", last)
			}
			for _, args := range [][]string{{"serve", "--listen", "127.0.0.1:0"}, {"migrate"}, {"verify"}} {
				code, _, errOut := runWith(map[string]string{"COFFER_ADMIN_KEY": "test-admin-key"}, append(args, "--database", database)...)
				if code != 1 || !strings.Contains(errOut, "the database has migration 9999, which this build of Coffer does not know") {
					t.Errorf("%v on a newer database: exit %d, %q", args, code, errOut)
				}
			}
		})
	}
}

// TestPostgresPendingMigrations: serve refuses a PostgreSQL database that lacks migrations,
// unless it migrates it; COFFER_MIGRATE=1 means it should.
func TestPostgresPendingMigrations(t *testing.T) {
	t.Parallel()
	if !postgresConfigured() {
		t.Skip("PostgreSQL tests are off")
	}
	database := postgres.TestURL(t)
	u, err := url.Parse(database)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	execSQL(t, database, "DROP SCHEMA "+schema+" CASCADE; CREATE SCHEMA "+schema)
	_, out, _ := cli("migrate", "status", "--database", database)
	files := migrationFiles(t, database)
	wantLines(t, out, fmt.Sprintf("0 applied, %d pending", len(files)))
	env := map[string]string{"COFFER_ADMIN_KEY": "test-admin-key", "COFFER_DATABASE": database, "COFFER_LISTEN": "127.0.0.1:0"}
	code, _, errOut := runWith(env, "serve")
	var lacks []string
	for i, f := range files {
		lacks = append(lacks, fmt.Sprintf("%d (%s)", i+1, f))
	}
	if want := "the database lacks migration " + strings.Join(lacks, ", ") + ": run `coffer migrate`"; code != 1 || !strings.Contains(errOut, want) {
		t.Fatalf("serve without --migrate: exit %d, %q; want %q", code, errOut, want)
	}

	env["COFFER_MIGRATE"] = "1"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &watchWriter{want: `"msg":"coffer serving"`, seen: make(chan struct{})}
	done := make(chan int, 1)
	go func() { done <- runEnv(ctx, []string{"serve"}, mapEnv(env), io.Discard, logs) }()
	select {
	case <-logs.seen:
	case code := <-done:
		t.Fatalf("serve with COFFER_MIGRATE=1 exited %d:\n%s", code, logs.String())
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve with COFFER_MIGRATE=1: exit %d", code)
	}
	_, out, _ = cli("migrate", "status", "--database", database)
	wantLines(t, out, fmt.Sprintf("%d applied, 0 pending", len(files)))
}

// watchWriter keeps what is written and closes seen once it holds want.
type watchWriter struct {
	want string
	seen chan struct{}
	mu   sync.Mutex
	buf  strings.Builder
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	had := strings.Contains(w.buf.String(), w.want)
	w.buf.Write(p)
	if !had && strings.Contains(w.buf.String(), w.want) {
		close(w.seen)
	}
	return len(p), nil
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestBadDatabaseURL: a PostgreSQL URL that cannot work is refused with its cause, and without
// its password.
func TestBadDatabaseURL(t *testing.T) {
	t.Parallel()
	const password = "pa55-Secret"
	for _, tc := range []struct{ url, want string }{
		{"postgres://u:" + password + "@127.0.0.1:1/db", "connect: connection refused"},
		{"postgres://u:" + password + "@[bad", "cannot parse"},
		{"postgres://u:" + password + "@127.0.0.1:5432/db?sslmode=bogus", "sslmode"},
	} {
		for _, args := range [][]string{{"migrate"}, {"migrate", "status"}, {"verify"}, {"serve"}} {
			code, out, errOut := runWith(map[string]string{"COFFER_ADMIN_KEY": "test-admin-key", "COFFER_LISTEN": "127.0.0.1:0"}, append(args, "--database", tc.url)...)
			if code != 1 || !strings.Contains(errOut, tc.want) || strings.Contains(errOut+out, password) {
				t.Errorf("%v --database %s: exit %d, %q; want exit 1 and %q, without the password", args, tc.url, code, errOut, tc.want)
			}
		}
	}
}

// runWith runs the command line with the environment env only.
func runWith(env map[string]string, args ...string) (code int, stdout, stderr string) {
	var out, errOut strings.Builder
	code = runEnv(context.Background(), args, mapEnv(env), &out, &errOut)
	return code, out.String(), errOut.String()
}

func mapEnv(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

// migrationFiles returns the names of the migrations of the database's store, in order, as the
// source tree holds them.
func migrationFiles(t *testing.T, database string) []string {
	t.Helper()
	dir := "../../sqlite/migrations"
	if isPostgres(database) {
		dir = "../../postgres/migrations"
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	return names
}
