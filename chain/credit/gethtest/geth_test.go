package gethtest_test

// Coffer's chain side against a real geth (`geth --dev`, a block a second; see internal/gethdev
// for when these tests run or skip): deposits of ether and of the test token into deposit
// addresses assigned from an hdkey seed, found by the watcher and credited through Credit on a
// real ledger, across restarts of Coffer and of geth.

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// TestGethDepositsCreditedAtConfirmations sends ether and token deposits and a payment to an
// address that is not Coffer's: each deposit is incoming from its block until it is three deep,
// then credited once; the stranger's payment is nothing.
func TestGethDepositsCreditedAtConfirmations(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds() {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			r := setup(t, kind)
			alice, bob := r.address(t, "alice"), r.address(t, "bob")
			eth := r.sendETH(t, "alice", alice, 1_234_567_890_123_456_789)
			usdt := r.sendUSDT(t, "alice", alice, 25_000_001)
			bobs := r.sendETH(t, "bob", bob, 7)
			r.node.FundETH(t, stranger(t), bigInt(5))
			r.node.FundToken(t, stranger(t), bigInt(5))
			r.mined(t, eth, usdt, bobs)
			r.waitCredited(t)
			r.wantPendingUntilConfirmed(t, eth, usdt, bobs)
		})
	}
}

// TestGethCofferRestart stops Coffer (the watcher, the ledger and the store closed) with a
// deposit pending, sends deposits while it is down and lets them sink deeper than the
// confirmations, then starts it again on the same database: every deposit is credited once.
func TestGethCofferRestart(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds() {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			r := setup(t, kind)
			alice, bob := r.address(t, "alice"), r.address(t, "bob")
			first := []*sent{r.sendETH(t, "alice", alice, 1_000_000_000_000_000_000), r.sendUSDT(t, "bob", bob, 10_000_000)}
			r.mined(t, first...)
			r.waitStatus(t, "confirmed", first...)

			// Stopped as soon as the deposit is recorded, before it can be three deep.
			r.stopOnSeen(t, r.sendETH(t, "bob", bob, 2_000_000_000_000_000))

			down := []*sent{
				r.sendETH(t, "alice", alice, 300_000_000_000_000_000),
				r.sendUSDT(t, "alice", alice, 4_500_000),
				r.sendUSDT(t, "bob", bob, 1),
				r.sendETH(t, "alice", alice, 1),
			}
			r.mined(t, down...)
			var last uint64
			for _, d := range down {
				last = max(last, d.block)
			}
			r.node.WaitBlock(t, last+confirmations)

			r.start(t)
			r.waitCredited(t)
		})
	}
}

// TestGethRestart stops geth under a running watcher, with deposits mined and not yet
// confirmed, and starts it again on the same chain: the watcher's failed passes are retried,
// and the deposits from before and after the restart are all credited once.
func TestGethRestart(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds() {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			r := setup(t, kind)
			alice, bob := r.address(t, "alice"), r.address(t, "bob")
			before := []*sent{r.sendETH(t, "alice", alice, 900_000_000_000_000_000), r.sendUSDT(t, "bob", bob, 3_000_000)}
			r.mined(t, before...)
			r.node.Stop(t)
			r.waitFor(t, "a failed pass", func() (bool, error) { return r.log.failed.Load() > 0, nil })
			r.node.Start(t)
			r.sendETH(t, "bob", bob, 40_000_000_000_000_000)
			r.sendUSDT(t, "alice", alice, 77_000_000)
			r.waitCredited(t)
			if r.log.failed.Load() == 0 {
				t.Fatal("no pass failed while geth was down")
			}
		})
	}
}

func bigInt(v int64) *big.Int { return big.NewInt(v) }

// stranger returns an address that is no one's in Coffer.
func stranger(t *testing.T) common.Address {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return crypto.PubkeyToAddress(key.PublicKey)
}
