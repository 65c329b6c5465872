package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NATSConfig configures a NATS JetStream sink.
type NATSConfig struct {
	// Servers are the NATS servers, host:port each.
	Servers []string
	// User and Password, or Token, authenticate; all empty connects without.
	User, Password, Token string
	// Stream is the JetStream stream the sink makes if it does not exist (file storage,
	// Subject+".>", the duplicate window). A stream that exists is used as it is, so long as its
	// subjects take Subject+".>". Default: DefaultStream.
	Stream string
	// Subject is the prefix of the subjects: each event goes to <Subject>.<type>, as
	// coffer.events.transfer.posted. Default: DefaultSubject.
	Subject string
	// DuplicateWindow is how long the stream remembers the ids it stored, so that an event sent
	// again within it (after a lost acknowledgement) is stored once. Default:
	// DefaultDuplicateWindow.
	DuplicateWindow time.Duration
	Options         SinkOptions
}

// DefaultDuplicateWindow is the duplicate window of the stream a NATS sink makes: longer than
// a relay's backoff, short enough that the ids it keeps cost little memory.
const DefaultDuplicateWindow = 10 * time.Minute

// natsReconnectWait is how long the client waits between attempts to reach a lost server.
const natsReconnectWait = time.Second

// NATSSink publishes events to a JetStream stream, each with Nats-Msg-Id set to the event id (the
// stream drops one it already holds within its duplicate window) and headers Coffer-Seq and
// Coffer-Type. It publishes a batch asynchronously and then takes the acknowledgements in order:
// Deliver counts a message once the stream stored it and everything before it.
//
// It connects at the first Deliver; once connected the client reconnects by itself whenever
// the server comes back, and while it is away Deliver fails at once with a *RetryError (nothing
// is kept in a reconnect buffer to go out later unseen).
type NATSSink struct {
	cfg     NATSConfig
	opts    SinkOptions
	name    string
	secrets []string
	log     *slog.Logger

	mu      sync.Mutex
	nc      *nats.Conn
	js      jetstream.JetStream
	ensured bool // the stream was found or made on this connection
	back    backoff
	closed  bool
}

// NewNATSSink checks cfg and returns the sink, unconnected.
func NewNATSSink(cfg NATSConfig) (*NATSSink, error) {
	if len(cfg.Servers) == 0 {
		return nil, errors.New("nats: no server")
	}
	if cfg.Stream == "" {
		cfg.Stream = DefaultStream
	}
	if cfg.Subject == "" {
		cfg.Subject = DefaultSubject
	}
	if cfg.DuplicateWindow <= 0 {
		cfg.DuplicateWindow = DefaultDuplicateWindow
	}
	if !streamName.MatchString(cfg.Stream) {
		return nil, fmt.Errorf("stream %q is not a valid name: letters, digits, '-' and '_'", cfg.Stream)
	}
	if !subjectName.MatchString(cfg.Subject) {
		return nil, fmt.Errorf("subject %q is not a valid subject prefix: tokens of letters, digits, '-' and '_' separated by '.'", cfg.Subject)
	}
	opts := cfg.Options.withDefaults()
	s := &NATSSink{cfg: cfg, opts: opts, back: backoff{min: opts.RetryMin, max: opts.RetryMax}}
	for _, sec := range []string{cfg.User, cfg.Password, cfg.Token} {
		if sec != "" {
			s.secrets = append(s.secrets, sec)
		}
	}
	s.name = "nats:" + hostsName(cfg.Servers) + "/" + cfg.Stream
	s.log = opts.Logger.With("sink", s.name)
	return s, nil
}

// Name is "nats:<host>:<port>[,<host>:<port>...]/<stream>", as nats:127.0.0.1:4222/COFFER_EVENTS.
func (s *NATSSink) Name() string { return s.name }

// Deliver publishes msgs and waits for the stream's acknowledgements, at most
// Options.PublishTimeout in all.
func (s *NATSSink) Deliver(ctx context.Context, msgs []Message) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, errors.New("nats sink is closed")
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	limited, cancel := context.WithTimeout(ctx, s.opts.PublishTimeout)
	defer cancel()
	n, reached, err := s.deliver(limited, msgs)
	if err == nil {
		s.back.reset()
		return n, nil
	}
	if limited.Err() != nil && ctx.Err() == nil {
		err = fmt.Errorf("%w (gave up after the publish timeout of %s)", err, s.opts.PublishTimeout)
	}
	err = redactError(err, s.secrets)
	// Whatever failed, the stream is looked up again next time: a server that came back
	// without it makes it anew.
	s.ensured = false
	if s.js != nil {
		// Acks of this batch that come late must not wait for nobody.
		s.js.CleanupPublisher()
	}
	if ctx.Err() != nil || reached {
		return n, err
	}
	return n, s.back.retry(err)
}

// deliver reports whether the server answered (a refusal rather than its absence).
func (s *NATSSink) deliver(ctx context.Context, msgs []Message) (n int, reached bool, err error) {
	if err := s.connect(); err != nil {
		return 0, false, err
	}
	if !s.ensured {
		if err := s.ensureStream(ctx); err != nil {
			var apiErr *jetstream.APIError
			return 0, errors.As(err, &apiErr) || errors.Is(err, errStreamSubjects), err
		}
		s.ensured = true
	}
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	var stopErr error
	for _, m := range msgs {
		msg := nats.NewMsg(s.cfg.Subject + "." + m.Type)
		msg.Data = m.Body
		msg.Header.Set("Coffer-Seq", strconv.FormatUint(m.Seq, 10))
		msg.Header.Set("Coffer-Type", m.Type)
		f, err := s.js.PublishMsgAsync(msg, jetstream.WithMsgID(m.ID), jetstream.WithExpectStream(s.cfg.Stream))
		if err != nil {
			stopErr = fmt.Errorf("nats: publish %s: %w", m.ID, err)
			break
		}
		futures = append(futures, f)
	}
	for i, f := range futures {
		select {
		case ack := <-f.Ok():
			if ack.Stream != s.cfg.Stream {
				return i, true, fmt.Errorf("nats: %s was stored in stream %q, not %q", msgs[i].ID, ack.Stream, s.cfg.Stream)
			}
		case err := <-f.Err():
			var apiErr *jetstream.APIError
			return i, errors.As(err, &apiErr), fmt.Errorf("nats: %s: %w", msgs[i].ID, err)
		case <-ctx.Done():
			return i, false, fmt.Errorf("nats: waiting for the acknowledgement of %s: %w", msgs[i].ID, context.Cause(ctx))
		}
	}
	return len(futures), false, stopErr
}

// connect dials the servers unless the sink has a connection (which reconnects by itself).
func (s *NATSSink) connect() error {
	if s.nc != nil && s.nc.IsClosed() {
		s.nc, s.js, s.ensured = nil, nil, false
	}
	if s.nc != nil {
		if !s.nc.IsConnected() {
			return errors.New("nats: not connected; the client is reconnecting")
		}
		return nil
	}
	urls := make([]string, len(s.cfg.Servers))
	for i, h := range s.cfg.Servers {
		urls[i] = "nats://" + h
	}
	options := []nats.Option{
		nats.Name("coffer " + s.name),
		nats.Timeout(s.opts.DialTimeout),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(natsReconnectWait),
		// Nothing waits in a buffer while the server is away: a publish then fails at once.
		nats.ReconnectBufSize(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err == nil {
				return // closed by Close
			}
			s.log.Warn("nats sink disconnected", "err", redactError(err, s.secrets))
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			s.log.Info("nats sink reconnected", "server", nc.ConnectedAddr())
		}),
	}
	switch {
	case s.cfg.Token != "":
		options = append(options, nats.Token(s.cfg.Token))
	case s.cfg.User != "":
		options = append(options, nats.UserInfo(s.cfg.User, s.cfg.Password))
	}
	nc, err := nats.Connect(strings.Join(urls, ","), options...)
	if err != nil {
		return fmt.Errorf("nats: connect: %w", err)
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(s.opts.PublishTimeout))
	if err != nil {
		nc.Close()
		return fmt.Errorf("nats: %w", err)
	}
	s.nc, s.js, s.ensured = nc, js, false
	s.log.Info("nats sink connected", "server", nc.ConnectedAddr(), "stream", s.cfg.Stream)
	return nil
}

var errStreamSubjects = errors.New("the stream's subjects do not take the sink's")

// ensureStream makes the stream unless it exists, and checks that one that exists takes the
// sink's subjects. It changes nothing in a stream that exists: its limits are the operator's.
func (s *NATSSink) ensureStream(ctx context.Context) error {
	want := s.cfg.Subject + ".>"
	st, err := s.js.Stream(ctx, s.cfg.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		st, err = s.js.CreateStream(ctx, jetstream.StreamConfig{
			Name:        s.cfg.Stream,
			Description: "Coffer's events",
			Subjects:    []string{want},
			Storage:     jetstream.FileStorage,
			Retention:   jetstream.LimitsPolicy,
			Duplicates:  s.cfg.DuplicateWindow,
		})
		if err == nil {
			s.log.Info("nats sink made its stream", "stream", s.cfg.Stream, "subjects", want)
		}
	}
	if err != nil {
		return fmt.Errorf("nats: stream %q: %w", s.cfg.Stream, err)
	}
	subjects := st.CachedInfo().Config.Subjects
	if !slices.ContainsFunc(subjects, func(f string) bool { return subjectCovers(f, want) }) {
		return fmt.Errorf("nats: stream %q takes %v, not %s: %w", s.cfg.Stream, subjects, want, errStreamSubjects)
	}
	return nil
}

// subjectCovers reports whether every subject that sub matches, filter matches too.
func subjectCovers(filter, sub string) bool {
	ft, st := strings.Split(filter, "."), strings.Split(sub, ".")
	for i, f := range ft {
		if f == ">" {
			return i < len(st)
		}
		if i >= len(st) {
			return false
		}
		if f == "*" {
			if st[i] == ">" {
				return false
			}
			continue
		}
		if f != st[i] {
			return false
		}
	}
	return len(ft) == len(st)
}

// Close closes the connection; Deliver fails after it.
func (s *NATSSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.nc != nil {
		s.nc.Close()
	}
	s.nc, s.js = nil, nil
	return nil
}
