package client_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/sqlite"
)

// serverURL and apiKey are the address and admin key of the Coffer server that TestMain starts
// for this package's examples and tests: the real server, on a SQLite database of its own,
// with the asset USD (scale 2).
var serverURL, apiKey string

func TestMain(m *testing.M) {
	code, err := runWithServer(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "client tests:", err)
		code = 1
	}
	os.Exit(code)
}

// runWithServer starts the server, runs the tests and examples, and stops it.
func runWithServer(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "coffer-client-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "coffer.db"))
	if err != nil {
		return 0, err
	}
	defer store.Close()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	l := ledger.New(store, ledger.Config{Logger: logger})
	defer l.Close()
	apiKey = "client-test-admin-key"
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Ledger: l, AdminKey: apiKey, Logger: logger}))
	defer srv.Close()
	serverURL = srv.URL
	if _, err := client.New(serverURL, apiKey).CreateAsset(ctx, client.CreateAssetRequest{Code: "USD", Scale: 2}); err != nil {
		return 0, fmt.Errorf("create USD: %w", err)
	}
	return m.Run(), nil
}
