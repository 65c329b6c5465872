package send_test

import (
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/chaintest"
	"github.com/cofferhq/coffer/internal/testdb"
)

// batch is the payouts of one round of the benchmarks.
const batch = 1000

// BenchmarkPipeline measures payouts per second through a pass of the sender: 1,000 queued
// payouts checked, signed, committed and broadcast to the simulated chain, on each store. Its
// baselines, in the same run, are the parts alone: signing 1,000 transactions, committing and
// marking 1,000 attempts in the store, and sending 1,000 signed transactions to the node.
// Queueing, mining and ending the payouts happen between rounds, off the clock.
//
//	go test ./chain/send -run '^$' -bench . -benchtime 5x
func BenchmarkPipeline(b *testing.B) {
	for _, kind := range testdb.Kinds() {
		b.Run("pass/"+kind.Name, func(b *testing.B) { benchPass(b, kind.Open) })
		b.Run("store/"+kind.Name, func(b *testing.B) { benchStore(b, kind.Open) })
	}
	b.Run("sign", benchSign)
	b.Run("broadcast", benchBroadcast)
}

func benchRig(b *testing.B, open func(testing.TB) coffer.Store) *rig {
	return setup(b, options{open: open, confirmations: 1, hotWei: chaintest.Ether(1_000_000)})
}

// perSecond reports the rate of payouts over the time the clock ran.
func perSecond(b *testing.B, n int, elapsed time.Duration) {
	b.ReportMetric(float64(n)/elapsed.Seconds(), "payouts/s")
}

func benchPass(b *testing.B, open func(testing.TB) coffer.Store) {
	r := benchRig(b, open)
	t := b
	round, n := 0, 0
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		all := ids(fmt.Sprintf("r%d", round), batch)
		for _, id := range all {
			r.queue(t, id, common.Address{0x01}, "ETH", big.NewInt(1))
		}
		b.StartTimer()
		start := time.Now()
		p := r.pass(t)
		elapsed += time.Since(start)
		b.StopTimer()
		if p.InFlight != batch {
			b.Fatalf("progress %+v; want %d in flight", p, batch)
		}
		n += batch
		r.drain(t, all)
		round++
		b.StartTimer()
	}
	perSecond(b, n, elapsed)
}

// drain mines until every payout of ids is mined and a pass has ended them.
func (r *rig) drain(t testing.TB, all []string) {
	t.Helper()
	for range 100 {
		r.mine(t, 1)
		pending, _ := r.sim.Client().PendingNonceAt(t.Context(), r.sim.HotAddr())
		mined, _ := r.sim.Client().NonceAt(t.Context(), r.sim.HotAddr(), nil)
		if pending == mined {
			break
		}
	}
	r.pass(t)
	if in := r.intent(t, all[len(all)-1]); in.State != coffer.SendConfirmed {
		t.Fatalf("%s is %s after the drain", in.ID, in.State)
	}
}

// signed returns batch transactions of the hot wallet from nonce on, signed.
func (r *rig) signed(t testing.TB, nonce uint64) []*types.Transaction {
	t.Helper()
	head, err := r.sim.Client().HeaderByNumber(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	to := common.Address{0x01}
	feeCap := new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), gwei)
	signer := types.LatestSignerForChainID(big.NewInt(1337))
	out := make([]*types.Transaction, batch)
	for i := range out {
		tx, err := types.SignNewTx(r.sim.Hot, signer, &types.DynamicFeeTx{
			ChainID: big.NewInt(1337), Nonce: nonce + uint64(i), GasTipCap: gwei, GasFeeCap: feeCap, Gas: 21_000,
			To: &to, Value: big.NewInt(1),
		})
		if err != nil {
			t.Fatal(err)
		}
		out[i] = tx
	}
	return out
}

func benchSign(b *testing.B) {
	r := benchRig(b, nil)
	t := b
	n := 0
	var elapsed time.Duration
	for b.Loop() {
		start := time.Now()
		r.signed(t, uint64(n))
		elapsed += time.Since(start)
		n += batch
	}
	perSecond(b, n, elapsed)
}

func benchBroadcast(b *testing.B) {
	r := benchRig(b, nil)
	t := b
	n := 0
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		txs := r.signed(t, uint64(n))
		b.StartTimer()
		start := time.Now()
		for _, tx := range txs {
			if err := r.sim.Client().SendTransaction(t.Context(), tx); err != nil {
				b.Fatalf("send: %v", err)
			}
		}
		elapsed += time.Since(start)
		b.StopTimer()
		n += batch
		for range 100 {
			r.mine(t, 1)
			if mined, _ := r.sim.Client().NonceAt(t.Context(), r.sim.HotAddr(), nil); mined == uint64(n) {
				break
			}
		}
		b.StartTimer()
	}
	perSecond(b, n, elapsed)
}

// benchStore commits 1,000 attempts one by one and then marks them broadcast in one write, of
// intents queued off the clock: the store's writes of a pass.
func benchStore(b *testing.B, open func(testing.TB) coffer.Store) {
	r := benchRig(b, open)
	t := b
	round, n := 0, 0
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		all := ids(fmt.Sprintf("r%d", round), batch)
		for _, id := range all {
			r.queue(t, id, common.Address{0x01}, "ETH", big.NewInt(1))
		}
		txs := r.signed(t, uint64(n))
		b.StartTimer()
		start := time.Now()
		hashes := make([]string, 0, batch)
		for i, tx := range txs {
			raw, _ := tx.MarshalBinary()
			a := coffer.SendAttempt{TxHash: tx.Hash().Hex(), IntentID: all[i], Chain: "dev", From: strings.ToLower(r.s.From().Hex()),
				Nonce: tx.Nonce(), Raw: raw, GasFeeCap: tx.GasFeeCap(), GasTipCap: tx.GasTipCap(), Gas: tx.Gas()}
			if err := r.store.AddSendAttempt(t.Context(), a, r.fence); err != nil {
				b.Fatalf("AddSendAttempt: %v", err)
			}
			hashes = append(hashes, a.TxHash)
		}
		if err := r.store.MarkSendBroadcast(t.Context(), hashes, 1); err != nil {
			b.Fatalf("MarkSendBroadcast: %v", err)
		}
		elapsed += time.Since(start)
		n += batch
		round++
	}
	perSecond(b, n, elapsed)
}
