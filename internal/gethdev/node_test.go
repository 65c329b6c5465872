package gethdev_test

import (
	"context"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer/chain/testtoken"
	"github.com/cofferhq/coffer/internal/gethdev"
)

// TestNodeKeepsItsChain funds an address with ether and the token on a real geth, stops the node,
// starts it again and checks that the chain went on from where it was, with the balances, and
// that the dev account's next transactions are mined.
func TestNodeKeepsItsChain(t *testing.T) {
	t.Parallel()
	n := gethdev.Start(t)
	ctx := t.Context()
	token := n.DeployToken(t)
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	to := crypto.PubkeyToAddress(key.PublicKey)
	eth, usdt := n.FundETH(t, to, big.NewInt(1_500_000_000_000_000_000)), n.FundToken(t, to, big.NewInt(25_000_001))
	for _, tx := range []common.Hash{eth, usdt} {
		if r := n.WaitMined(t, tx); r.Status != types.ReceiptStatusSuccessful {
			t.Fatalf("transaction %s failed", tx)
		}
	}
	wantBalances(t, n, token, to, 1_500_000_000_000_000_000, 25_000_001)

	before := n.Head(t)
	n.Stop(t)
	if _, err := n.Client().BlockNumber(ctx); err == nil {
		t.Fatal("the stopped node answered")
	}
	n.Start(t)
	if head := n.Head(t); head < before {
		t.Fatalf("head %d after the restart, below %d before it", head, before)
	}
	wantBalances(t, n, token, to, 1_500_000_000_000_000_000, 25_000_001)
	if r := n.WaitMined(t, n.FundToken(t, to, big.NewInt(4_999_999))); r.Status != types.ReceiptStatusSuccessful {
		t.Fatal("the transfer after the restart failed")
	}
	wantBalances(t, n, token, to, 1_500_000_000_000_000_000, 30_000_000)
}

func wantBalances(t *testing.T, n *gethdev.Node, token, a common.Address, wei, units int64) {
	t.Helper()
	ctx := context.Background()
	got, err := n.Client().BalanceAt(ctx, a, nil)
	if err != nil || got.Cmp(big.NewInt(wei)) != 0 {
		t.Fatalf("ether of %s: %v, %v; want %d", a, got, err, wei)
	}
	tt := testtoken.NewCofferTestToken()
	out, err := n.Client().CallContract(ctx, ethereum.CallMsg{To: &token, Data: tt.PackBalanceOf(a)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tt.UnpackBalanceOf(out); err != nil || got.Cmp(big.NewInt(units)) != 0 {
		t.Fatalf("token of %s: %v, %v; want %d", a, got, err, units)
	}
}
