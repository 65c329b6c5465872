package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/client004"
	"github.com/cofferhq/coffer/paymentqueue"
)

// TestPaymentQueueServe runs the payment-queue contract through `coffer serve --chain dev
// --payment-queue` on the real RabbitMQ, as a 004 business system meets it: a topup asking for
// an owner's address, USDT sent there with `coffer dev fund` and its two notices, and a
// withdrawal paid out from the dev chain's hot wallet with its one notice.
func TestPaymentQueueServe(t *testing.T) {
	url := os.Getenv("COFFER_TEST_AMQP")
	if url == "" {
		t.Skip("COFFER_TEST_AMQP is not set")
	}
	t.Parallel()
	broker := client004.Broker(url, fmt.Sprintf("pq-serve-%d", time.Now().UnixNano()))
	seedFile, secretFile, _ := devSeed(t)
	cfg := devConfig(t, seedFile, secretFile)
	cfg.PaymentQueue = client004.URL(broker)
	cfg.PaymentQueueKey = "serve-test-key"
	// The business system declares what it uses, so that it may start before Coffer.
	c := client004.Dial(t, broker, []byte(cfg.PaymentQueueKey))
	s, logs := startDevServer(t, cfg)

	c.Send(t, paymentqueue.KindTopup, fmt.Sprintf(`{"chain":"ETH","symbol":"USDT","owner":"miner-9","timestamp":%d}`, time.Now().Unix()))
	reg := c.Next(t, paymentqueue.KindTopup)
	addr := reg.Str("address")
	if reg.Num("status") != "3" || reg.Str("owner") != "miner-9" || addr == "" {
		t.Fatalf("registration %s", reg.Body)
	}
	var funded client.DevFunding
	s.json(&funded, "dev", "fund", "--to", addr, "--asset", "USDT", "--amount", "12.25")
	for _, want := range []string{"2", "1"} {
		c.Next(t, paymentqueue.KindTopup).Want(t, map[string]any{"status": json.Number(want), "address": addr, "amount": json.Number("12.25"),
			"tx_hash": funded.TxHash, "chain": "ETH", "symbol": "USDT"})
	}
	s.wantBalances("miner-9", map[string][2]string{"USDT": {"12.250000", "0.000000"}})

	c.Send(t, paymentqueue.KindWithdraw, fmt.Sprintf(`{"queue_id":"w-serve-1","from_address":"%s","to_address":"0x2222222222222222222222222222222222222222","amount":2.5,"chain":"ETH","symbol":"USDT","timestamp":%d}`,
		strings.ToLower(addr), time.Now().Unix()))
	w := c.Next(t, paymentqueue.KindWithdraw)
	w.Want(t, map[string]any{"queue_id": "w-serve-1", "status": json.Number("1"), "amount": json.Number("2.5"), "from_address": strings.ToLower(addr)})
	var p client.Payout
	s.json(&p, "payout", "pq-w-serve-1")
	if p.TxHash == "" || w.Str("tx_hash") != p.TxHash {
		t.Fatalf("withdraw notice %s, payout %+v", w.Body, p)
	}
	s.wantBalances("miner-9", map[string][2]string{"USDT": {"9.750000", "0.000000"}})
	if strings.Contains(logs.String(), cfg.PaymentQueueKey) {
		t.Error("the payment queue's key is in the server's log")
	}
}
