package loadtest

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/nats-io/nats.go"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The names the relay's broker sinks publish under unless their URL says otherwise.
const (
	eventsExchange = "coffer.events"
	eventsSubject  = "coffer.events"
	eventsTopic    = "coffer.events"
)

// AMQPFollower receives the events a RabbitMQ sink publishes: a queue of its own, exclusive
// and deleted when it disconnects, bound to the sink's topic exchange with "#".
type AMQPFollower struct {
	URL      string
	Exchange string
}

// Name names the follower.
func (f AMQPFollower) Name() string { return "rabbitmq " + f.Exchange }

// Follow binds its queue, then receives until ctx ends.
func (f AMQPFollower) Follow(ctx context.Context, _ uint64, ready func(), got func([]byte)) error {
	conn, err := amqp.Dial(f.URL)
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	// Declared as the sink declares it, so that either may come first.
	if err := ch.ExchangeDeclare(f.Exchange, amqp.ExchangeTopic, true, false, false, false, nil); err != nil {
		return err
	}
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		return err
	}
	if err := ch.QueueBind(q.Name, "#", f.Exchange, false, nil); err != nil {
		return err
	}
	msgs, err := ch.Consume(q.Name, "", true, true, false, false, nil)
	if err != nil {
		return err
	}
	ready()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-msgs:
			if !ok {
				return fmt.Errorf("the broker closed the follower's channel")
			}
			got(m.Body)
		}
	}
}

// NATSFollower receives the events a NATS sink publishes, by a plain subscription to the
// sink's subjects: it sees each publish as it happens, before JetStream drops a duplicate, so
// a repeat of the relay counts as one.
type NATSFollower struct {
	URL     string
	Subject string
}

// Name names the follower.
func (f NATSFollower) Name() string { return "nats " + f.Subject + ".>" }

// Follow subscribes, then receives until ctx ends.
func (f NATSFollower) Follow(ctx context.Context, _ uint64, ready func(), got func([]byte)) error {
	nc, err := nats.Connect(f.URL, nats.MaxReconnects(-1))
	if err != nil {
		return err
	}
	defer nc.Close()
	ch := make(chan *nats.Msg, 1<<16)
	sub, err := nc.ChanSubscribe(f.Subject+".>", ch)
	if err != nil {
		return err
	}
	defer sub.Unsubscribe()
	if err := nc.Flush(); err != nil { // the subscription is in place at the server
		return err
	}
	ready()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m := <-ch:
			got(m.Data)
		}
	}
}

// KafkaFollower reads the topic a Kafka sink produces to, every partition from the start; the
// run counts only its own events.
type KafkaFollower struct {
	Brokers []string
	Topic   string
}

// Name names the follower.
func (f KafkaFollower) Name() string { return "kafka " + f.Topic }

// Follow consumes until ctx ends.
func (f KafkaFollower) Follow(ctx context.Context, _ uint64, ready func(), got func([]byte)) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(f.Brokers...), kgo.ConsumeTopics(f.Topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.AllowAutoTopicCreation())
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := cl.Ping(ctx); err != nil {
		return err
	}
	ready()
	for ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil
		}
		for _, e := range fs.Errors() {
			return fmt.Errorf("kafka: %v", e.Err)
		}
		fs.EachRecord(func(r *kgo.Record) { got(r.Value) })
	}
	return nil
}

// brokerFollower returns the follower of a sink URL: amqp:// (exchange=), nats:// (subject=)
// or kafka:// (topic=), with the sink's defaults.
func brokerFollower(spec string) (Follower, error) {
	u, err := url.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL", redactURL(spec))
	}
	q := u.Query()
	pick := func(name, def string) string {
		if v := q.Get(name); v != "" {
			return v
		}
		return def
	}
	switch u.Scheme {
	case "amqp", "amqps":
		ex := pick("exchange", eventsExchange)
		q.Del("exchange") // the sink's own parameters; the rest are the client library's
		q.Del("mandatory")
		u.RawQuery = q.Encode()
		return AMQPFollower{URL: u.String(), Exchange: ex}, nil
	case "nats":
		return NATSFollower{URL: u.Scheme + "://" + u.Host, Subject: pick("subject", eventsSubject)}, nil
	case "kafka":
		return KafkaFollower{Brokers: strings.Split(u.Host, ","), Topic: pick("topic", eventsTopic)}, nil
	}
	return nil, fmt.Errorf("%q: give events, or a sink's amqp://, nats:// or kafka:// URL", redactURL(spec))
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	u.User = url.User(u.User.Username())
	return u.String()
}
