package outbox_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/outbox"
)

// The sinks' benchmarks measure the messages per second one sink delivers from a msgBacklog:
// batches of benchBatch, each Deliver waiting for its acknowledgements before the next, as the
// relay sends them. Nothing is tuned; they say what the defaults give. RabbitMQ and NATS are
// the shared servers COFFER_TEST_AMQP and COFFER_TEST_NATS name (skipped without them), Kafka
// is kfake in the same process.

const benchBatch = 500

// msgBacklog hands out batches of messages with ever new seqs and ids, rendered by NewMessage from
// transfer events like the ledger's. The first 100,000 are rendered before the clock starts.
type msgBacklog struct {
	msgs []outbox.Message
	next int
	seq  uint64
}

func newMsgBacklog(b *testing.B) *msgBacklog {
	bl := &msgBacklog{}
	bl.render(b, 100_000)
	return bl
}

func (bl *msgBacklog) render(b *testing.B, n int) {
	created := time.Now().UTC()
	for range n {
		bl.seq++
		id := fmt.Sprintf("pay-%d", bl.seq)
		data := fmt.Sprintf(`{"id":%q,"debit_account_id":"wallet:u%d:USD","credit_account_id":"merchant:shop-%d:USD","asset":"USD","amount":"5.00","type":"payment","state":"posted","posted_amount":"5.00","refunded":"0","created_at":%q}`,
			id, bl.seq%1000, bl.seq%7, created.Format(time.RFC3339Nano))
		m, err := outbox.NewMessage(coffer.Event{Seq: bl.seq, ID: coffer.EventID(bl.seq), Type: coffer.EventTransferCreated,
			Subject: id, Data: []byte(data), CreatedAt: created})
		if err != nil {
			b.Fatal(err)
		}
		bl.msgs = append(bl.msgs, m)
	}
}

// batch returns the next batch; past the rendered msgBacklog it renders more, on the clock.
func (bl *msgBacklog) batch(b *testing.B) []outbox.Message {
	if bl.next+benchBatch > len(bl.msgs) {
		bl.msgs, bl.next = bl.msgs[:0], 0
		bl.render(b, 10*benchBatch)
	}
	m := bl.msgs[bl.next : bl.next+benchBatch]
	bl.next += benchBatch
	return m
}

func benchmarkDeliver(b *testing.B, s outbox.Sink) {
	ctx := context.Background()
	bl := newMsgBacklog(b)
	// One batch first: the connection and the declarations are not what is measured.
	if n, err := s.Deliver(ctx, bl.batch(b)); err != nil || n != benchBatch {
		b.Fatalf("Deliver = %d, %v", n, err)
	}
	delivered := 0
	for b.Loop() {
		n, err := s.Deliver(ctx, bl.batch(b))
		if err != nil || n != benchBatch {
			b.Fatalf("Deliver = %d, %v", n, err)
		}
		delivered += n
	}
	b.ReportMetric(float64(delivered)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkDeliverAMQP(b *testing.B) {
	url := brokerURL(b, envAMQP)
	exchange := uniqueName("coffer.bench")
	amqpQueue(b, url, exchange, false) // a queue to route to, as with a consumer: publishing is mandatory
	benchmarkDeliver(b, newAMQPSink(b, url, exchange, outbox.SinkOptions{Logger: testLogger(b)}))
}

func BenchmarkDeliverNATS(b *testing.B) {
	s, _ := newNATSSink(b, brokerURL(b, envNATS), outbox.SinkOptions{Logger: testLogger(b)})
	benchmarkDeliver(b, s)
}

func BenchmarkDeliverKafka(b *testing.B) {
	topic := uniqueName("coffer.bench")
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(kafkaPartitions, topic))
	if err != nil {
		b.Fatal(err)
	}
	defer cluster.Close()
	benchmarkDeliver(b, newKafkaSink(b, cluster.ListenAddrs(), topic, outbox.SinkOptions{Logger: testLogger(b)}))
}
