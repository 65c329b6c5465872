package main

import (
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/client004"
	"github.com/cofferhq/coffer/internal/gethdev"
	"github.com/cofferhq/coffer/paymentqueue"
)

// TestGethPaymentQueue runs the payment-queue contract of 004 end to end against geth --dev:
// `coffer serve` on PostgreSQL with the chain by its RPC URL and the payment queue on the real
// RabbitMQ (an exchange and queues of the test's own), driven by a business system's client
// written from 004's description. A topup names an owner and is answered with the deposit
// address; a USDT deposit there gets its two notices (status 2, then 1). Withdrawals of USDT
// and ETH and a payment with its order id, signed per docs/PAYMENT_QUEUE.md, each get one final
// notice whose tx_hash the chain has (receipt, sender, recipient's balance, fee). Serve is
// killed (-9) while a queued withdrawal is broadcast and started again: one final notice, one
// transaction, no nonce gap, the hold posted once. Requests replayed, byte for byte and signed
// anew, pay nothing more and are answered with their final notice again, the same bytes under
// the same id; a refusal replayed is answered with the same refusal. The chain reconciliation matches
// and `coffer verify` is clean at the end.
func TestGethPaymentQueue(t *testing.T) {
	if testing.Short() {
		t.Skip("starts geth and server processes")
	}
	gethdev.Binary(t) // skips without geth, or fails when COFFER_TEST_GETH requires it
	amqpURL := os.Getenv("COFFER_TEST_AMQP")
	if amqpURL == "" {
		t.Fatal("set COFFER_TEST_AMQP (make test does)")
	}
	const key = "geth-payment-queue-key"
	// serve takes the shared key from its environment only, as a secret.
	t.Setenv("COFFER_PAYMENT_QUEUE_KEY", key)
	broker := client004.Broker(amqpURL, fmt.Sprintf("pq-geth-%d", time.Now().UnixNano()))
	c := client004.Dial(t, broker, []byte(key))
	r := startGethRig(t, "--payment-queue", client004.URL(broker), "--payment-queue-chain", "ETH=geth")
	ctx := r.ctx()
	const topup, withdraw, pay = paymentqueue.KindTopup, paymentqueue.KindWithdraw, paymentqueue.KindPay
	now := func() int64 { return time.Now().Unix() }

	// A topup naming an owner is answered at once with the owner's deposit address, the one the
	// HTTP API gives that owner.
	c.Send(t, topup, fmt.Sprintf(`{"chain":"ETH","symbol":"USDT","owner":"miner-1","timestamp":%d}`, now()))
	reg := c.Next(t, topup)
	user, err := r.c.AssignDepositAddress(ctx, "miner-1", client.AssignDepositAddressRequest{Chain: "geth"})
	if err != nil {
		t.Fatal(err)
	}
	userAddr := common.HexToAddress(user.Address)
	reg.Want(t, map[string]any{"id": "registered-geth-" + strings.ToLower(user.Address), "address": user.Address,
		"status": json.Number("3"), "chain": "ETH", "symbol": "USDT", "owner": "miner-1", "tx_hash": "", "amount": nil, "code": nil,
		"reason": nil})
	if reg.MessageID != reg.Str("id") {
		t.Errorf("registration %s: message id %q", reg.Body, reg.MessageID)
	}

	// The operator funds the hot wallet; the user deposits ETH and then USDT. Only the USDT
	// deposit, the symbol the topup watches, is noticed: seen, then confirmed three deep.
	r.node.FundETH(t, r.hot, ether(10_000))
	r.node.FundToken(t, r.hot, big.NewInt(1_000_000_000)) // 1,000 USDT
	r.node.FundETH(t, userAddr, ether(2_000))
	deposit := r.node.FundToken(t, userAddr, big.NewInt(100_500_000)) // 100.5 USDT
	var ids []string
	for _, status := range []string{"2", "1"} {
		n := c.Fresh(t, topup)
		n.Want(t, map[string]any{"address": user.Address, "status": json.Number(status), "chain": "ETH", "symbol": "USDT",
			"amount": json.Number("100.5"), "tx_hash": deposit.Hex(), "owner": nil, "code": nil, "reason": nil})
		if n.Str("id") == "" || n.MessageID != n.Str("id") {
			t.Errorf("deposit notice %s: message id %q", n.Body, n.MessageID)
		}
		ids = append(ids, n.Str("id"))
	}
	if ids[0] == ids[1] {
		t.Errorf("the deposit's two notices share the id %s", ids[0])
	}
	r.events(count(4), "deposit.confirmed")
	r.wantBalances(hotWalletOwnerDefault, map[string]string{"ETH": "10.000000000000000000", "USDT": "1000.000000"})
	r.wantBalances("miner-1", map[string]string{"ETH": "2.000000000000000000", "USDT": "100.500000"})
	r.reconcileClean("funded")

	// Withdrawals of USDT (from and to in lowercase) and ETH (checksummed) and a payment of
	// USDT with its order id. Each is answered once, at its end, with the request's own text.
	to1, to2, to3 := newAddress(t), newAddress(t), newAddress(t)
	type request struct {
		kind, queueID, from, to, amount, symbol, orderID string
		wei                                              *big.Int // what the recipient gets, in the minor unit
		sent                                             []byte
	}
	requests := []*request{
		{kind: withdraw, queueID: "w-usdt", from: strings.ToLower(user.Address), to: strings.ToLower(to1.Hex()), amount: "25.50",
			symbol: "USDT", wei: big.NewInt(25_500_000)},
		{kind: withdraw, queueID: "w-eth", from: user.Address, to: to2.Hex(), amount: "0.5", symbol: "ETH", wei: ether(500)},
		{kind: pay, queueID: "p-usdt", from: user.Address, to: to3.Hex(), amount: "10", symbol: "USDT", orderID: "order-789",
			wei: big.NewInt(10_000_000)},
	}
	message := func(q *request, ts int64) string {
		order := ""
		if q.orderID != "" {
			order = `"order_id":"` + q.orderID + `",`
		}
		return fmt.Sprintf(`{"queue_id":"%s","from_address":"%s","to_address":"%s","amount":%s,"chain":"ETH","symbol":"%s",%s"timestamp":%d}`,
			q.queueID, q.from, q.to, q.amount, q.symbol, order, ts)
	}
	for _, q := range requests {
		q.sent = c.Send(t, q.kind, message(q, now()))
	}
	final := map[string]client004.Notice{}
	for _, kind := range []string{withdraw, withdraw, pay} {
		n := c.Fresh(t, kind)
		if _, twice := final[n.Str("queue_id")]; twice {
			t.Fatalf("a second final notice: %s", n.Body)
		}
		final[n.Str("queue_id")] = n
	}
	for _, q := range requests {
		n, ok := final[q.queueID]
		if !ok {
			t.Fatalf("no final notice of %s: %v", q.queueID, final)
		}
		order := any(nil)
		if q.orderID != "" {
			order = q.orderID
		}
		n.Want(t, map[string]any{"status": json.Number("1"), "amount": json.Number(q.amount), "chain": "ETH", "symbol": q.symbol,
			"from_address": q.from, "to_address": q.to, "order_id": order, "code": nil, "reason": nil})
		if !strings.HasPrefix(n.Str("id"), "evt_") || n.MessageID != n.Str("id") {
			t.Errorf("final notice %s: message id %q", n.Body, n.MessageID)
		}
		id := paymentqueue.TransferPrefix + q.queueID
		rc := r.paid(id, n.Str("tx_hash"), common.HexToAddress(q.to), q.wei, q.symbol == "USDT")
		fee, _ := coffer.AmountFromBig(new(big.Int).Mul(new(big.Int).SetUint64(rc.GasUsed), rc.EffectiveGasPrice))
		if n.Str("fee") != fee.Format(18) {
			t.Errorf("%s: fee %q, the receipt's is %s ETH", q.queueID, n.Str("fee"), fee.Format(18))
		}
		if p := r.storedEnd(id); p.State != "confirmed" || p.HoldState != "posted" || p.TxHash != n.Str("tx_hash") || p.OrderID != q.orderID {
			t.Fatalf("payout %s: %+v", id, p)
		}
	}
	r.wantBalances("miner-1", map[string]string{"ETH": "1.500000000000000000", "USDT": "65.000000"})
	r.reconcileClean("paid")

	// A queued withdrawal, serve killed (-9) while it is broadcast and started again: it ends
	// once, with one transaction at the nonce after the first three.
	to4 := newAddress(t)
	restart := &request{kind: withdraw, queueID: "w-restart", from: user.Address, to: to4.Hex(), amount: "5", symbol: "USDT",
		wei: big.NewInt(5_000_000)}
	restart.sent = c.Send(t, withdraw, message(restart, now()))
	requests = append(requests, restart)
	r.killWhenBroadcast("pq-w-restart")
	r.start()
	n := c.Fresh(t, withdraw)
	final[restart.queueID] = n
	n.Want(t, map[string]any{"queue_id": "w-restart", "status": json.Number("1"), "amount": json.Number("5"), "symbol": "USDT",
		"from_address": user.Address, "to_address": to4.Hex(), "code": nil})
	r.paid("pq-w-restart", n.Str("tx_hash"), to4, restart.wei, true)
	p := r.storedEnd("pq-w-restart")
	if p.State != "confirmed" || p.HoldState != "posted" || p.TxHash != n.Str("tx_hash") || p.Nonce == nil || *p.Nonce != 3 {
		t.Fatalf("payout pq-w-restart: %+v (nonce 3 follows the first three)", p)
	}
	if ends := r.endsOf("pq-w-restart"); ends != 1 {
		t.Fatalf("payout pq-w-restart ended %d times", ends)
	}
	r.wantBalances("miner-1", map[string]string{"USDT": "60.000000"})

	// Every request again: the first three as they were sent, byte for byte, the restarted
	// one signed anew. None holds or sends anything; each is answered with its final notice
	// again, the same bytes under the same id, which the client tells as a copy of one it has.
	// The requests are handled at once, so their copies come in any order.
	handled := r.paymentQueueHandled()
	for _, q := range requests[:3] {
		c.SendRaw(t, q.kind, q.sent)
	}
	c.Send(t, withdraw, message(restart, now()))
	r.waitHandled(handled, map[string]float64{withdraw: 3, pay: 1})
	for kind, queueIDs := range map[string][]string{withdraw: {"w-usdt", "w-eth", "w-restart"}, pay: {"p-usdt"}} {
		for len(queueIDs) > 0 {
			n := c.Copy(t, kind)
			was := final[n.Str("queue_id")]
			if string(n.Body) != string(was.Body) || n.MessageID != was.MessageID {
				t.Fatalf("the final notice was %s (message id %q), sent again it is %s (%q)", was.Body, was.MessageID,
					n.Body, n.MessageID)
			}
			queueIDs = slices.DeleteFunc(queueIDs, func(q string) bool { return q == n.Str("queue_id") })
		}
		c.Drained(t, kind)
	}
	// A refused request sent again is answered with the same notice.
	handled = r.paymentQueueHandled()
	refused := `{"queue_id":"w-decimals","from_address":"` + user.Address + `","to_address":"` + to1.Hex() +
		`","amount":1.0000001,"chain":"ETH","symbol":"USDT","timestamp":%d}`
	first := c.Send(t, withdraw, fmt.Sprintf(refused, now()))
	refusal := c.Next(t, withdraw)
	refusal.Want(t, map[string]any{"queue_id": "w-decimals", "status": json.Number("0"), "amount": json.Number("1.0000001"),
		"code": coffer.EINVALID, "tx_hash": ""})
	c.SendRaw(t, withdraw, first)
	if again := c.Next(t, withdraw); string(again.Body) != string(refusal.Body) || again.MessageID != refusal.MessageID {
		t.Errorf("the refusal was %s, sent again it is %s", refusal.Body, again.Body)
	}
	r.waitHandled(handled, map[string]float64{withdraw: 2})
	for _, kind := range []string{topup, withdraw, pay} {
		c.Drained(t, kind)
	}
	if nonce, err := r.node.Client().NonceAt(ctx, r.hot, nil); err != nil || nonce != 4 {
		t.Fatalf("the hot wallet's nonce is %d (%v): want 4, one transaction per payout", nonce, err)
	}
	for _, q := range requests {
		id := paymentqueue.TransferPrefix + q.queueID
		if p := r.storedEnd(id); p.State != "confirmed" || p.HoldState != "posted" || p.TxHash != final[q.queueID].Str("tx_hash") {
			t.Errorf("payout %s after the replays: %+v", id, p)
		}
		r.paid(id, final[q.queueID].Str("tx_hash"), common.HexToAddress(q.to), q.wei, q.symbol == "USDT")
	}
	r.wantBalances("miner-1", map[string]string{"ETH": "1.500000000000000000", "USDT": "60.000000"})
	r.reconcileClean("replayed")
	if code, out, errOut := cli("verify", "--database", r.db); code != 0 {
		t.Fatalf("coffer verify: %d\n%s%s", code, out, errOut)
	}
}

// paymentQueueHandled reads serve's count of the payment queue's requests settled as done, by
// kind.
func (r *gethRig) paymentQueueHandled() map[string]float64 {
	r.t.Helper()
	m, _ := readMetrics(r.t, r.srv.URL()+"/metrics", crashAdminKey)
	out := map[string]float64{}
	for _, kind := range []string{paymentqueue.KindTopup, paymentqueue.KindWithdraw, paymentqueue.KindPay} {
		out[kind] = m.value("coffer_payment_queue_requests_total", map[string]string{"kind": kind, "result": "done"})
	}
	return out
}

// waitHandled waits until serve has settled more requests of each kind than since counted,
// the number more: then their outcomes are committed and their notices, if any, published.
func (r *gethRig) waitHandled(since, more map[string]float64) {
	r.t.Helper()
	ctx := r.ctx()
	for {
		now, done := r.paymentQueueHandled(), true
		for kind, n := range more {
			done = done && now[kind] >= since[kind]+n
		}
		if done {
			return
		}
		select {
		case <-ctx.Done():
			r.t.Fatalf("the payment queue settled %v requests, from %v, want %v more", now, since, more)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
