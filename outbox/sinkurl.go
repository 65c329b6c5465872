package outbox

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
)

// The limits every broker sink keeps unless SinkOptions says otherwise. No call into a broker
// client waits longer than these: a broker that is down or stalled makes Deliver fail, it never
// blocks it.
const (
	// DefaultDialTimeout bounds connecting to a broker: the TCP connect and the handshake.
	DefaultDialTimeout = 5 * time.Second
	// DefaultPublishTimeout bounds one Deliver: connecting if need be, declaring the exchange or
	// stream, publishing the batch and waiting for the broker's acknowledgements of it.
	DefaultPublishTimeout = 15 * time.Second
	// DefaultRetryMin is the wait a sink asks for (RetryError.At) after its first failure to
	// reach the broker; each further failure in a row doubles it, up to DefaultRetryMax.
	DefaultRetryMin = 500 * time.Millisecond
	DefaultRetryMax = 30 * time.Second
)

// SinkOptions are the settings of the broker sinks that a sink URL does not carry. The zero
// value takes the defaults above and slog.Default().
type SinkOptions struct {
	Logger         *slog.Logger
	DialTimeout    time.Duration
	PublishTimeout time.Duration
	RetryMin       time.Duration
	RetryMax       time.Duration
}

func (o SinkOptions) withDefaults() SinkOptions {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	if o.PublishTimeout <= 0 {
		o.PublishTimeout = DefaultPublishTimeout
	}
	if o.RetryMin <= 0 {
		o.RetryMin = DefaultRetryMin
	}
	if o.RetryMax <= 0 {
		o.RetryMax = DefaultRetryMax
	}
	if o.RetryMax < o.RetryMin {
		o.RetryMax = o.RetryMin
	}
	return o
}

// The defaults of the names a sink publishes under.
const (
	DefaultExchange = "coffer.events" // RabbitMQ: the topic exchange
	DefaultStream   = "COFFER_EVENTS" // NATS: the JetStream stream
	DefaultSubject  = "coffer.events" // NATS: the subject prefix, coffer.events.<type>
	DefaultTopic    = "coffer.events" // Kafka: the topic
)

// The default ports of the sink URLs that name none.
const (
	amqpPort  = "5672"
	amqpsPort = "5671"
	natsPort  = "4222"
	kafkaPort = "9092"
)

// sinkSetting is the setting a sink URL comes from: the Param of ParseSink's errors.
const sinkSetting = "sink"

// ParseSink makes the sink a URL names. It connects to nothing: each sink connects at its
// first Deliver, so that Coffer starts while a broker is down.
//
//	amqp://user:pass@host:5672/vhost?exchange=coffer.events    RabbitMQ (amqps:// for TLS)
//	nats://user:pass@host:4222?stream=COFFER_EVENTS            NATS JetStream
//	kafka://host1:9092,host2:9092?topic=coffer.events          Kafka
//
// RabbitMQ's URL also takes mandatory (true by default: an event no queue is bound for fails
// the delivery, see AMQPConfig.Mandatory) and the client's own heartbeat, connection_timeout,
// channel_max, auth_mechanism, certfile, keyfile, cacertfile and server_name_indication. NATS's
// takes subject (the prefix of the subjects, coffer.events) and duplicate_window (a duration,
// 10m by default); a NATS URL with a user and no password gives a token. NATS and Kafka take
// several hosts separated by commas.
//
// A URL that does not parse, an unknown scheme, a missing host or an unknown or repeated query
// parameter is an *coffer.Error with EINVALID and Param "sink". No error and no Name shows the
// user name, password or token.
func ParseSink(raw string, opts SinkOptions) (Sink, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		var ee url.EscapeError
		msg := "it is not a URL"
		switch {
		case errors.As(err, &ee):
			msg = "it has an invalid %-escape"
		case errors.As(err, &ue):
			msg = ue.Err.Error()
		}
		if !strings.Contains(raw, "://") {
			msg += "; write it as scheme://host:port, the scheme amqp, amqps, nats or kafka"
		}
		return nil, &coffer.Error{Code: coffer.EINVALID, Message: "the sink URL could not be parsed: " + msg, Param: sinkSetting}
	}
	if raw == "" {
		return nil, &coffer.Error{Code: coffer.EINVALID, Message: "the sink URL is empty", Param: sinkSetting}
	}
	shown := displayURL(u)
	bad := func(format string, args ...any) error {
		return &coffer.Error{Code: coffer.EINVALID, Message: fmt.Sprintf("sink %s: ", shown) + fmt.Sprintf(format, args...), Param: sinkSetting}
	}
	switch u.Scheme {
	case "amqp", "amqps", "nats", "kafka":
	case "":
		return nil, bad("the URL has no scheme; use amqp://, amqps://, nats:// or kafka://")
	default:
		return nil, bad("unknown sink scheme %q; use amqp://, amqps://, nats:// or kafka://", u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" {
		return nil, bad("the URL names no host; write it as %s://host:port", u.Scheme)
	}
	if u.Fragment != "" {
		return nil, bad("a sink URL takes no #fragment")
	}
	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, bad("the query could not be parsed")
	}
	for k, v := range query {
		if len(v) > 1 {
			return nil, bad("the query parameter %q is given %d times", k, len(v))
		}
		if v[0] == "" {
			return nil, bad("the query parameter %q is empty", k)
		}
	}
	known := func(names ...string) error {
		for k := range query {
			if !slices.Contains(names, k) {
				return bad("unknown query parameter %q; a %s sink takes %s", k, u.Scheme, strings.Join(names, ", "))
			}
		}
		return nil
	}
	opts = opts.withDefaults()
	switch u.Scheme {
	case "amqp", "amqps":
		if err := known(amqpParams...); err != nil {
			return nil, err
		}
		cfg := AMQPConfig{Exchange: DefaultExchange, Mandatory: true, Options: opts}
		if query.Has("exchange") {
			cfg.Exchange = query.Get("exchange")
			query.Del("exchange")
		}
		if query.Has("mandatory") {
			b, err := strconv.ParseBool(query.Get("mandatory"))
			if err != nil {
				return nil, bad("mandatory must be true or false, not %q", query.Get("mandatory"))
			}
			cfg.Mandatory = b
			query.Del("mandatory")
		}
		clean := *u
		clean.RawQuery = query.Encode()
		cfg.URL = clean.String()
		s, err := NewAMQPSink(cfg)
		if err != nil {
			return nil, bad("%s", redactError(err, secretsOf(u)))
		}
		return s, nil
	case "nats":
		if err := known("stream", "subject", "duplicate_window"); err != nil {
			return nil, err
		}
		hosts, err := splitHosts(u.Host, natsPort)
		if err != nil {
			return nil, bad("%v", err)
		}
		if u.Path != "" && u.Path != "/" {
			return nil, bad("a NATS URL takes no path (%q); name the stream with ?stream=", u.Path)
		}
		cfg := NATSConfig{Servers: hosts, Stream: DefaultStream, Subject: DefaultSubject, Options: opts}
		if query.Has("stream") {
			cfg.Stream = query.Get("stream")
		}
		if query.Has("subject") {
			cfg.Subject = query.Get("subject")
		}
		if query.Has("duplicate_window") {
			d, err := time.ParseDuration(query.Get("duplicate_window"))
			if err != nil || d <= 0 {
				return nil, bad("duplicate_window must be a positive duration such as 10m, not %q", query.Get("duplicate_window"))
			}
			cfg.DuplicateWindow = d
		}
		if u.User != nil {
			if pass, ok := u.User.Password(); ok {
				cfg.User, cfg.Password = u.User.Username(), pass
			} else {
				cfg.Token = u.User.Username()
			}
		}
		s, err := NewNATSSink(cfg)
		if err != nil {
			return nil, bad("%s", redactError(err, secretsOf(u)))
		}
		return s, nil
	case "kafka":
		if err := known("topic"); err != nil {
			return nil, err
		}
		if u.User != nil {
			return nil, bad("Kafka credentials (SASL) are not supported yet; remove the user from the URL")
		}
		if u.Path != "" && u.Path != "/" {
			return nil, bad("a Kafka URL takes no path (%q); name the topic with ?topic=", u.Path)
		}
		hosts, err := splitHosts(u.Host, kafkaPort)
		if err != nil {
			return nil, bad("%v", err)
		}
		cfg := KafkaConfig{Brokers: hosts, Topic: DefaultTopic, Options: opts}
		if query.Has("topic") {
			cfg.Topic = query.Get("topic")
		}
		s, err := NewKafkaSink(cfg)
		if err != nil {
			return nil, bad("%v", err)
		}
		return s, nil
	}
	panic("unreachable: the scheme was checked")
}

// amqpParams are the query parameters of an AMQP sink URL: the sink's own and amqp091's.
var amqpParams = []string{"exchange", "mandatory", "heartbeat", "connection_timeout", "channel_max",
	"auth_mechanism", "certfile", "keyfile", "cacertfile", "server_name_indication"}

// displayURL is u without its user information: what errors and logs may show.
func displayURL(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// secretsOf returns the user name and password of u, the strings no error may show.
func secretsOf(u *url.URL) []string {
	if u.User == nil {
		return nil
	}
	s := []string{u.User.Username()}
	if p, ok := u.User.Password(); ok {
		s = append(s, p)
	}
	return s
}

// redact replaces every secret in s, and its %-escaped form, with "xxxxx". Secrets of fewer
// than three characters are left: replacing them would garble the message more than hide.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) < 3 {
			continue
		}
		s = strings.ReplaceAll(s, sec, "xxxxx")
		if esc := url.QueryEscape(sec); esc != sec {
			s = strings.ReplaceAll(s, esc, "xxxxx")
		}
		if esc := url.PathEscape(sec); esc != sec {
			s = strings.ReplaceAll(s, esc, "xxxxx")
		}
	}
	return s
}

// redactedError is an error whose text has had the sink's secrets taken out; Unwrap still
// reaches the client library's error for errors.Is.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redactError(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	return &redactedError{msg: redact(err.Error(), secrets), err: err}
}

// splitHosts splits a comma-separated list of host[:port], giving each the default port when
// it names none.
func splitHosts(list, defaultPort string) ([]string, error) {
	var hosts []string
	for h := range strings.SplitSeq(list, ",") {
		if h == "" {
			return nil, errors.New("the list of hosts has an empty entry")
		}
		host, port, err := net.SplitHostPort(h)
		if err != nil {
			host, port = h, defaultPort
		}
		if host == "" {
			return nil, fmt.Errorf("%q names no host", h)
		}
		if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
			return nil, fmt.Errorf("%q has an invalid port", h)
		}
		hosts = append(hosts, net.JoinHostPort(host, port))
	}
	return hosts, nil
}

// hostsName is the part of a sink's Name that names its brokers: the hosts, sorted, so that
// the order they are listed in does not matter.
func hostsName(hosts []string) string {
	s := slices.Clone(hosts)
	slices.Sort(s)
	return strings.Join(slices.Compact(s), ",")
}

// Names of exchanges, streams, subjects and topics.
var (
	exchangeName = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,255}$`)
	streamName   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
	subjectName  = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)
	topicName    = regexp.MustCompile(`^[A-Za-z0-9._-]{1,249}$`)
)

// backoff spaces a sink's attempts to reach a broker that failed: RetryMin after the first
// failure, doubled after each further one up to RetryMax, with a tenth of jitter either way.
type backoff struct {
	min, max time.Duration
	fails    int
}

// retry returns err as a *RetryError with the time of the next attempt.
func (b *backoff) retry(err error) error {
	d := b.min
	for i := 0; i < b.fails && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	b.fails++
	d += time.Duration((rand.Float64()*0.2 - 0.1) * float64(d))
	return &RetryError{At: time.Now().Add(d), Err: err}
}

// reset forgets the failures after a success.
func (b *backoff) reset() { b.fails = 0 }
