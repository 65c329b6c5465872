package client_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportsOnlyStdlibAndRoot holds the package to the dependency rule of
// docs/ARCHITECTURE.md: a program that imports the client compiles in the standard library and
// the root package (itself standard library only), never the ledger, the server or a driver.
func TestImportsOnlyStdlibAndRoot(t *testing.T) {
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
			if strings.Contains(first, ".") && path != "github.com/cofferhq/coffer" {
				t.Errorf("%s imports %s; the client may import only the standard library and github.com/cofferhq/coffer", f, path)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no source files found")
	}
}
