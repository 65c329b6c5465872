package outbox_test

// The Kafka sink is tested against kfake, franz-go's Kafka in a Go package: no Kafka broker can
// be installed on this machine (Debian has no package of it and nothing else may be fetched),
// so these tests need no server and always run. The sink itself knows nothing of kfake.

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/outbox"
)

// kafkaPartitions is the partitions of the test topics: several, so that the order per key is
// what is checked, not an order across the topic no consumer of several partitions sees.
const kafkaPartitions = 4

func newKafkaSink(t testing.TB, brokers []string, topic string, opts outbox.SinkOptions) *outbox.KafkaSink {
	t.Helper()
	s, err := outbox.NewKafkaSink(outbox.KafkaConfig{Brokers: brokers, Topic: topic, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// kafkaRead reads the topic from the start until it has want distinct ids.
func kafkaRead(t testing.TB, brokers []string, topic string, want int) []received {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var got []received
	distinct := map[string]bool{}
	for len(distinct) < want {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d records (%d distinct) of %d in a minute", len(got), len(distinct), want)
		}
		fetches.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		fetches.EachRecord(func(r *kgo.Record) {
			h := map[string]string{}
			for _, kv := range r.Headers {
				h[kv.Key] = string(kv.Value)
			}
			seq, err := strconv.ParseUint(h["seq"], 10, 64)
			if err != nil {
				t.Fatalf("record at %d/%d: header seq %q", r.Partition, r.Offset, h["seq"])
			}
			got = append(got, received{ID: h["id"], Key: string(r.Key), Seq: seq, Type: h["type"], Body: r.Value})
			distinct[h["id"]] = true
		})
	}
	return got
}

// TestKafkaDeliver relays the events of real ledger traffic through the Kafka sink and reads the
// topic back: complete, in order per key (the subject), once each.
func TestKafkaDeliver(t *testing.T) {
	t.Parallel()
	topic := uniqueName("coffer.test")
	cluster, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(kafkaPartitions, topic))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	s := newKafkaSink(t, cluster.ListenAddrs(), topic, outbox.SinkOptions{Logger: testLogger(t)})
	msgs := relayAll(t, s)
	got := kafkaRead(t, cluster.ListenAddrs(), topic, len(msgs))
	checkReceived(t, msgs, got, true)
	if len(got) != len(msgs) {
		t.Errorf("read %d records; sent %d, with no error", len(got), len(msgs))
	}
}

// TestKafkaBrokerRestart stops the (one-broker) kfake cluster while the relay has caught up,
// commits more traffic, and starts it again on the same port and data folder: the relay's
// Deliver calls fail within the publish timeout with a *RetryError while it is down, the sink
// reconnects once it is back, and the topic holds every event, in order per key, once each
// after dropping repeats.
func TestKafkaBrokerRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a publish timeout")
	}
	t.Parallel()
	topic := uniqueName("coffer.test")
	dir := t.TempDir()
	port := freePort(t)
	start := func() *kfake.Cluster {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port), kfake.DataDir(dir), kfake.SeedTopics(kafkaPartitions, topic))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cluster := start()
	defer func() { cluster.Close() }()
	brokers := cluster.ListenAddrs()
	opts := fastOptions(t)
	w := &watched{Sink: newKafkaSink(t, brokers, topic, opts)}
	f := newRelayRig(t, w)
	f.run(t)

	last := f.traffic(t, testMessages/3)
	f.moved.wait(t, f.store, w.Name(), last)
	cluster.Close()
	// The client retries a broker that is away until the records' delivery timeout, which is
	// the publish timeout: the limit here.
	checkOutage(t, f, w, testMessages/3, opts.PublishTimeout+time.Second)
	cluster = start()
	last = f.traffic(t, testMessages/3)
	f.moved.wait(t, f.store, w.Name(), last)
	msgs := f.messages(t)
	checkReceived(t, msgs, kafkaRead(t, brokers, topic, len(msgs)), true)
}

// TestKafkaOldEvents delivers events committed two days ago, as a backlog after an outage holds:
// they go through (the record's timestamp is the time of the send, not the commit's, from
// which the client would count its delivery timeout) and the body keeps the commit time.
func TestKafkaOldEvents(t *testing.T) {
	t.Parallel()
	topic := uniqueName("coffer.test")
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	s := newKafkaSink(t, cluster.ListenAddrs(), topic, fastOptions(t))
	var msgs []outbox.Message
	for i := range 3 {
		ev := coffer.Event{Seq: uint64(i + 1), ID: coffer.EventID(uint64(i + 1)), Type: coffer.EventTransferCreated,
			Subject: "t1", Data: []byte(`{}`), CreatedAt: time.Now().Add(-48 * time.Hour)}
		m, err := outbox.NewMessage(ev)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	if n, err := s.Deliver(context.Background(), msgs); n != len(msgs) || err != nil {
		t.Fatalf("Deliver of events two days old = %d, %v", n, err)
	}
	checkReceived(t, msgs, kafkaRead(t, cluster.ListenAddrs(), topic, len(msgs)), true)
}
