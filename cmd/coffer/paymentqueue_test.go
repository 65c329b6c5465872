package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/cofferhq/coffer/client"
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
	name := fmt.Sprintf("pq-serve-%d", time.Now().UnixNano())
	q := func(kind string) string { return name + "." + kind }
	seedFile, secretFile, _ := devSeed(t)
	cfg := devConfig(t, seedFile, secretFile)
	cfg.PaymentQueue = url + "?exchange=" + q("exchange") + "&topup_queue=" + q("topup") + "&topup_return_queue=" + q("topup.return") +
		"&withdraw_queue=" + q("withdraw") + "&withdraw_return_queue=" + q("withdraw.return") + "&pay_queue=" + q("pay") +
		"&pay_return_queue=" + q("pay.return") + "&dead_letter_queue=" + q("dead")
	cfg.PaymentQueueKey = "serve-test-key"
	s, logs := startDevServer(t, cfg)

	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, k := range []string{"topup", "topup.return", "withdraw", "withdraw.return", "pay", "pay.return", "dead"} {
			ch.QueueDelete(q(k), false, false, false)
		}
		ch.ExchangeDelete(q("exchange"), false, false)
	})
	broker, err := paymentqueue.ParseURL(cfg.PaymentQueue)
	if err != nil {
		t.Fatal(err)
	}
	routes := broker.Routes
	// The business system declares what it uses, so that it may start before Coffer.
	if err := ch.ExchangeDeclare(broker.Exchange, "direct", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range []paymentqueue.Route{routes.Topup, routes.Withdraw, routes.Pay, routes.TopupReturn, routes.WithdrawReturn, routes.PayReturn} {
		if _, err := ch.QueueDeclare(r.Queue, true, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
		if err := ch.QueueBind(r.Queue, r.RoutingKey, broker.Exchange, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	send := func(key, msg string) {
		t.Helper()
		signed, err := paymentqueue.SignMessage([]byte(cfg.PaymentQueueKey), []byte(msg))
		if err != nil {
			t.Fatal(err)
		}
		if err := ch.PublishWithContext(t.Context(), q("exchange"), key, true, false, amqp.Publishing{Body: signed}); err != nil {
			t.Fatal(err)
		}
	}
	next := func(queue string) map[string]any {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			d, ok, err := ch.Get(queue, true)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				dec := json.NewDecoder(strings.NewReader(string(d.Body)))
				dec.UseNumber()
				var m map[string]any
				if err := dec.Decode(&m); err != nil {
					t.Fatal(err)
				}
				return m
			}
		}
		t.Fatalf("no notice on %s within 30s", queue)
		return nil
	}

	send(routes.Topup.RoutingKey, fmt.Sprintf(`{"chain":"ETH","symbol":"USDT","owner":"miner-9","timestamp":%d}`, time.Now().Unix()))
	reg := next(q("topup.return"))
	addr, _ := reg["address"].(string)
	if reg["status"] != json.Number("3") || reg["owner"] != "miner-9" || addr == "" {
		t.Fatalf("registration %v", reg)
	}
	var funded client.DevFunding
	s.json(&funded, "dev", "fund", "--to", addr, "--asset", "USDT", "--amount", "12.25")
	for _, want := range []string{"2", "1"} {
		n := next(q("topup.return"))
		if n["status"] != json.Number(want) || n["address"] != addr || n["amount"] != json.Number("12.25") || n["tx_hash"] != funded.TxHash ||
			n["chain"] != "ETH" || n["symbol"] != "USDT" {
			t.Fatalf("deposit notice %v, want status %s", n, want)
		}
	}
	s.wantBalances("miner-9", map[string][2]string{"USDT": {"12.250000", "0.000000"}})

	send(routes.Withdraw.RoutingKey, fmt.Sprintf(`{"queue_id":"w-serve-1","from_address":"%s","to_address":"0x2222222222222222222222222222222222222222","amount":2.5,"chain":"ETH","symbol":"USDT","timestamp":%d}`,
		strings.ToLower(addr), time.Now().Unix()))
	w := next(q("withdraw.return"))
	if w["queue_id"] != "w-serve-1" || w["status"] != json.Number("1") || w["amount"] != json.Number("2.5") || w["from_address"] != strings.ToLower(addr) {
		t.Fatalf("withdraw notice %v", w)
	}
	var p client.Payout
	s.json(&p, "payout", "pq-w-serve-1")
	if p.TxHash == "" || w["tx_hash"] != p.TxHash {
		t.Fatalf("withdraw notice %v, payout %+v", w, p)
	}
	s.wantBalances("miner-9", map[string][2]string{"USDT": {"9.750000", "0.000000"}})
	if strings.Contains(logs.String(), cfg.PaymentQueueKey) {
		t.Error("the payment queue's key is in the server's log")
	}
}
