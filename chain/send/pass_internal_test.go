package send

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestFixedNativeRefused: a fixed-cost native intent is refused for a recipient whose transfer
// needs more than a plain transfer's gas, or reverts; a node's other failures refuse nothing.
func TestFixedNativeRefused(t *testing.T) {
	for _, c := range []struct {
		name     string
		estimate uint64
		err      error
		refused  string
	}{
		{"a plain transfer", gasNative, nil, ""},
		{"a contract's code runs", 23_512, nil, "needs 23512 gas"},
		{"a revert", 0, errors.New("execution reverted"), "refuses ether"},
		{"a timeout", 0, context.DeadlineExceeded, ""},
		{"insufficient funds", 0, errors.New("insufficient funds for transfer"), ""},
	} {
		got := fixedNativeRefused(c.estimate, c.err)
		if (c.refused == "") != (got == "") || !strings.Contains(got, c.refused) {
			t.Errorf("%s: %q, want %q", c.name, got, c.refused)
		}
	}
}
