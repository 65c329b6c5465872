// Package importrule checks a package's imports against the dependency rule of
// docs/ARCHITECTURE.md, for the tests that hold each package to it.
package importrule

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// Check reads the imports of the non-test Go files in the test's folder (its package) and
// reports each one that is neither the standard library nor allowed. An allowed entry ending in
// "/" allows every path below it; any other must match exactly. "testing" is refused too: a
// package checked this way is run by coffer serve, not only by tests.
func Check(t *testing.T, name string, allowed ...string) {
	t.Helper()
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
			if path := strings.Trim(imp.Path.Value, `"`); !allows(allowed, path) {
				t.Errorf("%s imports %s; %s may import only the standard library (but testing) and %v", f, path, name, allowed)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no source files found")
	}
}

func allows(allowed []string, path string) bool {
	if path == "testing" {
		return false
	}
	if first, _, _ := strings.Cut(path, "/"); !strings.Contains(first, ".") {
		return true // the standard library
	}
	for _, a := range allowed {
		if path == a || strings.HasSuffix(a, "/") && (strings.HasPrefix(path, a) || path == strings.TrimSuffix(a, "/")) {
			return true
		}
	}
	return false
}
