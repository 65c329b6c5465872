package hotwallet_test

import (
	"testing"

	"github.com/cofferhq/coffer/internal/importrule"
)

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: besides
// go-ethereum, it imports the root, chain and chain/testtoken (for the ERC-20 ABI); the node
// comes in through its Config.
func TestImports(t *testing.T) {
	importrule.Check(t, "hotwallet", "github.com/cofferhq/coffer", "github.com/cofferhq/coffer/chain",
		"github.com/cofferhq/coffer/chain/testtoken", "github.com/ethereum/go-ethereum/")
}
