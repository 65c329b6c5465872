package reconcile_test

import (
	"testing"

	"github.com/cofferhq/coffer/internal/importrule"
)

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: the root's
// stores, and statement for the balance at the period's end.
func TestImports(t *testing.T) {
	importrule.Check(t, "reconcile", "github.com/cofferhq/coffer", "github.com/cofferhq/coffer/statement")
}
