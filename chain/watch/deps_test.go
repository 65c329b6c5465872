package watch_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: besides
// go-ethereum, it imports the root and chain, and nothing made for tests; the deposit addresses
// and the ledger come in through its Config.
func TestImports(t *testing.T) {
	allowed := []string{
		"github.com/cofferhq/coffer",
		"github.com/cofferhq/coffer/chain",
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
			if path == "testing" || strings.Contains(first, ".") &&
				!slices.Contains(allowed, path) && !isGoEthereum(path) {
				t.Errorf("%s imports %s; watch may import only the standard library but testing, go-ethereum and %v", f, path, allowed)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no source files found")
	}
}

func isGoEthereum(path string) bool {
	return path == "github.com/ethereum/go-ethereum" || strings.HasPrefix(path, "github.com/ethereum/go-ethereum/")
}
