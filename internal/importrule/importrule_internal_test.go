package importrule

import "testing"

func TestAllows(t *testing.T) {
	allowed := []string{"github.com/cofferhq/coffer", "github.com/ethereum/go-ethereum/"}
	for path, want := range map[string]bool{
		"fmt": true, "net/http": true, "testing": false,
		"github.com/cofferhq/coffer": true, "github.com/cofferhq/coffer/ledger": false,
		"github.com/ethereum/go-ethereum": true, "github.com/ethereum/go-ethereum/common": true,
		"github.com/ethereum/go-ethereumx": false, "golang.org/x/sync": false,
	} {
		if got := allows(allowed, path); got != want {
			t.Errorf("allows(%s) = %v, want %v", path, got, want)
		}
	}
}
