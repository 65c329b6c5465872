package hdkey

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: no package of
// Coffer's, and of other modules only the key libraries it is built on.
func TestImports(t *testing.T) {
	t.Parallel()
	allowed := []string{
		"github.com/ethereum/go-ethereum/",
		"github.com/btcsuite/btcd/",
		"github.com/tyler-smith/go-bip39",
		"golang.org/x/crypto/",
		"golang.org/x/text/",
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range parsed.Imports {
			path := strings.Trim(imp.Path.Value, `"`)
			first, _, _ := strings.Cut(path, "/")
			if !strings.Contains(first, ".") {
				continue // the standard library
			}
			ok := false
			for _, prefix := range allowed {
				ok = ok || strings.HasPrefix(path, prefix)
			}
			if !ok {
				t.Errorf("%s imports %s; hdkey may import only the standard library and %v", f, path, allowed)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no source files found")
	}
}
