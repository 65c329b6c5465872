package activity_test

import (
	"testing"

	"github.com/cofferhq/coffer/internal/importrule"
)

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: the standard
// library only.
func TestImports(t *testing.T) {
	importrule.Check(t, "activity")
}
