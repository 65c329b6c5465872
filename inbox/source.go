package inbox

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
)

// Consumer takes commands from one source until its context ends. *AMQPConsumer and
// *KafkaConsumer are the two.
type Consumer interface {
	// Run consumes until ctx ends, then returns nil; it returns an error only if it cannot
	// start at all. A broker that is down is waited for, not an error.
	Run(ctx context.Context) error
}

// Options are the settings every command source shares, set once for all of them.
type Options struct {
	// Secret, when set, is the shared secret every message must be signed with.
	Secret string
	// SignatureWindow is how far a signature's timestamp may be from the clock. Default
	// SignatureWindowDefault.
	SignatureWindow time.Duration
	// MessageBytesMax caps a message. Default MessageBytesMaxDefault.
	MessageBytesMax int
	// Role is what the commands may do. Default RoleDefault.
	Role coffer.Role
	// Logger receives the consumers' warnings and errors. Default slog.Default().
	Logger *slog.Logger
	// Handled, if set, is called once for each message handled, with what became of it
	// (HandledApplied, HandledRefused, HandledDeadLettered or HandledRetried): the metrics'
	// hook. It must return at once.
	Handled func(outcome string)
}

// Open returns the consumer of the command source named by url, amqp:// or amqps:// (see
// ParseAMQPURL) or kafka:// (see ParseKafkaURL), with opts, whose commands exec runs. It
// checks the settings and connects to nothing.
func Open(url string, opts Options, exec Executor) (Consumer, error) {
	switch {
	case strings.HasPrefix(url, "amqp://"), strings.HasPrefix(url, "amqps://"):
		cfg, err := ParseAMQPURL(url)
		if err != nil {
			return nil, err
		}
		cfg.Secret, cfg.SignatureWindow, cfg.MessageBytesMax, cfg.Role, cfg.Logger, cfg.Handled =
			opts.Secret, opts.SignatureWindow, opts.MessageBytesMax, opts.Role, opts.Logger, opts.Handled
		return NewAMQPConsumer(cfg, exec)
	case strings.HasPrefix(url, "kafka://"):
		cfg, err := ParseKafkaURL(url)
		if err != nil {
			return nil, err
		}
		cfg.Secret, cfg.SignatureWindow, cfg.MessageBytesMax, cfg.Role, cfg.Logger, cfg.Handled =
			opts.Secret, opts.SignatureWindow, opts.MessageBytesMax, opts.Role, opts.Logger, opts.Handled
		return NewKafkaConsumer(cfg, exec)
	}
	scheme, _, _ := strings.Cut(url, ":")
	return nil, fmt.Errorf("command source: scheme %q is not one of amqp, amqps and kafka", scheme)
}
