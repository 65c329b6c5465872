package inbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/cofferhq/coffer"
)

// Defaults of AMQPConfig.
const (
	// AMQPQueueDefault is the queue commands are taken from.
	AMQPQueueDefault = "coffer.commands"
	// AMQPDeadLetterQueueDefault is the queue poison messages go to.
	AMQPDeadLetterQueueDefault = "coffer.commands.dead"
	// AMQPPrefetchDefault is how many unacknowledged messages the broker hands the consumer at
	// once, and how many commands it runs at once: enough for the ledger to write them in
	// shared batches, few enough that a stop leaves little to deliver again.
	AMQPPrefetchDefault = 16
	// AMQPPrefetchMax caps the prefetch: each message in flight holds a goroutine and up to
	// MessageBytesMax of memory.
	AMQPPrefetchMax = 1000
	// amqpHeartbeat is how often the connection is checked, so that a broker gone without a
	// word is noticed within a few of them.
	amqpHeartbeat = 10 * time.Second
	// amqpDialTimeout bounds connecting to the broker.
	amqpDialTimeout = 10 * time.Second
)

// AMQPConfig configures an AMQPConsumer.
type AMQPConfig struct {
	// URL is the broker, amqp://user:password@host:port/vhost (amqps for TLS). It may carry
	// the query parameters of amqp091-go (heartbeat, connection_timeout, certfile, ...); see
	// ParseAMQPURL for Coffer's own.
	URL string
	// Queue is the durable queue commands are taken from. Default AMQPQueueDefault.
	Queue string
	// DeadLetterQueue is the durable queue poison messages go to. Default
	// AMQPDeadLetterQueueDefault.
	DeadLetterQueue string
	// Prefetch is how many messages are in flight at once. Default AMQPPrefetchDefault.
	Prefetch int
	// Secret, when set, is the shared secret every message must be signed with.
	Secret string
	// SignatureWindow is how far a signature's timestamp may be from the clock. Default
	// SignatureWindowDefault.
	SignatureWindow time.Duration
	// MessageBytesMax caps a message's body. Default MessageBytesMaxDefault.
	MessageBytesMax int
	// Role is what the commands may do. Default RoleDefault (operator); admin allows the
	// admin-only types (create_asset, adjustment).
	Role coffer.Role
	// Logger receives the consumer's warnings and errors. Default slog.Default().
	Logger *slog.Logger
	// Handled, if set, is told what became of each message (see Options.Handled).
	Handled func(outcome string)
}

// String describes the configuration without its password or secret.
func (c AMQPConfig) String() string {
	return fmt.Sprintf("amqp %s queue %s dead-letter %s prefetch %d role %s signed %t",
		redactURL(c.URL), c.Queue, c.DeadLetterQueue, c.Prefetch, c.Role, c.Secret != "")
}

// amqpOwnParams are ParseAMQPURL's query parameters; amqpDriverParams are amqp091-go's, left in
// the URL for it.
var (
	amqpOwnParams    = []string{"queue", "dead_letter_queue", "prefetch"}
	amqpDriverParams = []string{"heartbeat", "connection_timeout", "channel_max", "auth_mechanism",
		"certfile", "keyfile", "cacertfile", "server_name_indication"}
)

// ParseAMQPURL reads a command source such as
// amqp://guest:guest@127.0.0.1:5672/?queue=coffer.commands&dead_letter_queue=coffer.commands.dead&prefetch=16.
// The parameters queue, dead_letter_queue and prefetch set those fields and are taken out of
// the URL; amqp091-go's own are left in it; any other is an error, as is a scheme other than
// amqp or amqps, a URL without a host, or a prefetch that is not 1 to AMQPPrefetchMax. The
// other fields keep their zero values (their defaults).
func ParseAMQPURL(s string) (AMQPConfig, error) {
	u, err := url.Parse(s)
	if err != nil {
		// url's error repeats the URL, password and all.
		return AMQPConfig{}, errors.New("amqp command source: the URL does not parse")
	}
	if u.Scheme != "amqp" && u.Scheme != "amqps" {
		return AMQPConfig{}, fmt.Errorf("amqp command source %s: the scheme must be amqp or amqps", redactURL(s))
	}
	if u.Host == "" {
		return AMQPConfig{}, fmt.Errorf("amqp command source %s: the URL names no host", redactURL(s))
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return AMQPConfig{}, fmt.Errorf("amqp command source %s: the query does not parse: %v", redactURL(s), err)
	}
	cfg := AMQPConfig{Queue: q.Get("queue"), DeadLetterQueue: q.Get("dead_letter_queue")}
	if p := q.Get("prefetch"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > AMQPPrefetchMax {
			return AMQPConfig{}, fmt.Errorf("amqp command source %s: prefetch %q must be a whole number from 1 to %d", redactURL(s), p, AMQPPrefetchMax)
		}
		cfg.Prefetch = n
	}
	for name, vs := range q {
		switch {
		case slices.Contains(amqpOwnParams, name):
			if len(vs) > 1 {
				return AMQPConfig{}, fmt.Errorf("amqp command source %s: %s is given %d times", redactURL(s), name, len(vs))
			}
			q.Del(name)
		case !slices.Contains(amqpDriverParams, name):
			return AMQPConfig{}, fmt.Errorf("amqp command source %s: unknown parameter %q; Coffer's are %v, the driver's %v",
				redactURL(s), name, amqpOwnParams, amqpDriverParams)
		}
	}
	u.RawQuery = q.Encode()
	cfg.URL = u.String()
	if _, err := amqp.ParseURI(cfg.URL); err != nil {
		return AMQPConfig{}, fmt.Errorf("amqp command source %s: %v", redactURL(s), err)
	}
	return cfg, nil
}

// AMQPConsumer takes commands from a RabbitMQ queue, as the package comment says.
type AMQPConsumer struct {
	cfg       AMQPConfig
	h         *handler
	log       *slog.Logger
	retry     backoff // between attempts of a message that failed for a transient reason
	reconnect backoff // between connections
}

// NewAMQPConsumer returns a consumer of the commands cfg names, run by exec. It checks the
// settings and connects to nothing: Run does.
func NewAMQPConsumer(cfg AMQPConfig, exec Executor) (*AMQPConsumer, error) {
	if cfg.URL == "" {
		return nil, errors.New("amqp command source: no URL")
	}
	if _, err := amqp.ParseURI(cfg.URL); err != nil {
		return nil, fmt.Errorf("amqp command source %s: %v", redactURL(cfg.URL), err)
	}
	if cfg.Queue == "" {
		cfg.Queue = AMQPQueueDefault
	}
	if cfg.DeadLetterQueue == "" {
		cfg.DeadLetterQueue = AMQPDeadLetterQueueDefault
	}
	if cfg.Queue == cfg.DeadLetterQueue {
		return nil, fmt.Errorf("amqp command source %s: the queue and the dead-letter queue are both %q", redactURL(cfg.URL), cfg.Queue)
	}
	if cfg.Prefetch == 0 {
		cfg.Prefetch = AMQPPrefetchDefault
	}
	if cfg.Prefetch < 0 || cfg.Prefetch > AMQPPrefetchMax {
		return nil, fmt.Errorf("amqp command source %s: prefetch %d must be from 1 to %d", redactURL(cfg.URL), cfg.Prefetch, AMQPPrefetchMax)
	}
	h, err := newHandler(exec, settings{Secret: cfg.Secret, SignatureWindow: cfg.SignatureWindow,
		MessageBytesMax: cfg.MessageBytesMax, Role: cfg.Role, Handled: cfg.Handled})
	if err != nil {
		return nil, err
	}
	cfg.Role, cfg.SignatureWindow, cfg.MessageBytesMax = h.role, h.window, h.bytesMax
	return &AMQPConsumer{cfg: cfg, h: h, log: logger(cfg.Logger)}, nil
}

// Run consumes commands until ctx ends, then returns nil. It connects, declares the queue and
// the dead-letter queue (durable), and takes up to Prefetch messages at once; when the broker
// goes away or cannot be reached it connects again after a backoff, and the messages it had not
// acknowledged are delivered again by the broker.
func (c *AMQPConsumer) Run(ctx context.Context) error {
	for {
		err := c.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		d := c.reconnect.failed()
		c.log.Warn("amqp commands: no connection; connecting again", "broker", redactURL(c.cfg.URL), "queue", c.cfg.Queue, "err", err, "in", d)
		if !wait(ctx, d) {
			return nil
		}
	}
}

// session is one connection: it consumes until the connection or ctx ends.
func (c *AMQPConsumer) session(ctx context.Context) error {
	conn, err := amqp.DialConfig(c.cfg.URL, amqp.Config{
		Heartbeat: amqpHeartbeat, Locale: "en_US", Dial: amqp.DefaultDial(amqpDialTimeout),
		// The queue in the name tells an operator's connection list which consumer it is.
		Properties: amqp.Table{"connection_name": "coffer commands " + c.cfg.Queue},
	})
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("open a channel: %w", err)
	}
	for _, q := range []string{c.cfg.Queue, c.cfg.DeadLetterQueue} {
		if _, err := ch.QueueDeclare(q, true, false, false, false, nil); err != nil {
			return fmt.Errorf("declare queue %s: %w", q, err)
		}
	}
	if err := ch.Qos(c.cfg.Prefetch, 0, false); err != nil {
		return fmt.Errorf("set the prefetch: %w", err)
	}
	// Replies and dead letters go out on a channel of their own in confirm mode, so that a
	// message is acknowledged only once the broker has taken what it led to.
	pub, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("open a channel: %w", err)
	}
	if err := pub.Confirm(false); err != nil {
		return fmt.Errorf("turn on publisher confirms: %w", err)
	}
	// Replies are mandatory: one whose reply_to queue does not exist comes back, and is logged
	// rather than lost without a word. The command's outcome stands, and the message is
	// acknowledged: the sender's queue is gone, not the answer.
	returns := pub.NotifyReturn(make(chan amqp.Return, c.cfg.Prefetch))
	go func() {
		for r := range returns {
			c.log.Warn("amqp commands: a reply could not be delivered: no queue has its name", "queue", c.cfg.Queue,
				"reply_to", r.RoutingKey, "command_id", r.MessageId, "correlation_id", r.CorrelationId, "reason", r.ReplyText)
		}
	}()
	deliveries, err := ch.ConsumeWithContext(ctx, c.cfg.Queue, "", false, false, false, false, nil)
	if err != nil {
		return fmt.Errorf("consume %s: %w", c.cfg.Queue, err)
	}
	c.reconnect.reset()
	c.log.Info("amqp commands: consuming", "broker", redactURL(c.cfg.URL), "queue", c.cfg.Queue)
	var wg sync.WaitGroup
	for range c.cfg.Prefetch {
		wg.Go(func() {
			for d := range deliveries {
				c.deliver(ctx, pub, d)
			}
		})
	}
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

// deliver handles one message and settles it with the broker.
func (c *AMQPConsumer) deliver(ctx context.Context, pub *amqp.Channel, d amqp.Delivery) {
	out := c.h.handle(ctx, d.Body, func(name string) string { return tableString(d.Headers, name) })
	if out.verdict == transient {
		// Waiting before the nack, not after, keeps the message from coming straight back.
		w := c.retry.failed()
		c.log.Warn("amqp commands: a command failed for now; it will be delivered again", "queue", c.cfg.Queue,
			"command_id", out.id, "status", out.status, "error_code", out.code, "in", w)
		wait(ctx, w)
		c.nack(d)
		return
	}
	c.retry.reset()
	if err := c.reply(ctx, pub, d, out); err != nil {
		c.log.Warn("amqp commands: the reply was not published; the command will be delivered again", "queue", c.cfg.Queue,
			"command_id", out.id, "reply_to", d.ReplyTo, "err", err)
		c.nack(d)
		return
	}
	if out.verdict == poison {
		if err := c.deadLetter(ctx, pub, d, out); err != nil {
			c.log.Warn("amqp commands: the dead letter was not published; the command will be delivered again", "queue", c.cfg.Queue,
				"command_id", out.id, "err", err)
			c.nack(d)
			return
		}
		c.log.Warn("amqp commands: a message was dead-lettered", "queue", c.cfg.Queue, "dead_letter_queue", c.cfg.DeadLetterQueue,
			"command_id", out.id, "status", out.status, "error_code", out.code, "reason", out.reason)
	}
	if err := d.Ack(false); err != nil {
		// The channel is gone: the broker delivers the message again, and its id makes that
		// harmless.
		c.log.Warn("amqp commands: ack failed", "queue", c.cfg.Queue, "command_id", out.id, "err", err)
	}
}

func (c *AMQPConsumer) nack(d amqp.Delivery) {
	if err := d.Nack(false, true); err != nil {
		// The channel is gone, and with it the delivery: the broker delivers it again.
		c.log.Debug("amqp commands: nack failed", "queue", c.cfg.Queue, "err", err)
	}
}

// reply publishes the answer to the message's reply_to queue, with its correlation id (the
// command's id if it has none) and the status in HeaderStatus, and waits for the broker's
// confirm. A message without reply_to gets no reply.
func (c *AMQPConsumer) reply(ctx context.Context, pub *amqp.Channel, d amqp.Delivery, out outcome) error {
	if d.ReplyTo == "" {
		return nil
	}
	corr := d.CorrelationId
	if corr == "" {
		corr = out.id
	}
	headers := amqp.Table{HeaderStatus: int32(out.status)}
	if out.id != "" {
		headers[HeaderCommandID] = out.id
	}
	return confirmed(ctx, pub, d.ReplyTo, amqp.Publishing{
		ContentType: "application/json", DeliveryMode: amqp.Persistent, CorrelationId: corr,
		MessageId: out.id, Timestamp: time.Now(), Headers: headers, Body: out.answer,
	})
}

// deadLetter publishes a poison message to the dead-letter queue as it came, with the reason
// in its headers, and waits for the broker's confirm.
func (c *AMQPConsumer) deadLetter(ctx context.Context, pub *amqp.Channel, d amqp.Delivery, out outcome) error {
	headers := amqp.Table{}
	for k, v := range d.Headers {
		headers[k] = v
	}
	headers[HeaderStatus] = int32(out.status)
	headers[HeaderErrorCode] = out.code
	headers[HeaderReason] = out.reason
	if out.id != "" {
		headers[HeaderCommandID] = out.id
	}
	if out.cut {
		headers[HeaderBodyBytes] = int64(len(d.Body))
	}
	return confirmed(ctx, pub, c.cfg.DeadLetterQueue, amqp.Publishing{
		ContentType: d.ContentType, DeliveryMode: amqp.Persistent, CorrelationId: d.CorrelationId,
		MessageId: d.MessageId, ReplyTo: d.ReplyTo, Timestamp: time.Now(), Headers: headers, Body: out.dead,
	})
}

// confirmed publishes msg to queue through the default exchange, mandatory, and waits for the
// confirm.
func confirmed(ctx context.Context, pub *amqp.Channel, queue string, msg amqp.Publishing) error {
	dc, err := pub.PublishWithDeferredConfirmWithContext(ctx, "", queue, true, false, msg)
	if err != nil {
		return fmt.Errorf("publish to %s: %w", queue, err)
	}
	ok, err := dc.WaitContext(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("wait for the confirm of %s: %w", queue, err)
	case !ok:
		return fmt.Errorf("the broker refused the message to %s", queue)
	}
	return nil
}

// tableString returns a header of an AMQP table as a string: a string, bytes or an integer.
func tableString(t amqp.Table, name string) string {
	switch v := t[name].(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64:
		return fmt.Sprint(v)
	}
	return ""
}

// redactURL returns a URL for logs and errors, its password replaced.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(a URL that does not parse)"
	}
	return u.Redacted()
}
