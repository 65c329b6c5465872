package hdkey

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFile(t *testing.T) {
	t.Parallel()
	_, b := sealed(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "seed.json")
	if err := WriteFile(path, b); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v; want 0600", fi.Mode().Perm())
	}
	got, err := ReadFile(path)
	if err != nil || !bytes.Equal(got, b) {
		t.Fatalf("ReadFile: %v, same: %v", err, bytes.Equal(got, b))
	}
	// Never over an existing file, and nothing left behind.
	_, other := sealed(t)
	if err := WriteFile(path, other); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second WriteFile: %v; want fs.ErrExist", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, b) {
		t.Error("the seed file was changed")
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Errorf("the folder holds %d files: %v", len(entries), err)
	}
	// A file of another kind is not overwritten either.
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(plain, b); !errors.Is(err, fs.ErrExist) {
		t.Errorf("over a plain file: %v", err)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "seed.json"), b); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("in a missing folder: %v", err)
	}
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := ReadFile(filepath.Join(dir, "missing.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, SealedBytesMax+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(big); !errors.Is(err, ErrCorrupt) {
		t.Errorf("too big: %v", err)
	}
}
