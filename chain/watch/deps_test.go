package watch_test

import (
	"testing"

	"github.com/cofferhq/coffer/internal/importrule"
)

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: besides
// go-ethereum, it imports the root and chain, and nothing made for tests; the deposit addresses
// and the ledger come in through its Config.
func TestImports(t *testing.T) {
	importrule.Check(t, "watch", "github.com/cofferhq/coffer", "github.com/cofferhq/coffer/chain", "github.com/ethereum/go-ethereum/")
}
