package paymentqueue_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/cofferhq/coffer/paymentqueue"
)

// client004 is a business system's side of the contract, written from 004's description: it
// publishes requests to the exchange with the request routing keys and reads the return
// queues. It decodes notices with UseNumber, as a careful 004 client would, so that amounts
// are compared as the text Coffer wrote.
type client004 struct {
	ch       *amqp.Channel
	exchange string
	routes   paymentqueue.Routes
	key      []byte
}

// send signs and publishes a request of kind (topup, withdraw or pay).
func (c *client004) send(t testing.TB, kind string, msg string) {
	t.Helper()
	signed, err := paymentqueue.SignMessage(c.key, []byte(msg))
	if err != nil {
		t.Fatalf("sign %s: %v", msg, err)
	}
	c.sendRaw(t, kind, signed)
}

// sendRaw publishes body as it is.
func (c *client004) sendRaw(t testing.TB, kind string, body []byte) {
	t.Helper()
	key := map[string]string{paymentqueue.KindTopup: c.routes.Topup.RoutingKey, paymentqueue.KindWithdraw: c.routes.Withdraw.RoutingKey,
		paymentqueue.KindPay: c.routes.Pay.RoutingKey}[kind]
	if err := c.ch.PublishWithContext(t.Context(), c.exchange, key, true, false, amqp.Publishing{ContentType: "application/json",
		DeliveryMode: amqp.Persistent, Body: body}); err != nil {
		t.Fatalf("publish: %v", err)
	}
}

// returnQueue names kind's return queue.
func (c *client004) returnQueue(kind string) string {
	return map[string]string{paymentqueue.KindTopup: c.routes.TopupReturn.Queue, paymentqueue.KindWithdraw: c.routes.WithdrawReturn.Queue,
		paymentqueue.KindPay: c.routes.PayReturn.Queue}[kind]
}

// notice is a notice as the client reads it: its fields and its raw bytes.
type notice struct {
	fields    map[string]any
	body      []byte
	messageID string
}

func (n notice) str(name string) string {
	s, _ := n.fields[name].(string)
	return s
}

func (n notice) num(name string) string {
	v, ok := n.fields[name].(json.Number)
	if !ok {
		return fmt.Sprintf("(not a number: %v)", n.fields[name])
	}
	return string(v)
}

// next waits, up to a deadline, for the next notice on kind's return queue.
func (c *client004) next(t testing.TB, kind string) notice {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, ok := c.get(t, kind)
		if ok {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("no notice on %s within 20s", c.returnQueue(kind))
		}
		time.Sleep(20 * time.Millisecond) // polling the queue, not waiting for an outcome
	}
}

// none checks that kind's return queue holds no notice now.
func (c *client004) none(t testing.TB, kind string) {
	t.Helper()
	if n, ok := c.get(t, kind); ok {
		t.Fatalf("unexpected notice on %s: %s", c.returnQueue(kind), n.body)
	}
}

func (c *client004) get(t testing.TB, kind string) (notice, bool) {
	t.Helper()
	d, ok, err := c.ch.Get(c.returnQueue(kind), true)
	if err != nil {
		t.Fatalf("get %s: %v", c.returnQueue(kind), err)
	}
	if !ok {
		return notice{}, false
	}
	dec := json.NewDecoder(bytes.NewReader(d.Body))
	dec.UseNumber()
	n := notice{body: d.Body, messageID: d.MessageId}
	if err := dec.Decode(&n.fields); err != nil {
		t.Fatalf("notice %s: %v", d.Body, err)
	}
	return n, true
}

// want checks the notice's fields: strings by text, numbers by their literal.
func (n notice) want(t testing.TB, fields map[string]any) {
	t.Helper()
	for name, v := range fields {
		switch v := v.(type) {
		case string:
			if got := n.str(name); got != v {
				t.Errorf("notice %s: %s = %q, want %q", n.body, name, got, v)
			}
		case json.Number:
			if got := n.num(name); got != string(v) {
				t.Errorf("notice %s: %s = %s, want %s", n.body, name, got, v)
			}
		case nil:
			if _, ok := n.fields[name]; ok {
				t.Errorf("notice %s: has %s, want none", n.body, name)
			}
		}
	}
}
