package statement_test

import (
	"testing"

	"github.com/cofferhq/coffer/internal/importrule"
)

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: it reads
// accounts and entries through the root's store interface alone.
func TestImports(t *testing.T) {
	importrule.Check(t, "statement", "github.com/cofferhq/coffer")
}
