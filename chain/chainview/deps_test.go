package chainview_test

import (
	"testing"

	"github.com/cofferhq/coffer/internal/importrule"
)

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: it reads through
// the root's store and lease interfaces, the chain configuration and the watcher's Progress.
func TestImports(t *testing.T) {
	importrule.Check(t, "chainview", "github.com/cofferhq/coffer", "github.com/cofferhq/coffer/chain",
		"github.com/cofferhq/coffer/chain/watch", "github.com/ethereum/go-ethereum/common")
}
