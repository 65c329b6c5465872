package outbox_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/cofferhq/coffer/outbox"
)

// uniqueName is a name of prefix no other test, run or package uses.
func uniqueName(prefix string) string {
	return prefix + "-" + strings.ToLower(rand.Text()[:10])
}

// amqpQueue declares the exchange as the sink does, and a queue bound to it for every routing
// key, on the broker at url. durable queues outlive a broker restart.
func amqpQueue(t testing.TB, url, exchange string, durable bool) string {
	t.Helper()
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatalf("RabbitMQ at %s: %v", redactedURL(url), err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.ExchangeDeclare(exchange, amqp.ExchangeTopic, true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	q, err := ch.QueueDeclare(exchange+".all", durable, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind(q.Name, "#", exchange, false, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if conn, err := amqp.Dial(url); err == nil {
			if ch, err := conn.Channel(); err == nil {
				ch.QueueDelete(q.Name, false, false, false)
				ch.ExchangeDelete(exchange, false, false)
			}
			conn.Close()
		}
	})
	return q.Name
}

// amqpRead reads want messages from the queue, or fails the test when they have not all come
// within the limit.
func amqpRead(t testing.TB, url, queue string, want int) []received {
	t.Helper()
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Qos(1000, 0, false); err != nil {
		t.Fatal(err)
	}
	deliveries, err := ch.Consume(queue, "", true, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []received
	distinct := map[string]bool{}
	timeout := time.After(60 * time.Second)
	for len(distinct) < want {
		select {
		case d, ok := <-deliveries:
			if !ok {
				t.Fatalf("the consumer's channel closed after %d messages", len(got))
			}
			if d.ContentType != "application/json" || d.DeliveryMode != amqp.Persistent {
				t.Fatalf("%s: content type %q, delivery mode %d", d.MessageId, d.ContentType, d.DeliveryMode)
			}
			seq, ok := d.Headers["seq"].(int64)
			if !ok {
				t.Fatalf("%s: header seq is %T %v", d.MessageId, d.Headers["seq"], d.Headers["seq"])
			}
			if d.RoutingKey != d.Type {
				t.Fatalf("%s: routing key %q, type %q", d.MessageId, d.RoutingKey, d.Type)
			}
			got = append(got, received{ID: d.MessageId, Seq: uint64(seq), Type: d.Type, Body: d.Body})
			distinct[d.MessageId] = true
		case <-timeout:
			t.Fatalf("read %d messages (%d distinct) of %d in a minute", len(got), len(distinct), want)
		}
	}
	return got
}

func redactedURL(raw string) string {
	if i, j := strings.Index(raw, "://"), strings.LastIndex(raw, "@"); i >= 0 && j > i {
		return raw[:i+3] + raw[j+1:]
	}
	return raw
}

func newAMQPSink(t testing.TB, url, exchange string, opts outbox.SinkOptions) *outbox.AMQPSink {
	t.Helper()
	s, err := outbox.NewAMQPSink(outbox.AMQPConfig{URL: url, Exchange: exchange, Mandatory: true, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestAMQPDeliver relays the events of real ledger traffic through the RabbitMQ sink and reads
// them all back from a queue bound to the exchange: complete, in order, once each.
func TestAMQPDeliver(t *testing.T) {
	t.Parallel()
	url := brokerURL(t, envAMQP)
	exchange := uniqueName("coffer.test")
	queue := amqpQueue(t, url, exchange, false)
	s := newAMQPSink(t, url, exchange, outbox.SinkOptions{Logger: testLogger(t)})
	msgs := relayAll(t, s)
	checkReceived(t, msgs, amqpRead(t, url, queue, len(msgs)), false)
}

// TestAMQPReturned checks that a message no queue is bound for stops the count there: the
// exchange has a queue for transfer.* only, and the batch's fourth message is an account's.
func TestAMQPReturned(t *testing.T) {
	t.Parallel()
	url := brokerURL(t, envAMQP)
	exchange := uniqueName("coffer.test")
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.ExchangeDeclare(exchange, amqp.ExchangeTopic, true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	defer ch.ExchangeDelete(exchange, false, false)
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind(q.Name, "transfer.*", exchange, false, nil); err != nil {
		t.Fatal(err)
	}
	msgs := []outbox.Message{
		{Seq: 1, ID: "evt_1", Type: "transfer.created", Subject: "t1", Body: []byte(`{}`)},
		{Seq: 2, ID: "evt_2", Type: "transfer.posted", Subject: "t1", Body: []byte(`{}`)},
		{Seq: 3, ID: "evt_3", Type: "transfer.created", Subject: "t2", Body: []byte(`{}`)},
		{Seq: 4, ID: "evt_4", Type: "account.created", Subject: "wallet:1:USD", Body: []byte(`{}`)},
		{Seq: 5, ID: "evt_5", Type: "transfer.voided", Subject: "t2", Body: []byte(`{}`)},
	}
	s := newAMQPSink(t, url, exchange, outbox.SinkOptions{Logger: testLogger(t)})
	n, err := s.Deliver(context.Background(), msgs)
	if n != 3 || err == nil || !strings.Contains(err.Error(), "evt_4 was returned") {
		t.Fatalf("Deliver = %d, %v; want 3 and evt_4 returned", n, err)
	}
	if _, ok := errors.AsType[*outbox.RetryError](err); ok {
		t.Errorf("a returned message is no broker outage, yet Deliver asked to back off: %v", err)
	}
	// The connection stays usable: the next batch, without the account's event, goes through.
	if n, err := s.Deliver(context.Background(), msgs[4:]); n != 1 || err != nil {
		t.Fatalf("Deliver after a return = %d, %v", n, err)
	}
	// With mandatory off the same event is dropped by RabbitMQ and counted.
	loose, err := outbox.NewAMQPSink(outbox.AMQPConfig{URL: url, Exchange: exchange})
	if err != nil {
		t.Fatal(err)
	}
	defer loose.Close()
	if n, err := loose.Deliver(context.Background(), msgs[3:4]); n != 1 || err != nil {
		t.Fatalf("Deliver with mandatory off = %d, %v", n, err)
	}
}

// TestAMQPBrokerDown checks a sink whose broker cannot be reached: Deliver fails at once with
// a *RetryError, its At backing off.
func TestAMQPBrokerDown(t *testing.T) {
	t.Parallel()
	s := newAMQPSink(t, fmt.Sprintf("amqp://guest:guest@127.0.0.1:%d/", freePort(t)), "coffer.events", fastOptions(t))
	msgs := []outbox.Message{{Seq: 1, ID: "evt_1", Type: "asset.created", Subject: "USD", Body: []byte(`{}`)}}
	first, firstWait := checkDownDeliver(t, s, msgs, downLimit)
	second, secondWait := checkDownDeliver(t, s, msgs, downLimit)
	if secondWait <= firstWait {
		t.Errorf("the sink asked to wait %s after one failure and %s after two: no backoff", firstWait, secondWait)
	}
	for _, err := range []error{first, second} {
		if strings.Contains(err.Error(), "guest") {
			t.Errorf("the error shows the credentials: %v", err)
		}
	}
}

// rabbitNode is a RabbitMQ node of the test's own, on free ports with its own data folder, so
// that a test can stop and start it while other packages' tests use the shared node on 5672.
type rabbitNode struct {
	t    *testing.T
	name string
	dir  string
	port int
	env  []string
	URL  string
}

// rabbitBin returns the path of a RabbitMQ script, the package's own under /usr/lib/rabbitmq
// (which runs as the caller; /usr/sbin's switches to the rabbitmq user) when it is there.
func rabbitBin(name string) string {
	if p := filepath.Join("/usr/lib/rabbitmq/bin", name); fileExists(p) {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

var rabbitNodes sync.Mutex // one node starts at a time: a start takes much of the machine

func startRabbitNode(t *testing.T) *rabbitNode {
	t.Helper()
	server := rabbitBin("rabbitmq-server")
	if server == "" {
		t.Fatal("rabbitmq-server is not installed (apt-get install rabbitmq-server)")
	}
	dir, err := os.MkdirTemp("", "coffer-rabbit-") // short: Erlang dislikes long paths
	if err != nil {
		t.Fatal(err)
	}
	n := &rabbitNode{t: t, dir: dir, port: freePort(t)}
	n.name = "coffer-test-" + strconv.Itoa(n.port) + "@localhost"
	dist := freePort(t)
	// Its own config file (the listener), an empty plugins file (no management or prometheus
	// port to clash with the shared node's) and an env file that is not /etc/rabbitmq's.
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "rabbitmq.conf"), fmt.Appendf(nil, "listeners.tcp.local = 127.0.0.1:%d\n", n.port), 0o644))
	must(os.WriteFile(filepath.Join(dir, "enabled_plugins"), []byte("[].\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "rabbitmq-env.conf"), nil, 0o644))
	n.env = append(os.Environ(),
		"HOME="+dir, // the Erlang cookie
		"RABBITMQ_NODENAME="+n.name,
		"RABBITMQ_NODE_PORT="+strconv.Itoa(n.port),
		"RABBITMQ_DIST_PORT="+strconv.Itoa(dist),
		"RABBITMQ_MNESIA_BASE="+filepath.Join(dir, "mnesia"),
		"RABBITMQ_LOG_BASE="+filepath.Join(dir, "log"),
		"RABBITMQ_PID_FILE="+filepath.Join(dir, "pid"),
		"RABBITMQ_CONFIG_FILE="+filepath.Join(dir, "rabbitmq.conf"),
		"RABBITMQ_ADVANCED_CONFIG_FILE="+filepath.Join(dir, "advanced.config"),
		"RABBITMQ_ENABLED_PLUGINS_FILE="+filepath.Join(dir, "enabled_plugins"),
		"RABBITMQ_CONF_ENV_FILE="+filepath.Join(dir, "rabbitmq-env.conf"),
	)
	n.URL = fmt.Sprintf("amqp://guest:guest@127.0.0.1:%d/", n.port)
	t.Cleanup(func() {
		n.stop()
		os.RemoveAll(dir)
	})
	n.start()
	return n
}

// start starts the node and waits until it takes an AMQP connection.
func (n *rabbitNode) start() {
	n.t.Helper()
	rabbitNodes.Lock()
	defer rabbitNodes.Unlock()
	cmd := exec.Command(rabbitBin("rabbitmq-server"), "-detached")
	cmd.Env, cmd.Dir = n.env, n.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		n.t.Fatalf("rabbitmq-server -detached: %v\n%s", err, out)
	}
	waitFor(n.t, "RabbitMQ node "+n.name+" to take connections", 2*time.Minute, func() bool {
		c, err := amqp.DialConfig(n.URL, amqp.Config{Dial: amqp.DefaultDial(time.Second)})
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
}

// stop stops the node and waits until its process has ended. Stopping one that is not
// running does nothing.
func (n *rabbitNode) stop() {
	n.t.Helper()
	pidFile := filepath.Join(n.dir, "pid")
	if !fileExists(pidFile) {
		return
	}
	cmd := exec.Command(rabbitBin("rabbitmqctl"), "-n", n.name, "stop", pidFile)
	cmd.Env, cmd.Dir = n.env, n.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		// The node did not answer: end the process it left, by its pid.
		if pid, perr := os.ReadFile(pidFile); perr == nil {
			if p, perr := strconv.Atoi(strings.TrimSpace(string(pid))); perr == nil {
				if proc, perr := os.FindProcess(p); perr == nil {
					proc.Kill()
				}
			}
		}
		n.t.Logf("rabbitmqctl stop: %v\n%s", err, out)
	}
	os.Remove(pidFile)
	waitFor(n.t, "RabbitMQ node "+n.name+" to stop", time.Minute, func() bool {
		return !tcpUp(fmt.Sprintf("127.0.0.1:%d", n.port))
	})
}

// TestAMQPBrokerRestart stops a RabbitMQ node while the relay has caught up, commits more
// traffic, and starts the node again: the relay's Deliver calls fail promptly with a
// *RetryError while it is down, the sink reconnects once it is back, and the queue holds every
// event, in order, once each after dropping repeats. The node is the test's own: the shared one
// on 5672 serves other packages' tests meanwhile.
func TestAMQPBrokerRestart(t *testing.T) {
	brokerURL(t, envAMQP) // runs with the suites that have a RabbitMQ to test against
	if testing.Short() {
		t.Skip("starts a RabbitMQ node twice")
	}
	t.Parallel()
	node := startRabbitNode(t)
	exchange := uniqueName("coffer.test")
	queue := amqpQueue(t, node.URL, exchange, true)
	w := &watched{Sink: newAMQPSink(t, node.URL, exchange, fastOptions(t))}
	f := newRelayRig(t, w)
	f.run(t)

	last := f.traffic(t, testMessages/3)
	f.moved.wait(t, f.store, w.Name(), last)
	node.stop()
	checkOutage(t, f, w, testMessages/3, downLimit)
	node.start()
	last = f.traffic(t, testMessages/3)
	f.moved.wait(t, f.store, w.Name(), last)
	msgs := f.messages(t)
	checkReceived(t, msgs, amqpRead(t, node.URL, queue, len(msgs)), false)
}
