package outbox

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"
)

// KafkaConfig configures a Kafka sink.
type KafkaConfig struct {
	// Brokers are the seed brokers, host:port each.
	Brokers []string
	// Topic is the topic the sink produces to. The sink does not make it: its partitions,
	// replication and retention are the operator's (a broker that creates topics on first use
	// makes it with its defaults). Default: DefaultTopic.
	Topic   string
	Options SinkOptions
	// ClientOptions are added to the client's options after the sink's own: TLS, SASL, a logger.
	// One that changes acks, idempotence or the default topic breaks what Deliver promises.
	ClientOptions []kgo.Opt
}

// KafkaSink produces events to a Kafka topic with an idempotent producer and acks from all
// in-sync replicas. Each record's key is the event's subject (the account, transfer or asset),
// so that the events of one subject stay in order in one partition; its value is the message
// body, its timestamp the time it was sent, and its headers id, type and seq. Deliver counts a
// record once the brokers acknowledged it and every record before it in the batch.
//
// The client connects at the first Deliver; a Deliver that cannot get its records acknowledged
// within Options.PublishTimeout fails with a *RetryError, and the next Deliver starts a new
// client.
type KafkaSink struct {
	cfg  KafkaConfig
	opts SinkOptions
	name string

	mu      sync.Mutex
	cl      *kgo.Client
	closing chan struct{} // closed once the client dropped after a failure has closed
	back    backoff
	closed  bool
}

// NewKafkaSink checks cfg and returns the sink, unconnected.
func NewKafkaSink(cfg KafkaConfig) (*KafkaSink, error) {
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("kafka: no broker")
	}
	if cfg.Topic == "" {
		cfg.Topic = DefaultTopic
	}
	if !topicName.MatchString(cfg.Topic) {
		return nil, fmt.Errorf("topic %q is not a valid name: 1 to 249 letters, digits, '.', '_' or '-'", cfg.Topic)
	}
	opts := cfg.Options.withDefaults()
	s := &KafkaSink{cfg: cfg, opts: opts, back: backoff{min: opts.RetryMin, max: opts.RetryMax}}
	s.name = "kafka:" + hostsName(cfg.Brokers) + "/" + cfg.Topic
	return s, nil
}

// Name is "kafka:<host>:<port>[,<host>:<port>...]/<topic>", the hosts sorted, as
// kafka:127.0.0.1:9092/coffer.events.
func (s *KafkaSink) Name() string { return s.name }

func (s *KafkaSink) client(ctx context.Context) (*kgo.Client, error) {
	if s.cl != nil {
		return s.cl, nil
	}
	if s.closing != nil {
		// Nothing the old client held may go out after what the new one sends.
		select {
		case <-s.closing:
			s.closing = nil
		case <-ctx.Done():
			return nil, fmt.Errorf("kafka: the previous client is still closing: %w", context.Cause(ctx))
		}
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(s.cfg.Brokers...),
		kgo.ClientID("coffer"),
		kgo.DefaultProduceTopic(s.cfg.Topic),
		kgo.RequiredAcks(kgo.AllISRAcks()), // idempotence, the default, needs it
		kgo.DialTimeout(s.opts.DialTimeout),
		// A record not acknowledged by then fails, with every later one of its partition, so
		// that the order of a partition never has a gap.
		kgo.RecordDeliveryTimeout(s.opts.PublishTimeout),
	}, s.cfg.ClientOptions...)...)
	if err != nil {
		return nil, fmt.Errorf("kafka: %w", err)
	}
	s.cl = cl
	return cl, nil
}

// Deliver produces msgs and waits for their acknowledgements, at most Options.PublishTimeout.
func (s *KafkaSink) Deliver(ctx context.Context, msgs []Message) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, errors.New("kafka sink is closed")
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	limited, cancel := context.WithTimeout(ctx, s.opts.PublishTimeout)
	defer cancel()
	cl, err := s.client(limited)
	if err != nil {
		return 0, s.back.retry(err)
	}
	// The records go out together, as ProduceSync sends them, but each reports on its own so
	// that the wait ends at the timeout even while a request is still in flight; the records of
	// a Deliver that gave up end by RecordDeliveryTimeout.
	results := make([]error, len(msgs))
	done := make([]bool, len(msgs))
	reported := make(chan int, len(msgs))
	for i, m := range msgs {
		r := &kgo.Record{
			Key:   []byte(m.Subject),
			Value: m.Body,
			// No Timestamp: the client stamps the time of the send. The commit time is the
			// body's created_at; as the record's timestamp it would time out every record of a
			// backlog older than RecordDeliveryTimeout before it was sent (the client measures
			// the timeout from it), and let the topic's retention drop old events on arrival.
			Headers: []kgo.RecordHeader{
				{Key: "id", Value: []byte(m.ID)},
				{Key: "type", Value: []byte(m.Type)},
				{Key: "seq", Value: []byte(strconv.FormatUint(m.Seq, 10))},
			},
		}
		cl.Produce(limited, r, func(_ *kgo.Record, err error) {
			results[i] = err // read only after i arrives on reported
			reported <- i
		})
	}
	var waitErr error
wait:
	for range msgs {
		select {
		case i := <-reported:
			done[i] = true
		case <-limited.Done():
			waitErr = context.Cause(limited)
			break wait
		}
	}
	n := 0
	for n < len(msgs) && done[n] && results[n] == nil {
		n++
	}
	if n == len(msgs) {
		s.back.reset()
		return n, nil
	}
	err = waitErr
	if n < len(msgs) && done[n] {
		err = results[n]
	}
	err = fmt.Errorf("kafka: %s not acknowledged: %w", msgs[n].ID, err)
	// The client is dropped and the next Deliver makes a new one, with a new producer id: a
	// client whose records failed can still hold some of them in flight, and would send them
	// once the broker is back, after the copies the relay sends again. Closing it fails
	// whatever it still holds. That can take a while with the broker away: it closes in the
	// background, and the next client waits for it.
	old, closing := s.cl, make(chan struct{})
	go func() { old.Close(); close(closing) }()
	s.cl, s.closing = nil, closing
	if ctx.Err() != nil {
		return n, err
	}
	if waitErr != nil {
		err = fmt.Errorf("%w (gave up after the publish timeout of %s)", err, s.opts.PublishTimeout)
	}
	return n, s.back.retry(err)
}

// Close flushes nothing (what was not acknowledged is sent again from the cursor) and closes
// the client; Deliver fails after it.
func (s *KafkaSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.cl != nil {
		s.cl.Close()
		s.cl = nil
	}
	if s.closing != nil {
		<-s.closing
	}
	return nil
}
