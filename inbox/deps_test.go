package inbox_test

import (
	"testing"

	"github.com/cofferhq/coffer/internal/importrule"
)

// TestImports holds the package to the dependency rule of docs/ARCHITECTURE.md: it reaches the
// server only through the Executor interface it declares, and no other adapter at all.
func TestImports(t *testing.T) {
	importrule.Check(t, "the inbox", "github.com/cofferhq/coffer", "github.com/cofferhq/coffer/client",
		"github.com/cofferhq/coffer/internal/strict", "github.com/rabbitmq/amqp091-go", "github.com/twmb/franz-go/pkg/kgo")
}
