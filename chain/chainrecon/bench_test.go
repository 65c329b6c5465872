package chainrecon_test

import (
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer/chain/chainrecon"
	"github.com/cofferhq/coffer/chain/testtoken"
	"github.com/cofferhq/coffer/internal/testdb"
)

// BenchmarkReconcile reconciles a chain of n deposit addresses on the simulated chain, on
// SQLite: every address's ETH and USDT read at the pinned block, the ledger's custody of each,
// and one block's transfers. Its baseline, BenchmarkReconcile/reads, is the same balance reads
// made one after another by a plain loop over the node client, without Coffer.
//
//	go test -run '^$' -bench Reconcile -benchtime 5x ./chain/chainrecon
func BenchmarkReconcile(b *testing.B) {
	for _, n := range []int{100, 1000} {
		f := setup(b, testdb.Kinds()[0])
		ctx := b.Context()
		addrs := make([]common.Address, n)
		for i := range n {
			key, _ := crypto.GenerateKey()
			addrs[i] = crypto.PubkeyToAddress(key.PublicKey)
			a := addrs[i]
			if _, _, err := f.store.AssignDepositAddress(ctx, "dev", fmt.Sprintf("owner-%d", i), func(uint32) (string, error) {
				return a.Hex(), nil
			}); err != nil {
				b.Fatal(err)
			}
		}
		f.settle(b)
		b.Run(fmt.Sprintf("addresses=%d/reconcile", n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				if _, err := f.rec.Run(ctx, chainrecon.Request{ID: fmt.Sprintf("bench-%d", i)}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("addresses=%d/reads", n), func(b *testing.B) {
			cl := f.dev.Client().(chainrecon.Client)
			head, err := cl.HeaderByNumber(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			token, abi := f.dev.Token(), testtoken.NewCofferTestToken()
			for b.Loop() {
				for _, a := range addrs {
					if _, err := cl.BalanceAtHash(ctx, a, head.Hash()); err != nil {
						b.Fatal(err)
					}
					if _, err := cl.CallContractAtHash(ctx, ethereum.CallMsg{To: &token, Data: abi.PackBalanceOf(a)}, head.Hash()); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
