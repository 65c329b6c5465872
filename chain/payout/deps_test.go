package payout_test

import (
	"testing"

	"github.com/cofferhq/coffer/internal/importrule"
)

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: the root,
// chain, chain/send (its Outcome), ledger and go-ethereum's common; the store comes in through
// its Config.
func TestImports(t *testing.T) {
	importrule.Check(t, "payout", "github.com/cofferhq/coffer", "github.com/cofferhq/coffer/chain",
		"github.com/cofferhq/coffer/chain/send", "github.com/cofferhq/coffer/ledger",
		"github.com/ethereum/go-ethereum/common")
}
