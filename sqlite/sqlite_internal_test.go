package sqlite

import (
	"path/filepath"
	"testing"
)

// TestPragmas checks the settings that durability and concurrency rest on.
func TestPragmas(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "coffer.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	for _, tt := range []struct {
		pragma, write, read string
	}{
		{"journal_mode", "wal", "wal"},
		{"synchronous", "2", ""}, // FULL
		{"busy_timeout", "5000", "5000"},
		{"temp_store", "2", "2"}, // MEMORY
		{"wal_autocheckpoint", "10000", ""},
		{"query_only", "0", "1"},
	} {
		var got string
		if err := s.write.QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
		}
		if got != tt.write {
			t.Errorf("write connection: %s = %s, want %s", tt.pragma, got, tt.write)
		}
		if tt.read == "" {
			continue
		}
		if err := s.read.QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
		}
		if got != tt.read {
			t.Errorf("read connection: %s = %s, want %s", tt.pragma, got, tt.read)
		}
	}
}
