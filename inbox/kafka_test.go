package inbox_test

// No Kafka broker can be installed on the machines these tests run on: the Kafka consumer is
// tested against franz-go's in-process kfake cluster, which speaks the Kafka protocol (consumer
// groups, offset commits, idempotent produce with acks=all). The consumer's code knows nothing
// of kfake.

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cofferhq/coffer/inbox"
)

// kafkaPartitions is how many partitions the test's command topic has.
const kafkaPartitions = 3

// kafkaBroker is a test's side of a kfake cluster: it produces commands and reads the replies
// and dead letters.
type kafkaBroker struct {
	cl    *kgo.Client
	topic string
	key   []byte // every command's key, so that they share a partition and keep their order; nil: the correlation id
	box   *mailbox
	deads chan deadLetter
}

// startKafka starts a kfake cluster with fresh topics and a consumer on them for w, and stops
// both when the test ends.
func startKafka(t *testing.T, w *world, o options) broker {
	t.Helper()
	b, addrs := newKafkaBroker(t)
	startKafkaConsumer(t, w, inbox.KafkaConfig{Brokers: addrs, Topic: b.topic, ReplyTopic: b.topic + ".replies",
		DeadLetterTopic: b.topic + ".dead", Group: b.topic, Secret: o.secret, MessageBytesMax: o.bytesMax,
		Role: o.role, Logger: testLogger()})
	return b
}

// newKafkaBroker starts a kfake cluster with the topics name, name.replies and name.dead and
// connects the test to it.
func newKafkaBroker(t *testing.T) (*kafkaBroker, []string) {
	t.Helper()
	name := uniqueName(t)
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(kafkaPartitions, name),
		kfake.SeedTopics(1, name+".replies", name+".dead"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	addrs := cluster.ListenAddrs()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.DefaultProduceTopic(name),
		kgo.ConsumeTopics(name+".replies", name+".dead"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	b := &kafkaBroker{cl: cl, topic: name, key: []byte("commands"), box: newMailbox(), deads: make(chan deadLetter, 100)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			fs := cl.PollFetches(ctx)
			if ctx.Err() != nil || fs.IsClientClosed() {
				return
			}
			fs.EachRecord(func(r *kgo.Record) {
				h := map[string]string{}
				for _, rh := range r.Headers {
					h[rh.Key] = string(rh.Value)
				}
				if r.Topic == name+".dead" {
					b.deads <- deadLetter{body: r.Value, headers: h}
					return
				}
				status, _ := strconv.Atoi(h[inbox.HeaderStatus])
				if string(r.Key) != h[inbox.HeaderCommandID] && h[inbox.HeaderCommandID] != "" {
					t.Errorf("reply keyed %q for command %q", r.Key, h[inbox.HeaderCommandID])
				}
				b.box.put(h[inbox.HeaderCorrelationID], reply{status: status, body: r.Value, command: h[inbox.HeaderCommandID]})
			})
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		cl.Close()
	})
	return b, addrs
}

// startKafkaConsumer runs a consumer of cfg for w until the test ends.
func startKafkaConsumer(t *testing.T, w *world, cfg inbox.KafkaConfig) {
	t.Helper()
	c, err := inbox.NewKafkaConsumer(cfg, w.server)
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

func (b *kafkaBroker) send(t *testing.T, corr string, body []byte, headers map[string]string) {
	t.Helper()
	key := b.key
	if key == nil {
		key = []byte(corr)
	}
	b.sendKeyed(t, key, corr, body, headers)
}

// sendKeyed produces a command with the key, which picks its partition.
func (b *kafkaBroker) sendKeyed(t *testing.T, key []byte, corr string, body []byte, headers map[string]string) {
	t.Helper()
	rec := &kgo.Record{Key: key, Value: body, Headers: []kgo.RecordHeader{{Key: inbox.HeaderCorrelationID, Value: []byte(corr)}}}
	for k, v := range headers {
		rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: k, Value: []byte(v)})
	}
	if err := b.cl.ProduceSync(context.Background(), rec).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

func (b *kafkaBroker) reply(t *testing.T, corr string) reply {
	t.Helper()
	return b.box.take(t, corr)
}

func (b *kafkaBroker) dead(t *testing.T) deadLetter {
	t.Helper()
	select {
	case d := <-b.deads:
		return d
	case <-time.After(waitMax):
		t.Fatalf("no dead letter within %s", waitMax)
	}
	return deadLetter{}
}

// TestKafka runs every scenario through Kafka (kfake; see the top of this file).
func TestKafka(t *testing.T) {
	runScenarios(t, startKafka)
}

// TestParseKafkaURL: brokers and parameters read, anything else refused.
func TestParseKafkaURL(t *testing.T) {
	cfg, err := inbox.ParseKafkaURL("kafka://k1:9092,k2:9093?topic=cmds&group=g&reply_topic=r&dead_letter_topic=d")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cfg.Brokers, " ") != "k1:9092 k2:9093" || cfg.Topic != "cmds" || cfg.Group != "g" ||
		cfg.ReplyTopic != "r" || cfg.DeadLetterTopic != "d" {
		t.Errorf("parsed %+v", cfg)
	}
	for _, bad := range []string{
		"amqp://k1:9092",
		"kafka://",
		"kafka://k1",
		"kafka://k1:port",
		"kafka://k1:9092,?topic=x",
		"kafka://user:pw@k1:9092",
		"kafka://k1:9092/path",
		"kafka://k1:9092?queue=x",
		"kafka://k1:9092?topic=a&topic=b",
		"kafka://k1:9092?topic=",
	} {
		if _, err := inbox.ParseKafkaURL(bad); err == nil {
			t.Errorf("%s: parsed", bad)
		} else if strings.Contains(err.Error(), "pw") {
			t.Errorf("%s: the error shows the password: %v", bad, err)
		}
	}
	if _, err := inbox.NewKafkaConsumer(inbox.KafkaConfig{Brokers: []string{"k:1"}, Topic: "a", ReplyTopic: "a"}, sqliteWorld(t).server); err == nil {
		t.Error("a command topic that is its own reply topic was accepted")
	}
}
