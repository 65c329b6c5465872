package approval_test

import (
	"testing"

	"github.com/cofferhq/coffer/internal/importrule"
)

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: the root only,
// whose ApprovalStore keeps the requests.
func TestImports(t *testing.T) {
	importrule.Check(t, "approval", "github.com/cofferhq/coffer")
}
