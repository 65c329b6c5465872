// Package client004 is a business system's side of the payment-queue contract, written from
// 004's description, for the tests that drive Coffer through RabbitMQ: the exchange, request
// and return queues declared under names of the test's own (as 004's business systems declare
// what they use, so that either side may start first), requests signed and published with
// their routing keys, notices read from the return queues as the text Coffer wrote.
package client004

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/cofferhq/coffer/paymentqueue"
)

// NoticeWaitMax bounds the wait for a notice: a payout on a chain of a block a second is
// answered within seconds of its request, and a loaded machine takes a few times longer.
const NoticeWaitMax = 30 * time.Second

// pollInterval is how often Next asks a return queue again: Get tells nothing by itself.
const pollInterval = 20 * time.Millisecond

// Broker returns a broker at url whose exchange, queues and routing keys are 004's prefixed
// with name, so that a test's cannot clash with another's.
func Broker(url, name string) paymentqueue.Broker {
	r := paymentqueue.DefaultRoutes()
	for _, q := range []*paymentqueue.Route{&r.Topup, &r.Withdraw, &r.Pay, &r.TopupReturn, &r.WithdrawReturn, &r.PayReturn} {
		q.Queue, q.RoutingKey = name+"."+q.Queue, name+"."+q.RoutingKey
	}
	return paymentqueue.Broker{URL: url, Exchange: name + ".exchange", Routes: r, DeadLetterQueue: name + ".dead"}
}

// URL returns b as `coffer serve --payment-queue` takes it: the broker's URL with the names of
// b's exchange, queues and routing keys as parameters.
func URL(b paymentqueue.Broker) string {
	q := url.Values{"exchange": {b.Exchange}, "dead_letter_queue": {b.DeadLetterQueue}}
	r := b.Routes
	for name, route := range map[string]paymentqueue.Route{"topup": r.Topup, "withdraw": r.Withdraw, "pay": r.Pay,
		"topup_return": r.TopupReturn, "withdraw_return": r.WithdrawReturn, "pay_return": r.PayReturn} {
		q.Set(name+"_queue", route.Queue)
		q.Set(name+"_key", route.RoutingKey)
	}
	return b.URL + "?" + q.Encode()
}

// Client publishes requests to the exchange with the request routing keys and reads the return
// queues. It decodes notices with UseNumber, as a careful 004 client would, so that amounts are
// compared as the text Coffer wrote.
type Client struct {
	ch     *amqp.Channel
	broker paymentqueue.Broker
	key    []byte
	// seen holds the bytes of every notice read, by its id.
	seen map[string]string
}

// Dial connects to b's broker and declares b's exchange (direct), its six queues bound by
// their routing keys and its dead-letter queue, all durable; they are deleted when the test
// ends. Requests are signed with key.
func Dial(t testing.TB, b paymentqueue.Broker, key []byte) *Client {
	t.Helper()
	conn, err := amqp.Dial(b.URL)
	if err != nil {
		t.Fatalf("RabbitMQ at %s does not answer: %v", b.URL, err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	r := b.Routes
	queues := []paymentqueue.Route{r.Topup, r.Withdraw, r.Pay, r.TopupReturn, r.WithdrawReturn, r.PayReturn, {Queue: b.DeadLetterQueue}}
	t.Cleanup(func() {
		for _, q := range queues {
			ch.QueueDelete(q.Queue, false, false, false)
		}
		ch.ExchangeDelete(b.Exchange, false, false)
	})
	if err := ch.ExchangeDeclare(b.Exchange, "direct", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	for _, q := range queues {
		if _, err := ch.QueueDeclare(q.Queue, true, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
		if q.RoutingKey != "" {
			if err := ch.QueueBind(q.Queue, q.RoutingKey, b.Exchange, false, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	return &Client{ch: ch, broker: b, key: key, seen: map[string]string{}}
}

// Channel is the client's channel, for a test that reads a queue its own way.
func (c *Client) Channel() *amqp.Channel { return c.ch }

// Send signs msg, a JSON object without sign, and publishes it as a request of kind (topup,
// withdraw or pay). It returns the message as sent, for a replay.
func (c *Client) Send(t testing.TB, kind string, msg string) []byte {
	t.Helper()
	signed, err := paymentqueue.SignMessage(c.key, []byte(msg))
	if err != nil {
		t.Fatalf("sign %s: %v", msg, err)
	}
	c.SendRaw(t, kind, signed)
	return signed
}

// SendRaw publishes body as it is, as a request of kind.
func (c *Client) SendRaw(t testing.TB, kind string, body []byte) {
	t.Helper()
	r := c.broker.Routes
	key := map[string]string{paymentqueue.KindTopup: r.Topup.RoutingKey, paymentqueue.KindWithdraw: r.Withdraw.RoutingKey,
		paymentqueue.KindPay: r.Pay.RoutingKey}[kind]
	if err := c.ch.PublishWithContext(t.Context(), c.broker.Exchange, key, true, false, amqp.Publishing{ContentType: "application/json",
		DeliveryMode: amqp.Persistent, Body: body}); err != nil {
		t.Fatalf("publish: %v", err)
	}
}

// ReturnQueue names kind's return queue.
func (c *Client) ReturnQueue(kind string) string {
	r := c.broker.Routes
	return map[string]string{paymentqueue.KindTopup: r.TopupReturn.Queue, paymentqueue.KindWithdraw: r.WithdrawReturn.Queue,
		paymentqueue.KindPay: r.PayReturn.Queue}[kind]
}

// Next waits, up to NoticeWaitMax, for the next notice on kind's return queue.
func (c *Client) Next(t testing.TB, kind string) Notice {
	t.Helper()
	n, _ := c.next(t, kind)
	return n
}

// Fresh waits, like Next, for the next notice on kind's return queue whose id was not read
// before, dropping copies: Coffer sends a notice at least once, and a copy (sent again after a
// crash between publishing it and recording that) has the id of the first, which a receiver
// drops, as docs/PAYMENT_QUEUE.md asks of it.
func (c *Client) Fresh(t testing.TB, kind string) Notice {
	t.Helper()
	for {
		if n, copied := c.next(t, kind); !copied {
			return n
		}
	}
}

// Copy waits, like Next, for the next notice on kind's return queue and fails the test unless
// it is a copy of a notice read before: its id read before, with the same bytes.
func (c *Client) Copy(t testing.TB, kind string) Notice {
	t.Helper()
	n, copied := c.next(t, kind)
	if !copied {
		t.Fatalf("notice on %s is not a copy of one read before: %s", c.ReturnQueue(kind), n.Body)
	}
	return n
}

// None checks that kind's return queue holds no notice now.
func (c *Client) None(t testing.TB, kind string) {
	t.Helper()
	if n, ok := c.Get(t, kind); ok {
		t.Fatalf("unexpected notice on %s: %s", c.ReturnQueue(kind), n.Body)
	}
}

// Drained checks that kind's return queue holds no notice now but copies of notices read
// before, which it takes.
func (c *Client) Drained(t testing.TB, kind string) {
	t.Helper()
	for {
		n, ok, copied := c.get(t, kind)
		if !ok {
			return
		}
		if !copied {
			t.Fatalf("unexpected notice on %s: %s", c.ReturnQueue(kind), n.Body)
		}
	}
}

// Get takes the notice at the head of kind's return queue, if there is one.
func (c *Client) Get(t testing.TB, kind string) (Notice, bool) {
	t.Helper()
	n, ok, _ := c.get(t, kind)
	return n, ok
}

// next is Next, telling whether the notice is a copy of one read before.
func (c *Client) next(t testing.TB, kind string) (Notice, bool) {
	t.Helper()
	deadline := time.Now().Add(NoticeWaitMax)
	for {
		n, ok, copied := c.get(t, kind)
		if ok {
			return n, copied
		}
		if time.Now().After(deadline) {
			t.Fatalf("no notice on %s within %s", c.ReturnQueue(kind), NoticeWaitMax)
		}
		time.Sleep(pollInterval) // polling the queue, not waiting for an outcome
	}
}

// get is Get, telling whether the notice is a copy of one read before; a notice whose id was
// read before with other bytes fails the test, since a copy must be the same notice.
func (c *Client) get(t testing.TB, kind string) (Notice, bool, bool) {
	t.Helper()
	d, ok, err := c.ch.Get(c.ReturnQueue(kind), true)
	if err != nil {
		t.Fatalf("get %s: %v", c.ReturnQueue(kind), err)
	}
	if !ok {
		return Notice{}, false, false
	}
	dec := json.NewDecoder(bytes.NewReader(d.Body))
	dec.UseNumber()
	n := Notice{Body: d.Body, MessageID: d.MessageId}
	if err := dec.Decode(&n.Fields); err != nil {
		t.Fatalf("notice %s: %v", d.Body, err)
	}
	id := n.Str("id")
	before, copied := c.seen[id]
	if copied && before != string(d.Body) {
		t.Errorf("two notices with the id %q differ:\n%s\n%s", id, before, d.Body)
	}
	c.seen[id] = string(d.Body)
	return n, true, copied
}

// Notice is a notice as the client reads it: its fields (numbers as json.Number), its bytes
// and the message's id.
type Notice struct {
	Fields    map[string]any
	Body      []byte
	MessageID string
}

// Str returns a string field, or "" when it is absent or not a string.
func (n Notice) Str(name string) string {
	s, _ := n.Fields[name].(string)
	return s
}

// Num returns a number field's literal.
func (n Notice) Num(name string) string {
	v, ok := n.Fields[name].(json.Number)
	if !ok {
		return fmt.Sprintf("(not a number: %v)", n.Fields[name])
	}
	return string(v)
}

// Want checks the notice's fields: a string by its text, a json.Number by its literal, nil by
// the field's absence.
func (n Notice) Want(t testing.TB, fields map[string]any) {
	t.Helper()
	for name, v := range fields {
		switch v := v.(type) {
		case string:
			if got := n.Str(name); got != v {
				t.Errorf("notice %s: %s = %q, want %q", n.Body, name, got, v)
			}
		case json.Number:
			if got := n.Num(name); got != string(v) {
				t.Errorf("notice %s: %s = %s, want %s", n.Body, name, got, v)
			}
		case nil:
			if _, ok := n.Fields[name]; ok {
				t.Errorf("notice %s: has %s, want none", n.Body, name)
			}
		default:
			t.Fatalf("Want of %s: a %T is neither a string, a json.Number nor nil", name, v)
		}
	}
}
