package monitor_test

import (
	"testing"

	"github.com/cofferhq/coffer/internal/importrule"
)

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: the root only.
func TestImports(t *testing.T) {
	importrule.Check(t, "monitor", "github.com/cofferhq/coffer")
}
