package inbox_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: it reaches the
// server only through the Executor interface it declares, and no other adapter at all.
func TestImports(t *testing.T) {
	allowed := []string{
		"github.com/cofferhq/coffer",
		"github.com/cofferhq/coffer/client",
		"github.com/cofferhq/coffer/internal/strict",
		"github.com/rabbitmq/amqp091-go",
		"github.com/twmb/franz-go/pkg/kgo",
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
			if strings.Contains(first, ".") && !slices.Contains(allowed, path) {
				t.Errorf("%s imports %s; the inbox may import only the standard library and %v", f, path, allowed)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no source files found")
	}
}
