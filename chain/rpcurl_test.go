package chain_test

import (
	"strings"
	"testing"

	"github.com/cofferhq/coffer/chain"
)

func TestMaskRPC(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://127.0.0.1:8545", "http://127.0.0.1:8545"},
		{"https://node.example/", "https://node.example/"},
		{"https://user:hunter2@node.example:8545", "https://xxxxx:xxxxx@node.example:8545"},
		{"https://mainnet.infura.io/v3/0123456789abcdef", "https://mainnet.infura.io/xxxxx"},
		{"https://node.example/rpc?apikey=s3cret", "https://node.example/xxxxx?xxxxx"},
		{"wss://key@node.example/ws", "wss://xxxxx@node.example/xxxxx"},
		{"not a url at all", "xxxxx"},
		{"https://user:pa%zz@node.example", "xxxxx"},
	}
	for _, tt := range tests {
		if got := chain.MaskRPC(tt.in); got != tt.want {
			t.Errorf("MaskRPC(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// An error that quotes the URL it called, as net/http's do (with the password stripped) or
// whole, keeps none of its secrets.
func TestRedactRPC(t *testing.T) {
	rpcs := []string{"https://alice:pa%20ss@mainnet.infura.io/v3/0123456789abcdef?token=t0ken"}
	for _, msg := range []string{
		`Post "https://alice:***@mainnet.infura.io/v3/0123456789abcdef?token=t0ken": dial tcp: i/o timeout`,
		`Post "https://alice:pa%20ss@mainnet.infura.io/v3/0123456789abcdef?token=t0ken": EOF`,
		`calling https://alice:pa ss@mainnet.infura.io/v3/0123456789abcdef?token=t0ken failed`,
	} {
		got := chain.RedactRPC(msg, rpcs)
		for _, secret := range []string{"alice", "pa ss", "pa%20ss", "0123456789abcdef", "t0ken"} {
			if strings.Contains(got, secret) {
				t.Errorf("RedactRPC(%q) = %q; still holds %q", msg, got, secret)
			}
		}
		if !strings.Contains(got, "mainnet.infura.io") {
			t.Errorf("RedactRPC(%q) = %q; the host should stay", msg, got)
		}
	}
	if got := chain.RedactRPC("head: 429 Too Many Requests", rpcs); got != "head: 429 Too Many Requests" {
		t.Errorf("RedactRPC of a text without the URL = %q", got)
	}
}
