package chain_test

import (
	"strings"
	"testing"

	"github.com/cofferhq/coffer/chain"
)

// An error that quotes the URL it called, as net/http's do (with the password starred) or
// whole, keeps none of its secrets.
func TestRedactRPC(t *testing.T) {
	rpcs := []string{"https://alice:pa%20ss@mainnet.infura.io/v3/0123456789abcdef?token=t0ken", "not a URL: s3cr3t"}
	for _, msg := range []string{
		`Post "https://alice:***@mainnet.infura.io/v3/0123456789abcdef?token=t0ken": dial tcp: i/o timeout`,
		`Post "https://alice:pa%20ss@mainnet.infura.io/v3/0123456789abcdef?token=t0ken": EOF`,
		`calling https://alice:pa ss@mainnet.infura.io/v3/0123456789abcdef?token=t0ken failed`,
		`dial not a URL: s3cr3t: no such host`,
	} {
		got := chain.RedactRPC(msg, rpcs)
		for _, secret := range []string{"pa ss", "pa%20ss", "0123456789abcdef", "t0ken", "s3cr3t"} {
			if strings.Contains(got, secret) {
				t.Errorf("RedactRPC(%q) = %q; still holds %q", msg, got, secret)
			}
		}
		if strings.Contains(msg, "infura") && !strings.Contains(got, "mainnet.infura.io") {
			t.Errorf("RedactRPC(%q) = %q; the host should stay", msg, got)
		}
	}
	if got := chain.RedactRPC("head: 429 Too Many Requests", rpcs); got != "head: 429 Too Many Requests" {
		t.Errorf("RedactRPC of a text without the URL = %q", got)
	}
}
