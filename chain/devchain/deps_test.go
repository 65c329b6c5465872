package devchain_test

import (
	"testing"

	"github.com/cofferhq/coffer/internal/importrule"
)

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: besides
// go-ethereum, it imports the root, the token bindings and the broadcast signal, and nothing
// made for tests, since coffer serve runs it.
func TestImports(t *testing.T) {
	importrule.Check(t, "devchain", "github.com/cofferhq/coffer", "github.com/cofferhq/coffer/chain/testtoken",
		"github.com/cofferhq/coffer/internal/broadcast", "github.com/ethereum/go-ethereum/")
}
