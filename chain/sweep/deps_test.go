package sweep_test

import (
	"testing"

	"github.com/cofferhq/coffer/internal/importrule"
)

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: besides
// go-ethereum, it imports the root, chain, chain/send (whose senders send the sweeps) and the
// ledger (its commands); the store, the node and the keys come in through its Config.
func TestImports(t *testing.T) {
	importrule.Check(t, "sweep", "github.com/cofferhq/coffer", "github.com/cofferhq/coffer/chain",
		"github.com/cofferhq/coffer/chain/send", "github.com/cofferhq/coffer/ledger", "github.com/ethereum/go-ethereum/")
}
