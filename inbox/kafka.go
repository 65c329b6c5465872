package inbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/cofferhq/coffer"
)

// Defaults of KafkaConfig.
const (
	// KafkaTopicDefault is the topic commands are read from.
	KafkaTopicDefault = "coffer.commands"
	// KafkaReplyTopicDefault is the topic replies are written to, keyed by command id.
	KafkaReplyTopicDefault = "coffer.replies"
	// KafkaDeadLetterTopicDefault is the topic poison messages go to.
	KafkaDeadLetterTopicDefault = "coffer.commands.dead"
	// KafkaGroupDefault is the consumer group: every Coffer process that shares a database
	// shares it, so that each command is read by one of them.
	KafkaGroupDefault = "coffer"
	// kafkaRequestTimeout bounds producing one reply or dead letter and committing offsets,
	// so that a broker that stops answering is retried rather than waited on for ever.
	kafkaRequestTimeout = 30 * time.Second
)

// KafkaConfig configures a KafkaConsumer. The topics must exist: Coffer creates none.
type KafkaConfig struct {
	// Brokers are the seed brokers, host:port.
	Brokers []string
	// Topic is the topic commands are read from. Default KafkaTopicDefault.
	Topic string
	// ReplyTopic is where the answers go, keyed by command id. Default KafkaReplyTopicDefault.
	ReplyTopic string
	// DeadLetterTopic is where poison messages go. Default KafkaDeadLetterTopicDefault.
	DeadLetterTopic string
	// Group is the consumer group. Default KafkaGroupDefault.
	Group string
	// Secret, when set, is the shared secret every message must be signed with.
	Secret string
	// SignatureWindow is how far a signature's timestamp may be from the clock. Default
	// SignatureWindowDefault.
	SignatureWindow time.Duration
	// MessageBytesMax caps a message's value. Default MessageBytesMaxDefault.
	MessageBytesMax int
	// Role is what the commands may do. Default RoleDefault (operator); admin allows the
	// admin-only types (create_asset, adjustment).
	Role coffer.Role
	// Logger receives the consumer's warnings and errors. Default slog.Default().
	Logger *slog.Logger
	// Handled, if set, is told what became of each message (see Options.Handled).
	Handled func(outcome string)
}

// String describes the configuration without its secret.
func (c KafkaConfig) String() string {
	return fmt.Sprintf("kafka %s topic %s replies %s dead-letter %s group %s role %s signed %t",
		strings.Join(c.Brokers, ","), c.Topic, c.ReplyTopic, c.DeadLetterTopic, c.Group, c.Role, c.Secret != "")
}

// kafkaParams are ParseKafkaURL's query parameters.
var kafkaParams = []string{"topic", "reply_topic", "dead_letter_topic", "group"}

// ParseKafkaURL reads a command source such as
// kafka://host1:9092,host2:9092?topic=coffer.commands&group=coffer: the seed brokers, then the
// parameters topic, reply_topic, dead_letter_topic and group. Any other parameter is an error,
// as is a broker that is not host:port, user information (not supported: no SASL yet), or a
// path. The fields not given keep their zero values (their defaults).
func ParseKafkaURL(s string) (KafkaConfig, error) {
	rest, ok := strings.CutPrefix(s, "kafka://")
	if !ok {
		return KafkaConfig{}, fmt.Errorf("kafka command source %q: the URL must start with kafka://", s)
	}
	hosts, query, _ := strings.Cut(rest, "?")
	hosts = strings.TrimSuffix(hosts, "/")
	switch {
	case strings.Contains(hosts, "@"):
		return KafkaConfig{}, errors.New("kafka command source: user information in the URL is not supported")
	case strings.Contains(hosts, "/"):
		return KafkaConfig{}, fmt.Errorf("kafka command source %q: the URL has a path; give brokers and parameters only", s)
	case hosts == "":
		return KafkaConfig{}, fmt.Errorf("kafka command source %q: the URL names no broker", s)
	}
	var cfg KafkaConfig
	for _, b := range strings.Split(hosts, ",") {
		host, port, err := net.SplitHostPort(b)
		if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			return KafkaConfig{}, fmt.Errorf("kafka command source %q: broker %q must be host:port", s, b)
		}
		cfg.Brokers = append(cfg.Brokers, b)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return KafkaConfig{}, fmt.Errorf("kafka command source %q: the query does not parse: %v", s, err)
	}
	for name, vs := range q {
		switch {
		case !slices.Contains(kafkaParams, name):
			return KafkaConfig{}, fmt.Errorf("kafka command source %q: unknown parameter %q; the parameters are %v", s, name, kafkaParams)
		case len(vs) > 1:
			return KafkaConfig{}, fmt.Errorf("kafka command source %q: %s is given %d times", s, name, len(vs))
		case vs[0] == "":
			return KafkaConfig{}, fmt.Errorf("kafka command source %q: %s is empty", s, name)
		}
	}
	cfg.Topic, cfg.ReplyTopic, cfg.DeadLetterTopic, cfg.Group = q.Get("topic"), q.Get("reply_topic"), q.Get("dead_letter_topic"), q.Get("group")
	return cfg, nil
}

// KafkaConsumer takes commands from a Kafka topic, as the package comment says. It reads each
// partition in order and commits a record's offset only once its outcome, its reply and its
// dead letter (if any) are done; a record that fails for a transient reason is read again from
// its offset after a backoff, and the records after it in its partition wait for it.
type KafkaConsumer struct {
	cfg   KafkaConfig
	h     *handler
	log   *slog.Logger
	retry backoff
}

// NewKafkaConsumer returns a consumer of the commands cfg names, run by exec. It checks the
// settings and connects to nothing: Run does.
func NewKafkaConsumer(cfg KafkaConfig, exec Executor) (*KafkaConsumer, error) {
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("kafka command source: no brokers")
	}
	if cfg.Topic == "" {
		cfg.Topic = KafkaTopicDefault
	}
	if cfg.ReplyTopic == "" {
		cfg.ReplyTopic = KafkaReplyTopicDefault
	}
	if cfg.DeadLetterTopic == "" {
		cfg.DeadLetterTopic = KafkaDeadLetterTopicDefault
	}
	if cfg.Group == "" {
		cfg.Group = KafkaGroupDefault
	}
	if cfg.Topic == cfg.ReplyTopic || cfg.Topic == cfg.DeadLetterTopic {
		return nil, fmt.Errorf("kafka command source: the command topic %q is also the reply or dead-letter topic", cfg.Topic)
	}
	h, err := newHandler(exec, settings{Secret: cfg.Secret, SignatureWindow: cfg.SignatureWindow,
		MessageBytesMax: cfg.MessageBytesMax, Role: cfg.Role, Handled: cfg.Handled})
	if err != nil {
		return nil, err
	}
	cfg.Role, cfg.SignatureWindow, cfg.MessageBytesMax = h.role, h.window, h.bytesMax
	return &KafkaConsumer{cfg: cfg, h: h, log: logger(cfg.Logger)}, nil
}

// Run consumes commands until ctx ends, then leaves the group and returns nil. The client
// reconnects to the brokers by itself; an error of the settings is returned at once.
func (c *KafkaConsumer) Run(ctx context.Context) error {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(c.cfg.Brokers...),
		kgo.ClientID("coffer"),
		kgo.ConsumerGroup(c.cfg.Group),
		kgo.ConsumeTopics(c.cfg.Topic),
		// A group new to the topic reads the commands sent before it started.
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		// No partition is taken away while its records are being handled, so that the
		// offsets committed and set after a poll are still this consumer's.
		kgo.BlockRebalanceOnPoll(),
		// The producer is idempotent by default; every in-sync replica must have a reply or
		// dead letter before it counts as published.
		kgo.RequiredAcks(kgo.AllISRAcks()),
	)
	if err != nil {
		return fmt.Errorf("kafka command source: %w", err)
	}
	defer cl.Close()
	c.log.Info("kafka commands: consuming", "brokers", strings.Join(c.cfg.Brokers, ","), "topic", c.cfg.Topic, "group", c.cfg.Group)
	for {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil || fetches.IsClientClosed() {
			cl.AllowRebalance()
			return nil
		}
		fetches.EachError(func(topic string, partition int32, err error) {
			c.log.Warn("kafka commands: fetch failed", "topic", topic, "partition", partition, "err", err)
		})
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			handled []*kgo.Record                            // the last record done per partition
			rewind  = map[string]map[int32]kgo.EpochOffset{} // where to read again from
		)
		fetches.EachPartition(func(p kgo.FetchTopicPartition) {
			if len(p.Records) == 0 {
				return
			}
			wg.Go(func() {
				last, failed := c.partition(ctx, cl, p.Records)
				mu.Lock()
				defer mu.Unlock()
				if last != nil {
					handled = append(handled, last)
				}
				if failed != nil {
					if rewind[failed.Topic] == nil {
						rewind[failed.Topic] = map[int32]kgo.EpochOffset{}
					}
					rewind[failed.Topic][failed.Partition] = kgo.EpochOffset{Epoch: failed.LeaderEpoch, Offset: failed.Offset}
				}
			})
		})
		wg.Wait()
		if len(handled) > 0 {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), kafkaRequestTimeout)
			if err := cl.CommitRecords(cctx, handled...); err != nil {
				// The records are read again (after a restart or a rebalance) and their ids
				// make that harmless; their replies are sent again.
				c.log.Warn("kafka commands: commit failed", "topic", c.cfg.Topic, "err", err)
			}
			cancel()
		}
		if len(rewind) > 0 {
			cl.SetOffsets(rewind)
		}
		cl.AllowRebalance()
		if len(rewind) > 0 {
			d := c.retry.failed()
			c.log.Warn("kafka commands: a command failed for now; it will be read again", "topic", c.cfg.Topic, "in", d)
			if !wait(ctx, d) {
				return nil
			}
		}
	}
}

// partition handles one partition's records in order. It returns the last record done (nil if
// none) and the first that failed and must be read again (nil if none); the records after a
// failure are left for that reading.
func (c *KafkaConsumer) partition(ctx context.Context, cl *kgo.Client, records []*kgo.Record) (last, failed *kgo.Record) {
	for _, r := range records {
		if !c.record(ctx, cl, r) {
			return last, r
		}
		last = r
	}
	return last, nil
}

// record handles one record and reports whether it is done: answered and, if poison,
// dead-lettered.
func (c *KafkaConsumer) record(ctx context.Context, cl *kgo.Client, r *kgo.Record) bool {
	out := c.h.handle(ctx, r.Value, func(name string) string { return recordHeader(r, name) })
	if out.verdict == transient {
		c.log.Warn("kafka commands: a command failed for now", "topic", r.Topic, "partition", r.Partition, "offset", r.Offset,
			"command_id", out.id, "status", out.status, "error_code", out.code)
		return false
	}
	c.retry.reset()
	key := []byte(out.id)
	if out.id == "" {
		key = r.Key
	}
	corr := recordHeader(r, HeaderCorrelationID)
	if corr == "" {
		corr = out.id
	}
	headers := []kgo.RecordHeader{{Key: HeaderStatus, Value: []byte(statusText(out.status))}}
	if corr != "" {
		headers = append(headers, kgo.RecordHeader{Key: HeaderCorrelationID, Value: []byte(corr)})
	}
	if out.id != "" {
		headers = append(headers, kgo.RecordHeader{Key: HeaderCommandID, Value: []byte(out.id)})
	}
	reply := &kgo.Record{Topic: c.cfg.ReplyTopic, Key: key, Value: out.answer, Headers: headers}
	if err := c.produce(ctx, cl, reply); err != nil {
		c.log.Warn("kafka commands: the reply was not published; the command will be read again", "topic", r.Topic,
			"partition", r.Partition, "offset", r.Offset, "command_id", out.id, "err", err)
		return false
	}
	if out.verdict == poison {
		if err := c.produce(ctx, cl, c.deadLetter(r, out)); err != nil {
			c.log.Warn("kafka commands: the dead letter was not published; the command will be read again", "topic", r.Topic,
				"partition", r.Partition, "offset", r.Offset, "command_id", out.id, "err", err)
			return false
		}
		c.log.Warn("kafka commands: a message was dead-lettered", "topic", r.Topic, "partition", r.Partition, "offset", r.Offset,
			"dead_letter_topic", c.cfg.DeadLetterTopic, "command_id", out.id, "status", out.status, "error_code", out.code, "reason", out.reason)
	}
	return true
}

// deadLetter is the dead letter of a poison record: its key and value as they came (the value
// cut to its first deadBodyBytesMax bytes if it is longer, since a broker's record limit is
// about a megabyte; the whole stays at its offset), its headers, and the reason and where it
// came from in headers of its own.
func (c *KafkaConsumer) deadLetter(r *kgo.Record, out outcome) *kgo.Record {
	value := out.dead
	headers := slices.Clone(r.Headers)
	if len(value) > deadBodyBytesMax {
		value, out.cut = value[:deadBodyBytesMax], true
	}
	if out.cut {
		headers = append(headers, kgo.RecordHeader{Key: HeaderBodyBytes, Value: []byte(strconv.Itoa(len(r.Value)))})
	}
	headers = append(headers,
		kgo.RecordHeader{Key: HeaderStatus, Value: []byte(statusText(out.status))},
		kgo.RecordHeader{Key: HeaderErrorCode, Value: []byte(out.code)},
		kgo.RecordHeader{Key: HeaderReason, Value: []byte(out.reason)},
		kgo.RecordHeader{Key: "Coffer-Topic", Value: []byte(r.Topic)},
		kgo.RecordHeader{Key: "Coffer-Partition", Value: []byte(strconv.Itoa(int(r.Partition)))},
		kgo.RecordHeader{Key: "Coffer-Offset", Value: []byte(strconv.FormatInt(r.Offset, 10))},
	)
	if out.id != "" {
		headers = append(headers, kgo.RecordHeader{Key: HeaderCommandID, Value: []byte(out.id)})
	}
	return &kgo.Record{Topic: c.cfg.DeadLetterTopic, Key: r.Key, Value: value, Headers: headers}
}

// produce publishes rec and waits for the brokers to acknowledge it.
func (c *KafkaConsumer) produce(ctx context.Context, cl *kgo.Client, rec *kgo.Record) error {
	pctx, cancel := context.WithTimeout(ctx, kafkaRequestTimeout)
	defer cancel()
	return cl.ProduceSync(pctx, rec).FirstErr()
}

// recordHeader returns the value of a record's header, "" if it has none.
func recordHeader(r *kgo.Record, name string) string {
	for _, h := range r.Headers {
		if h.Key == name {
			return string(h.Value)
		}
	}
	return ""
}
