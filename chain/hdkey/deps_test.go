package hdkey_test

import (
	"testing"

	"github.com/cofferhq/coffer/internal/importrule"
)

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: no package of
// Coffer's, and of other modules only the key libraries it is built on.
func TestImports(t *testing.T) {
	t.Parallel()
	importrule.Check(t, "hdkey", "github.com/ethereum/go-ethereum/", "github.com/btcsuite/btcd/", "github.com/tyler-smith/go-bip39",
		"golang.org/x/crypto/", "golang.org/x/text/")
}
