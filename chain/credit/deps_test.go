package credit_test

import (
	"testing"

	"github.com/cofferhq/coffer/internal/importrule"
)

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: the watcher's
// findings become ledger commands here, and nowhere else.
func TestImports(t *testing.T) {
	importrule.Check(t, "credit", "github.com/cofferhq/coffer", "github.com/cofferhq/coffer/chain",
		"github.com/cofferhq/coffer/ledger", "github.com/ethereum/go-ethereum/common")
}
