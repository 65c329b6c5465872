package match_test

import (
	"testing"

	"github.com/cofferhq/coffer/internal/importrule"
)

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: the root's
// stores, and ledger for the adjustments that resolve exceptions.
func TestImports(t *testing.T) {
	importrule.Check(t, "reconcile/match", "github.com/cofferhq/coffer", "github.com/cofferhq/coffer/ledger")
}
