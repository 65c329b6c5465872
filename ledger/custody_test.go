package ledger_test

import (
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// TestCustodyNames: the custody and gas accounts' ids, which other packages compute, and
// IsCustodyAccount reading them back.
func TestCustodyNames(t *testing.T) {
	id := ledger.CustodyAccountID("0xAbC0000000000000000000000000000000000001", "USDT")
	if id != "system:custody.0xabc0000000000000000000000000000000000001:USDT" {
		t.Fatalf("custody id %s", id)
	}
	if err := coffer.ValidateOwner(ledger.CustodyOwner("0xAbC0000000000000000000000000000000000001")); err != nil {
		t.Fatalf("custody owner: %v", err)
	}
	if a, ok := ledger.IsCustodyAccount(id); !ok || a != "0xabc0000000000000000000000000000000000001" {
		t.Fatalf("IsCustodyAccount(%s) = %s %v", id, a, ok)
	}
	for _, other := range []string{"system:world:USDT", "wallet:custody.0xabc0000000000000000000000000000000000001:USDT", "system:custody.0xabc:USDT"} {
		if _, ok := ledger.IsCustodyAccount(other); ok {
			t.Errorf("IsCustodyAccount(%s) is true", other)
		}
	}
	if g := ledger.GasAccountID("ETH"); g != "system:gas:ETH" {
		t.Fatalf("gas id %s", g)
	}
}

// TestChainDepositBadAddress: a chain deposit whose address is not one is refused, naming it.
func TestChainDepositBadAddress(t *testing.T) {
	s := testdb.SQLite(t)
	l := ledger.New(s, ledger.Config{})
	t.Cleanup(func() { l.Close() })
	mustDo(t, l, ledger.CreateAsset{Code: "USDT", Scale: 6})
	n := coffer.DepositNotice{Key: "1337:0xabc:0", Chain: "dev", Address: "0x12", Owner: "alice", Asset: "USDT"}
	_, err := l.Do(t.Context(), ledger.ChainDeposit{Notice: n, Amount: coffer.AmountFromInt64(1)})
	wantCode(t, err, coffer.EINVALID)
}
