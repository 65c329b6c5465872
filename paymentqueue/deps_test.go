package paymentqueue_test

import (
	"testing"

	"github.com/cofferhq/coffer/internal/importrule"
)

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: it reaches the
// deposit addresses and the payout pipeline only through the interfaces it declares.
func TestImports(t *testing.T) {
	importrule.Check(t, "the payment queue", "github.com/cofferhq/coffer", "github.com/cofferhq/coffer/chain",
		"github.com/cofferhq/coffer/outbox", "github.com/cofferhq/coffer/internal/strict", "github.com/rabbitmq/amqp091-go",
		"github.com/go-json-experiment/json", "github.com/go-json-experiment/json/jsontext")
}
