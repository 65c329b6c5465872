package walletdemo_test

import (
	"testing"

	"github.com/cofferhq/coffer/internal/importrule"
)

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: the root, the
// ledger it writes through, reconcile for its reconciliations and internal/strict for bodies;
// never httpapi, whose keys it reaches through Config.Authenticate.
func TestImports(t *testing.T) {
	importrule.Check(t, "compat/walletdemo", "github.com/cofferhq/coffer", "github.com/cofferhq/coffer/ledger",
		"github.com/cofferhq/coffer/reconcile", "github.com/cofferhq/coffer/internal/strict")
}
