package paymentqueue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/cofferhq/coffer/outbox"
)

// Broker limits.
const (
	// DeadLetterQueueDefault takes the request messages that can never be answered: no
	// queue_id to name in a notice, or a queue_id already taken by another request.
	DeadLetterQueueDefault = "pay.dead.queue"
	// retryMin and retryMax bound the wait before a request that failed for now (the database
	// unavailable) is delivered again, and between connections.
	retryMin = 100 * time.Millisecond
	retryMax = 5 * time.Second
	// publishTimeout bounds a publish and its confirm.
	publishTimeout = 15 * time.Second
	heartbeat      = 10 * time.Second
	dialTimeout    = 10 * time.Second
)

// Broker is where the contract's queues are.
type Broker struct {
	// URL is the broker, amqp://user:password@host:port/vhost.
	URL string
	// Exchange is the exchange every queue is bound to. Default ExchangeDefault.
	Exchange string
	// ExchangeKind is its type. Default ExchangeKindDefault.
	ExchangeKind string
	// Routes are the queues and routing keys. Default DefaultRoutes().
	Routes Routes
	// DeadLetterQueue takes the requests that cannot be answered. Default
	// DeadLetterQueueDefault.
	DeadLetterQueue string
	// Prefetch is how many requests of each queue are handled at once. Default
	// PrefetchDefault.
	Prefetch int
}

func (b Broker) withDefaults() Broker {
	if b.Exchange == "" {
		b.Exchange = ExchangeDefault
	}
	if b.ExchangeKind == "" {
		b.ExchangeKind = ExchangeKindDefault
	}
	if b.Routes == (Routes{}) {
		b.Routes = DefaultRoutes()
	}
	if b.DeadLetterQueue == "" {
		b.DeadLetterQueue = DeadLetterQueueDefault
	}
	if b.Prefetch <= 0 {
		b.Prefetch = PrefetchDefault
	}
	return b
}

// Name is the broker without its credentials: its host and exchange.
func (b Broker) Name() string {
	u, err := url.Parse(b.URL)
	if err != nil {
		return "paymentqueue"
	}
	return "paymentqueue:" + u.Host + "/" + b.withDefaults().Exchange
}

// dial connects and declares the exchange, the six queues bound to it by their routing keys,
// and the dead-letter queue, all durable, so that neither side must exist first.
func (b Broker) dial(purpose string) (*amqp.Connection, *amqp.Channel, error) {
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName("coffer payment queue " + purpose)
	conn, err := amqp.DialConfig(b.URL, amqp.Config{Heartbeat: heartbeat, Locale: "en_US", Dial: amqp.DefaultDial(dialTimeout),
		Properties: props})
	if err != nil {
		return nil, nil, fmt.Errorf("connect to %s: %w", redact(b.URL), err)
	}
	ch, err := conn.Channel()
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("open a channel: %w", err)
	}
	if err := ch.ExchangeDeclare(b.Exchange, b.ExchangeKind, true, false, false, false, nil); err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("declare exchange %s: %w", b.Exchange, err)
	}
	r := b.Routes
	for _, q := range []Route{r.Topup, r.Withdraw, r.Pay, r.TopupReturn, r.WithdrawReturn, r.PayReturn, {Queue: b.DeadLetterQueue}} {
		if _, err := ch.QueueDeclare(q.Queue, true, false, false, false, nil); err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("declare queue %s: %w", q.Queue, err)
		}
		if q.RoutingKey == "" {
			continue
		}
		if err := ch.QueueBind(q.Queue, q.RoutingKey, b.Exchange, false, nil); err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("bind queue %s: %w", q.Queue, err)
		}
	}
	return conn, ch, nil
}

// Consumer takes the contract's requests from its three request queues.
type Consumer struct {
	svc    *Service
	broker Broker
	log    *slog.Logger
	// Handled, if set, is told each request's kind and what became of it ("done", "dead",
	// "retry"): a hook for metrics and tests. It must return at once.
	Handled func(kind, result string)
}

// NewConsumer returns a consumer of the broker's request queues, judged by svc.
func NewConsumer(svc *Service, b Broker) (*Consumer, error) {
	if _, err := amqp.ParseURI(b.URL); err != nil {
		return nil, fmt.Errorf("payment queue %s: %v", redact(b.URL), err)
	}
	return &Consumer{svc: svc, broker: b.withDefaults(), log: svc.cfg.Logger}, nil
}

// Run consumes until ctx ends, then returns nil, connecting again after a backoff whenever the
// broker goes away; the messages not acknowledged are delivered again.
func (c *Consumer) Run(ctx context.Context) error {
	wait := retryMin
	for {
		err := c.session(ctx, func() { wait = retryMin })
		if ctx.Err() != nil {
			return nil
		}
		c.log.Warn("payment queue: no connection; connecting again", "broker", redact(c.broker.URL), "err", err, "in", wait)
		if !sleep(ctx, wait) {
			return nil
		}
		wait = min(2*wait, retryMax)
	}
}

func (c *Consumer) session(ctx context.Context, connected func()) error {
	conn, ch, err := c.broker.dial("requests")
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := ch.Qos(3*c.broker.Prefetch, 0, false); err != nil {
		return fmt.Errorf("set the prefetch: %w", err)
	}
	// Notices and dead letters go out on a channel of their own in confirm mode: a request is
	// acknowledged only once the broker has taken what it led to.
	pub, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("open a channel: %w", err)
	}
	if err := pub.Confirm(false); err != nil {
		return fmt.Errorf("turn on publisher confirms: %w", err)
	}
	var wg sync.WaitGroup
	for _, kind := range []string{KindTopup, KindWithdraw, KindPay} {
		q := c.broker.Routes.request(kind).Queue
		deliveries, err := ch.ConsumeWithContext(ctx, q, "", false, false, false, false, nil)
		if err != nil {
			return fmt.Errorf("consume %s: %w", q, err)
		}
		for range c.broker.Prefetch {
			wg.Go(func() {
				for d := range deliveries {
					c.deliver(ctx, pub, kind, d)
				}
			})
		}
	}
	connected()
	c.log.Info("payment queue: consuming", "broker", redact(c.broker.URL), "exchange", c.broker.Exchange)
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	wg.Wait()
	select {
	case err := <-closed:
		if err != nil {
			return err
		}
	default:
	}
	return errors.New("the broker ended the deliveries")
}

// deliver handles one request and settles it with the broker.
func (c *Consumer) deliver(ctx context.Context, pub *amqp.Channel, kind string, d amqp.Delivery) {
	out := c.svc.Handle(ctx, kind, d.Body)
	result := "done"
	var err error
	switch out.verdict {
	case transient:
		result = "retry"
		c.log.Warn("payment queue: a request failed for now; it will be delivered again", "kind", kind, "err", out.reason)
		sleep(ctx, retryMin)
	case dead:
		result = "dead"
		c.log.Warn("payment queue: a request was dead-lettered", "kind", kind, "reason", out.reason)
		err = publish(ctx, pub, "", c.broker.DeadLetterQueue, amqp.Publishing{ContentType: d.ContentType,
			DeliveryMode: amqp.Persistent, MessageId: d.MessageId, Timestamp: time.Now(),
			Headers: amqp.Table{"Coffer-Reason": out.reason, "Coffer-Queue": c.broker.Routes.request(kind).Queue}, Body: d.Body})
	default:
		for _, n := range out.notices {
			if err = publishNotice(ctx, pub, c.broker, n); err != nil {
				break
			}
		}
	}
	if out.verdict == transient || err != nil {
		if err != nil {
			result = "retry"
			c.log.Warn("payment queue: a notice was not published; the request will be delivered again", "kind", kind, "err", err)
		}
		_ = d.Nack(false, true) // a closed channel redelivers it all the same
	} else if err := d.Ack(false); err != nil {
		c.log.Warn("payment queue: ack failed; the request will be delivered again, and answered alike", "kind", kind, "err", err)
	}
	if c.Handled != nil {
		c.Handled(kind, result)
	}
}

// publishNotice publishes n to its return queue's routing key and waits for the confirm.
func publishNotice(ctx context.Context, pub *amqp.Channel, b Broker, n notice) error {
	return publish(ctx, pub, b.Exchange, b.Routes.returnOf(n.kind).RoutingKey, amqp.Publishing{ContentType: "application/json",
		DeliveryMode: amqp.Persistent, MessageId: n.id, Timestamp: time.Now(), Body: n.body})
}

func publish(ctx context.Context, pub *amqp.Channel, exchange, key string, msg amqp.Publishing) error {
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	dc, err := pub.PublishWithDeferredConfirmWithContext(ctx, exchange, key, false, false, msg)
	if err != nil {
		return fmt.Errorf("publish to %s: %w", key, err)
	}
	ok, err := dc.WaitContext(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("wait for the confirm of %s: %w", key, err)
	case !ok:
		return fmt.Errorf("the broker refused the message to %s", key)
	}
	return nil
}

// Notifier is the event relay's sink of the contract: it publishes the notices the deposit
// and payout events lead to on the return queues, and the relay moves its cursor past an event
// only once the broker confirmed them.
type Notifier struct {
	svc    *Service
	broker Broker
	mu     sync.Mutex
	conn   *amqp.Connection
	ch     *amqp.Channel
}

var _ outbox.Sink = (*Notifier)(nil)

// NewNotifier returns the sink; it connects at its first Deliver.
func NewNotifier(svc *Service, b Broker) (*Notifier, error) {
	if _, err := amqp.ParseURI(b.URL); err != nil {
		return nil, fmt.Errorf("payment queue %s: %v", redact(b.URL), err)
	}
	return &Notifier{svc: svc, broker: b.withDefaults()}, nil
}

// Name is the sink's cursor: the broker's host and exchange.
func (n *Notifier) Name() string { return n.broker.Name() }

// Deliver publishes the notices of msgs in order and returns how many events from the front
// are done.
func (n *Notifier) Deliver(ctx context.Context, msgs []outbox.Message) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for i, m := range msgs {
		ns, err := n.svc.notices(ctx, m)
		if err != nil {
			return i, err
		}
		for _, x := range ns {
			if err := n.connect(); err != nil {
				return i, err
			}
			if err := publishNotice(ctx, n.ch, n.broker, x); err != nil {
				n.drop()
				return i, err
			}
		}
	}
	return len(msgs), nil
}

func (n *Notifier) connect() error {
	if n.conn != nil && !n.conn.IsClosed() && !n.ch.IsClosed() {
		return nil
	}
	n.drop()
	conn, _, err := n.broker.dial("notices")
	if err != nil {
		return err
	}
	ch, err := conn.Channel()
	if err == nil {
		err = ch.Confirm(false)
	}
	if err != nil {
		conn.Close()
		return fmt.Errorf("open a confirmed channel: %w", err)
	}
	n.conn, n.ch = conn, ch
	return nil
}

func (n *Notifier) drop() {
	if n.conn != nil {
		n.conn.Close()
	}
	n.conn, n.ch = nil, nil
}

// Close closes the connection.
func (n *Notifier) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.drop()
	return nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// redact returns a URL for logs, its password masked.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(a URL that does not parse)"
	}
	return u.Redacted()
}
