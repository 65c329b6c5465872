package client_test

import (
	"testing"

	"github.com/cofferhq/coffer/internal/importrule"
)

// TestImportsOnlyStdlibAndRoot holds the package to the dependency rule of
// docs/ARCHITECTURE.md: a program that imports the client compiles in the standard library and
// the root package (itself standard library only), never the ledger, the server or a driver.
func TestImportsOnlyStdlibAndRoot(t *testing.T) {
	importrule.Check(t, "the client", "github.com/cofferhq/coffer")
}
