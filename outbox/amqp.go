package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// AMQPConfig configures a RabbitMQ sink.
type AMQPConfig struct {
	// URL is the broker's amqp:// or amqps:// URL, with the vhost as its path and amqp091's
	// query parameters (heartbeat, connection_timeout, TLS files), if any.
	URL string
	// Exchange is the durable topic exchange the sink declares and publishes to; each event is
	// published with its type as routing key (transfer.posted), so a queue bound with
	// "transfer.*" gets the transfers' events. Default: DefaultExchange.
	Exchange string
	// Mandatory publishes every message mandatory: a message no queue is bound for comes back
	// (basic.return) and stops the delivery there with an error, so that no event is dropped
	// unseen. Every event type must then be routed somewhere (a queue bound with "#", or an
	// alternate-exchange policy on the exchange). Without it RabbitMQ drops what no queue takes.
	Mandatory bool
	Options   SinkOptions
}

// AMQPSink publishes events to a RabbitMQ topic exchange with publisher confirms. Each message is
// persistent, its MessageId the event id (consumers drop duplicates by it), its Type the event
// type, its Timestamp the commit time, content type application/json, and header "seq" the
// event's seq. Deliver counts a message only once the broker confirmed it and every message
// before it; a nack, a returned message or a lost connection stops the count there.
//
// It connects at the first Deliver and again at the Deliver after a connection was lost; while
// the broker cannot be reached Deliver fails within the dial timeout with a *RetryError whose
// At backs off.
type AMQPSink struct {
	cfg     AMQPConfig
	opts    SinkOptions
	name    string
	secrets []string
	log     *slog.Logger

	mu      sync.Mutex // held by Deliver and Close
	conn    *amqp.Connection
	ch      *amqp.Channel
	returns chan amqp.Return
	back    backoff
	closed  bool

	rawMu sync.Mutex
	raw   net.Conn // the connection's socket, closed to end a Deliver that passed its timeout
}

// amqpReturnsBuffer is the capacity of the channel basic.return frames arrive on: the client
// waits at most 5 seconds to hand one over, so it must hold a whole batch's.
const amqpReturnsBuffer = 1024

// amqpHeartbeat is the heartbeat asked of the broker unless the URL sets one: a connection that
// goes silent is noticed within about twice this.
const amqpHeartbeat = 10 * time.Second

// NewAMQPSink checks cfg and returns the sink, unconnected.
func NewAMQPSink(cfg AMQPConfig) (*AMQPSink, error) {
	if cfg.Exchange == "" {
		cfg.Exchange = DefaultExchange
	}
	if !exchangeName.MatchString(cfg.Exchange) {
		return nil, fmt.Errorf("exchange %q is not a valid name: 1 to 255 letters, digits, '-', '_', '.' or ':'", cfg.Exchange)
	}
	uri, err := amqp.ParseURI(cfg.URL)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, err
	}
	opts := cfg.Options.withDefaults()
	s := &AMQPSink{cfg: cfg, opts: opts, secrets: secretsOf(u),
		back: backoff{min: opts.RetryMin, max: opts.RetryMax}}
	// The name keeps to what identifies the exchange: amqp and amqps to one broker are one sink.
	s.name = "amqp:" + net.JoinHostPort(uri.Host, strconv.Itoa(uri.Port)) + "/" + url.PathEscape(uri.Vhost) + "/" + cfg.Exchange
	s.log = opts.Logger.With("sink", s.name)
	return s, nil
}

// Name is "amqp:<host>:<port>/<vhost, %-escaped>/<exchange>", as amqp:127.0.0.1:5672/%2F/coffer.events.
func (s *AMQPSink) Name() string { return s.name }

// Deliver publishes msgs and waits for their confirms, at most Options.PublishTimeout in all.
func (s *AMQPSink) Deliver(ctx context.Context, msgs []Message) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, errors.New("amqp sink is closed")
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	limited, cancel := context.WithTimeout(ctx, s.opts.PublishTimeout)
	defer cancel()
	// The client's calls take no context and a stalled broker can block them: once the time is
	// up the socket is closed under them, which ends every one of them with an error.
	stop := context.AfterFunc(limited, s.abort)
	n, err := s.deliver(limited, msgs)
	aborted := !stop()
	if err == nil && !aborted {
		s.back.reset()
		return n, nil
	}
	if err == nil { // every confirm came, just as the time ran out
		s.dropConnection(nil)
		s.back.reset()
		return n, nil
	}
	if aborted && ctx.Err() == nil {
		err = fmt.Errorf("%w (gave up after the publish timeout of %s)", err, s.opts.PublishTimeout)
	}
	err = redactError(err, s.secrets)
	switch {
	case ctx.Err() != nil: // the caller gave up: no backoff of ours
		s.dropConnection(nil)
		return n, err
	case !aborted && s.conn != nil && !s.conn.IsClosed():
		// The broker answered (a nack, a return, a refused declare): the connection is sound,
		// but the channel is dropped so that no confirm or return of this batch is taken for
		// one of the next.
		s.dropChannel()
		return n, err
	default:
		s.dropConnection(err)
		return n, s.back.retry(err)
	}
}

func (s *AMQPSink) deliver(ctx context.Context, msgs []Message) (int, error) {
	if err := s.connect(ctx); err != nil {
		return 0, err
	}
	confirms := make([]*amqp.DeferredConfirmation, 0, len(msgs))
	for _, m := range msgs {
		dc, err := s.ch.PublishWithDeferredConfirmWithContext(ctx, s.cfg.Exchange, m.Type, s.cfg.Mandatory, false, amqp.Publishing{
			ContentType:  "application/json",
			DeliveryMode: amqp.Persistent,
			MessageId:    m.ID,
			Type:         m.Type,
			Timestamp:    m.Time,
			Headers:      amqp.Table{"seq": int64(m.Seq), "subject": m.Subject},
			Body:         m.Body,
		})
		if err != nil {
			// What was published before it may still be confirmed.
			return s.await(ctx, msgs, confirms, fmt.Errorf("amqp: publish %s: %w", m.ID, err))
		}
		confirms = append(confirms, dc)
	}
	return s.await(ctx, msgs, confirms, nil)
}

// await waits for the confirms in order and returns how many messages from the front were
// confirmed and not returned; stopErr is the error that ended publishing early, if any.
func (s *AMQPSink) await(ctx context.Context, msgs []Message, confirms []*amqp.DeferredConfirmation, stopErr error) (int, error) {
	returns := s.returns // closed with the channel
	returned := map[string]amqp.Return{}
	take := func(r amqp.Return, ok bool) {
		if ok {
			returned[r.MessageId] = r
		} else {
			returns = nil
		}
	}
	for i, dc := range confirms {
	wait:
		for {
			select {
			case <-dc.Done(): // also when the channel or connection closes: then not acked
				break wait
			case r, ok := <-returns:
				take(r, ok)
			case <-ctx.Done():
				return i, fmt.Errorf("amqp: waiting for the confirm of %s: %w", msgs[i].ID, context.Cause(ctx))
			}
		}
		// RabbitMQ sends a message's basic.return before its basic.ack, and the client hands
		// the return over before it reads the ack: if there is one, it is waiting now.
		for drained := false; !drained && returns != nil; {
			select {
			case r, ok := <-returns:
				take(r, ok)
			default:
				drained = true
			}
		}
		if r, ok := returned[msgs[i].ID]; ok {
			return i, fmt.Errorf("amqp: %s was returned by exchange %q for routing key %q: %d %s (bind a queue for every event type, or set mandatory=false)",
				msgs[i].ID, r.Exchange, r.RoutingKey, r.ReplyCode, r.ReplyText)
		}
		if !dc.Acked() {
			if s.ch.IsClosed() || s.conn.IsClosed() {
				return i, fmt.Errorf("amqp: connection lost before %s was confirmed", msgs[i].ID)
			}
			return i, fmt.Errorf("amqp: the broker refused %s (basic.nack)", msgs[i].ID)
		}
	}
	return len(confirms), stopErr
}

// connect opens the connection and the channel if they are not open, puts the channel in
// confirm mode and declares the exchange.
func (s *AMQPSink) connect(ctx context.Context) error {
	if s.conn != nil && s.conn.IsClosed() {
		s.dropConnection(nil)
	}
	if s.conn == nil {
		uri, _ := amqp.ParseURI(s.cfg.URL)
		dialTimeout := s.opts.DialTimeout
		if uri.ConnectionTimeout > 0 {
			dialTimeout = time.Duration(uri.ConnectionTimeout) * time.Millisecond
		}
		props := amqp.NewConnectionProperties()
		props.SetClientConnectionName("coffer " + s.name)
		conn, err := amqp.DialConfig(s.cfg.URL, amqp.Config{
			Heartbeat:  amqpHeartbeat, // the URL's heartbeat, if any, overrides it
			Locale:     "en_US",
			Properties: props,
			Dial: func(network, addr string) (net.Conn, error) {
				c, err := amqp.DefaultDial(dialTimeout)(network, addr)
				if err == nil {
					s.rawMu.Lock()
					s.raw = c
					s.rawMu.Unlock()
					if ctx.Err() != nil { // the timeout passed while dialling
						c.Close()
					}
				}
				return c, err
			},
		})
		if err != nil {
			s.dropConnection(nil)
			return fmt.Errorf("amqp: connect: %w", err)
		}
		s.conn = conn
		s.log.Info("amqp sink connected", "exchange", s.cfg.Exchange)
	}
	if s.ch == nil {
		ch, err := s.conn.Channel()
		if err != nil {
			return fmt.Errorf("amqp: open a channel: %w", err)
		}
		if err := ch.Confirm(false); err != nil {
			ch.Close()
			return fmt.Errorf("amqp: confirm mode: %w", err)
		}
		if err := ch.ExchangeDeclare(s.cfg.Exchange, amqp.ExchangeTopic, true, false, false, false, nil); err != nil {
			// A failed declare closes the channel (a 406 if the exchange exists with another
			// type or durability).
			return fmt.Errorf("amqp: declare exchange %q: %w", s.cfg.Exchange, err)
		}
		s.returns = ch.NotifyReturn(make(chan amqp.Return, amqpReturnsBuffer))
		s.ch = ch
	}
	return nil
}

// abort closes the socket under whatever call is blocked on it.
func (s *AMQPSink) abort() {
	s.rawMu.Lock()
	defer s.rawMu.Unlock()
	if s.raw != nil {
		s.raw.Close()
	}
}

func (s *AMQPSink) dropChannel() {
	if s.ch != nil {
		s.ch.Close()
	}
	s.ch, s.returns = nil, nil
}

// dropConnection forgets the connection; the next Deliver dials again.
func (s *AMQPSink) dropConnection(cause error) {
	if s.conn != nil && cause != nil {
		s.log.Warn("amqp sink disconnected", "err", cause)
	}
	s.ch, s.returns = nil, nil
	if s.conn != nil {
		// Closing sends connection.close and waits for close-ok: not on a dead socket.
		s.conn.CloseDeadline(time.Now().Add(time.Second))
		s.conn = nil
	}
	s.abort()
	s.rawMu.Lock()
	s.raw = nil
	s.rawMu.Unlock()
}

// Close closes the connection; Deliver fails after it.
func (s *AMQPSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	var err error
	if s.conn != nil && !s.conn.IsClosed() {
		err = s.conn.CloseDeadline(time.Now().Add(s.opts.DialTimeout))
	}
	s.conn, s.ch = nil, nil
	s.abort()
	return redactError(err, s.secrets)
}
