package hdkey

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFile writes a sealed seed to path, readable by its owner only (mode 0600), and never
// over an existing file: a seed file may hold the only keys to funds. The write is atomic: the
// bytes go to a temporary file beside path, are synced, and are then linked to path, which
// fails if path exists (the error wraps fs.ErrExist). The directory must exist.
func WriteFile(path string, sealed []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write seed file: %w", err)
	}
	defer func() {
		tmp.Close()
		// Once linked, the temporary name is only a second name of the seed file.
		if rmErr := os.Remove(tmp.Name()); rmErr != nil && err == nil {
			err = fmt.Errorf("write seed file: %w", rmErr)
		}
	}()
	// CreateTemp makes the file 0600 less the umask; Chmod makes it exactly 0600.
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("write seed file: %w", err)
	}
	if _, err := tmp.Write(sealed); err != nil {
		return fmt.Errorf("write seed file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write seed file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write seed file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("seed file %s already exists; a seed file is never overwritten: %w", path, fs.ErrExist)
		}
		return fmt.Errorf("write seed file: %w", err)
	}
	return syncDir(dir)
}

// syncDir makes a new name in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync seed file's directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync seed file's directory: %w", err)
	}
	return nil
}

// ReadFile reads a sealed seed from path, for Open. A file larger than SealedBytesMax is refused
// as ErrCorrupt without being read whole.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read seed file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, SealedBytesMax+1))
	if err != nil {
		return nil, fmt.Errorf("read seed file %s: %w", path, err)
	}
	if len(b) > SealedBytesMax {
		return nil, fmt.Errorf("seed file %s: %w: it has more than %d bytes", path, ErrCorrupt, SealedBytesMax)
	}
	return b, nil
}
