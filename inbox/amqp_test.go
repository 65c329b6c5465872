package inbox_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/cofferhq/coffer/inbox"
)

// amqpURL returns the RabbitMQ of COFFER_TEST_AMQP, skipping the test if it is unset; where it
// is set, the broker must answer, or the test fails.
func amqpURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("COFFER_TEST_AMQP")
	if u == "" {
		t.Skip("COFFER_TEST_AMQP is not set")
	}
	return u
}

// amqpBroker is a test's side of RabbitMQ: it publishes to the consumer's queue and reads the
// replies and dead letters.
type amqpBroker struct {
	ch      *amqp.Channel
	queue   string
	replyTo string
	box     *mailbox
	deads   chan deadLetter
}

// startAMQP declares fresh queues, starts a consumer on them for w, and stops it and deletes
// the queues when the test ends.
func startAMQP(t *testing.T, w *world, o options) broker {
	t.Helper()
	url := amqpURL(t)
	name := uniqueName(t)
	b := newAMQPBroker(t, url, name)
	startAMQPConsumer(t, w, inbox.AMQPConfig{URL: url, Queue: name, DeadLetterQueue: name + ".dead",
		Prefetch: o.prefetch, Secret: o.secret, MessageBytesMax: o.bytesMax, Role: o.role, Logger: testLogger()})
	return b
}

// newAMQPBroker connects the test to RabbitMQ and declares the queue name and its dead-letter
// queue name+".dead" as the consumer does, so that what is sent before the consumer is up waits.
func newAMQPBroker(t *testing.T, url, name string) *amqpBroker {
	t.Helper()
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatalf("RabbitMQ at COFFER_TEST_AMQP does not answer: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	dlq := name + ".dead"
	for _, q := range []string{name, dlq} {
		if _, err := ch.QueueDeclare(q, true, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, q := range []string{name, dlq} {
			ch.QueueDelete(q, false, false, false)
		}
	})
	rq, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &amqpBroker{ch: ch, queue: name, replyTo: rq.Name, box: newMailbox(), deads: make(chan deadLetter, 100)}
	replies, err := ch.Consume(rq.Name, "", true, true, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for d := range replies {
			status, _ := strconv.Atoi(fmt.Sprint(d.Headers[inbox.HeaderStatus]))
			cmd, _ := d.Headers[inbox.HeaderCommandID].(string)
			b.box.put(d.CorrelationId, reply{status: status, body: d.Body, command: cmd})
		}
	}()
	deads, err := ch.Consume(dlq, "", true, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for d := range deads {
			h := map[string]string{}
			for k, v := range d.Headers {
				h[k] = fmt.Sprint(v)
			}
			b.deads <- deadLetter{body: d.Body, headers: h}
		}
	}()
	return b
}

// startAMQPConsumer runs a consumer of cfg for w until the test ends.
func startAMQPConsumer(t *testing.T, w *world, cfg inbox.AMQPConfig) {
	t.Helper()
	c, err := inbox.NewAMQPConsumer(cfg, w.server)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

func (b *amqpBroker) send(t *testing.T, corr string, body []byte, headers map[string]string) {
	t.Helper()
	table := amqp.Table{}
	for k, v := range headers {
		table[k] = v
	}
	err := b.ch.PublishWithContext(context.Background(), "", b.queue, false, false, amqp.Publishing{
		ContentType: "application/json", DeliveryMode: amqp.Persistent, CorrelationId: corr,
		ReplyTo: b.replyTo, Headers: table, Body: body,
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (b *amqpBroker) reply(t *testing.T, corr string) reply {
	t.Helper()
	return b.box.take(t, corr)
}

func (b *amqpBroker) dead(t *testing.T) deadLetter {
	t.Helper()
	select {
	case d := <-b.deads:
		return d
	case <-time.After(waitMax):
		t.Fatalf("no dead letter within %s", waitMax)
	}
	return deadLetter{}
}

// TestAMQP runs every scenario through RabbitMQ.
func TestAMQP(t *testing.T) {
	amqpURL(t)
	runScenarios(t, startAMQP)
}

// TestParseAMQPURL: Coffer's parameters are taken out, the driver's left in, anything else
// refused with a sentence that never shows the password.
func TestParseAMQPURL(t *testing.T) {
	cfg, err := inbox.ParseAMQPURL("amqp://guest:pw@127.0.0.1:5672/vh?queue=q1&dead_letter_queue=q1.dead&prefetch=8&heartbeat=5")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Queue != "q1" || cfg.DeadLetterQueue != "q1.dead" || cfg.Prefetch != 8 || cfg.URL != "amqp://guest:pw@127.0.0.1:5672/vh?heartbeat=5" {
		t.Errorf("parsed %+v", cfg)
	}
	if s := cfg.String(); strings.Contains(s, "pw") {
		t.Errorf("String shows the password: %s", s)
	}
	for _, bad := range []string{
		"http://guest:pw@127.0.0.1:5672/",
		"amqp:///",
		"amqp://guest:pw@127.0.0.1:5672/?prefetch=0",
		"amqp://guest:pw@127.0.0.1:5672/?prefetch=many",
		"amqp://guest:pw@127.0.0.1:5672/?queue=a&queue=b",
		"amqp://guest:pw@127.0.0.1:5672/?topic=x",
		"amqp://guest:pw@127.0.0.1:5672/?heartbeat=x",
		"amqp://guest:pw@127.0.0.1:5672/%zz",
	} {
		_, err := inbox.ParseAMQPURL(bad)
		if err == nil {
			t.Errorf("%s: parsed", bad)
			continue
		}
		if strings.Contains(err.Error(), "pw") {
			t.Errorf("%s: the error shows the password: %v", bad, err)
		}
	}
	if _, err := inbox.NewAMQPConsumer(inbox.AMQPConfig{URL: "amqp://127.0.0.1/", Queue: "a", DeadLetterQueue: "a"}, sqliteWorld(t).server); err == nil {
		t.Error("a queue that is its own dead-letter queue was accepted")
	}
	if _, err := inbox.NewAMQPConsumer(inbox.AMQPConfig{URL: "amqp://127.0.0.1/", Role: "reader"}, sqliteWorld(t).server); err == nil {
		t.Error("the reader role was accepted")
	}
}

// TestAMQPReconnects closes the consumer's connection from the broker's side (rabbitmqctl
// close_connection, which touches no other connection): the consumer connects again and
// answers the next command.
func TestAMQPReconnects(t *testing.T) {
	url := amqpURL(t)
	ctl, err := exec.LookPath("rabbitmqctl")
	if err != nil {
		t.Skip("rabbitmqctl is not installed here")
	}
	w := sqliteWorld(t)
	name := uniqueName(t)
	b := newAMQPBroker(t, url, name)
	startAMQPConsumer(t, w, inbox.AMQPConfig{URL: url, Queue: name, DeadLetterQueue: name + ".dead", Logger: testLogger()})
	if r := exchange(t, b, "first", command("first", "deposit", "", `{"owner":"fay","asset":"USD","amount":"1"}`), nil); r.status != 201 {
		t.Fatalf("first: %d %s", r.status, r.body)
	}
	out, err := exec.Command(ctl, "-q", "list_connections", "pid", "client_properties").CombinedOutput()
	if err != nil {
		t.Fatalf("rabbitmqctl list_connections: %v\n%s", err, out)
	}
	var pid string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "coffer commands "+name) {
			pid, _, _ = strings.Cut(line, "\t")
		}
	}
	if pid == "" {
		t.Fatalf("the consumer's connection is not in the list:\n%s", out)
	}
	if out, err := exec.Command(ctl, "close_connection", pid, "closed by a test").CombinedOutput(); err != nil {
		t.Fatalf("rabbitmqctl close_connection: %v\n%s", err, out)
	}
	if r := exchange(t, b, "second", command("second", "deposit", "", `{"owner":"fay","asset":"USD","amount":"1"}`), nil); r.status != 201 {
		t.Fatalf("second: %d %s", r.status, r.body)
	}
	if got := w.balance(t, "fay", "USD"); got != "2.00" {
		t.Errorf("fay has %s USD, want 2.00", got)
	}
}

// TestAMQPReplyToNowhere: a command whose reply_to queue does not exist is applied and
// acknowledged all the same (its reply comes back from the broker and is logged), and the
// consumer goes on.
func TestAMQPReplyToNowhere(t *testing.T) {
	url := amqpURL(t)
	w := sqliteWorld(t)
	name := uniqueName(t)
	b := newAMQPBroker(t, url, name)
	// One message in flight at a time: the second is delivered only once the first is settled.
	startAMQPConsumer(t, w, inbox.AMQPConfig{URL: url, Queue: name, DeadLetterQueue: name + ".dead", Prefetch: 1, Logger: testLogger()})
	err := b.ch.PublishWithContext(context.Background(), "", name, false, false, amqp.Publishing{
		CorrelationId: "lost", ReplyTo: name + ".nowhere", DeliveryMode: amqp.Persistent,
		Body: command("lost", "deposit", "", `{"owner":"gus","asset":"USD","amount":"1"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := exchange(t, b, "next", command("next", "deposit", "", `{"owner":"gus","asset":"USD","amount":"2"}`), nil); r.status != 201 {
		t.Fatalf("next: %d %s", r.status, r.body)
	}
	if got := w.balance(t, "gus", "USD"); got != "3.00" {
		t.Errorf("gus has %s USD, want 3.00", got)
	}
	q, err := b.ch.QueueDeclarePassive(name, true, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if q.Messages != 0 {
		t.Errorf("%d messages wait in the queue; the one without a reply queue was not acknowledged", q.Messages)
	}
}
