package inbox_test

import (
	"strings"
	"testing"

	"github.com/cofferhq/coffer/inbox"
)

// TestOpen: each scheme gives its consumer, with the shared options checked; anything else is
// refused with a sentence that shows no password.
func TestOpen(t *testing.T) {
	w := sqliteWorld(t)
	if c, err := inbox.Open("amqp://guest:pw@127.0.0.1:5672/?queue=q", inbox.Options{Secret: "s"}, w.server); err != nil {
		t.Error(err)
	} else if _, ok := c.(*inbox.AMQPConsumer); !ok {
		t.Errorf("amqp:// opened a %T", c)
	}
	if c, err := inbox.Open("kafka://127.0.0.1:9092?topic=t", inbox.Options{}, w.server); err != nil {
		t.Error(err)
	} else if _, ok := c.(*inbox.KafkaConsumer); !ok {
		t.Errorf("kafka:// opened a %T", c)
	}
	for _, bad := range []struct {
		url  string
		opts inbox.Options
	}{
		{"nats://127.0.0.1:4222", inbox.Options{}},
		{"127.0.0.1:5672", inbox.Options{}},
		{"amqp://guest:pw@127.0.0.1:5672/?prefetch=-1", inbox.Options{}},
		{"amqp://guest:pw@127.0.0.1:5672/", inbox.Options{Role: "reader"}},
		{"kafka://127.0.0.1:9092", inbox.Options{MessageBytesMax: -1}},
		{"kafka://127.0.0.1:9092", inbox.Options{SignatureWindow: -1}},
	} {
		_, err := inbox.Open(bad.url, bad.opts, w.server)
		if err == nil {
			t.Errorf("%s %+v: opened", bad.url, bad.opts)
		} else if strings.Contains(err.Error(), "pw") {
			t.Errorf("%s: the error shows the password: %v", bad.url, err)
		}
	}
}
