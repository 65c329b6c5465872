package outbox_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/outbox"
)

func TestParseSink(t *testing.T) {
	good := []struct {
		url  string
		name string
		kind string // the sink's type
	}{
		{"amqp://guest:guest@127.0.0.1:5672/", "amqp:127.0.0.1:5672/%2F/coffer.events", "*outbox.AMQPSink"},
		{"amqp://127.0.0.1", "amqp:127.0.0.1:5672/%2F/coffer.events", "*outbox.AMQPSink"},
		{"amqp://user:pa%40ss@rabbit.internal:5673/prod?exchange=ledger.events", "amqp:rabbit.internal:5673/prod/ledger.events", "*outbox.AMQPSink"},
		{"amqp://u:p@h/%2f?exchange=x&mandatory=false&heartbeat=5", "amqp:h:5672/%2F/x", "*outbox.AMQPSink"},
		{"amqps://u:p@h/vh", "amqp:h:5671/vh/coffer.events", "*outbox.AMQPSink"},
		{"nats://127.0.0.1:4222", "nats:127.0.0.1:4222/COFFER_EVENTS", "*outbox.NATSSink"},
		{"nats://tok3n@nats.internal?stream=EVENTS_2&subject=ledger.ev&duplicate_window=1h", "nats:nats.internal:4222/EVENTS_2", "*outbox.NATSSink"},
		{"nats://u:p@b:4223,a:4222/?stream=S", "nats:a:4222,b:4223/S", "*outbox.NATSSink"},
		{"kafka://host1:9092,host2:9092?topic=coffer.events", "kafka:host1:9092,host2:9092/coffer.events", "*outbox.KafkaSink"},
		{"kafka://host2,host1", "kafka:host1:9092,host2:9092/coffer.events", "*outbox.KafkaSink"},
		{"kafka://[::1]:9093?topic=t_1", "kafka:[::1]:9093/t_1", "*outbox.KafkaSink"},
	}
	for _, c := range good {
		s, err := outbox.ParseSink(c.url, outbox.SinkOptions{})
		if err != nil {
			t.Errorf("ParseSink(%q): %v", c.url, err)
			continue
		}
		if s.Name() != c.name {
			t.Errorf("ParseSink(%q).Name() = %q, want %q", c.url, s.Name(), c.name)
		}
		if kind := typeName(s); kind != c.kind {
			t.Errorf("ParseSink(%q) is a %s, want %s", c.url, kind, c.kind)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close of an unconnected sink: %v", err)
		}
	}

	bad := []struct {
		url  string
		want string // in the message
	}{
		{"", "empty"},
		{"//host:5672", "no scheme"},
		{"127.0.0.1:5672", "write it as scheme://host:port"},
		{"localhost:5672", "unknown sink scheme \"localhost\""},
		{"http://host/hook", "unknown sink scheme \"http\""},
		{"amqp://", "names no host"},
		{"amqp:opaque", "names no host"},
		{"amqp://u:p@h:notaport/", "invalid port"},
		{"amqp://u:p%zz@h/", "invalid %-escape"},
		{"amqp://u:s3cret@h/?exchnge=x", `unknown query parameter "exchnge"`},
		{"amqp://h/?exchange=a&exchange=b", `"exchange" is given 2 times`},
		{"amqp://h/?exchange=", `"exchange" is empty`},
		{"amqp://h/?exchange=has%20space", "is not a valid name"},
		{"amqp://h/?mandatory=maybe", "mandatory must be true or false"},
		{"amqp://h/?heartbeat=x", "heartbeat"},
		{"amqp://h/#frag", "no #fragment"},
		{"nats://h?stream=a.b", "stream \"a.b\" is not a valid name"},
		{"nats://h?subject=a.>", "not a valid subject prefix"},
		{"nats://h?duplicate_window=soon", "duplicate_window must be a positive duration"},
		{"nats://h?topic=x", `unknown query parameter "topic"`},
		{"nats://h/path", "takes no path"},
		{"nats://h:99999", "invalid port"},
		{"kafka://a:9092,,b:9092", "empty entry"},
		{"kafka://h?exchange=x", `unknown query parameter "exchange"`},
		{"kafka://h?topic=bad/topic", "not a valid name"},
		{"kafka://user:s3cret@h", "credentials (SASL) are not supported"},
		{"kafka://h/topic", "takes no path"},
	}
	for _, c := range bad {
		s, err := outbox.ParseSink(c.url, outbox.SinkOptions{})
		if err == nil {
			t.Errorf("ParseSink(%q) = %s, want an error", c.url, s.Name())
			s.Close()
			continue
		}
		var ce *coffer.Error
		if !errors.As(err, &ce) || ce.Code != coffer.EINVALID || ce.Param != "sink" {
			t.Errorf("ParseSink(%q) = %#v, want a coffer.Error invalid about sink", c.url, err)
			continue
		}
		if !strings.Contains(ce.Message, c.want) {
			t.Errorf("ParseSink(%q) = %q, want it to say %q", c.url, ce.Message, c.want)
		}
		for _, secret := range []string{"s3cret", "u:p", "%zz"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("ParseSink(%q) = %q: it shows the credentials", c.url, err)
			}
		}
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *outbox.AMQPSink:
		return "*outbox.AMQPSink"
	case *outbox.NATSSink:
		return "*outbox.NATSSink"
	case *outbox.KafkaSink:
		return "*outbox.KafkaSink"
	}
	return "another type"
}

// TestNameHidesCredentials checks that no sink's Name shows the user, password or token of its
// URL, whatever the scheme.
func TestNameHidesCredentials(t *testing.T) {
	for _, raw := range []string{
		"amqp://alice:hunter2pw@h/", "amqps://alice:hunter2pw@h/", "nats://alice:hunter2pw@h", "nats://hunter2pw@h",
	} {
		s, err := outbox.ParseSink(raw, outbox.SinkOptions{})
		if err != nil {
			t.Fatalf("ParseSink(%q): %v", raw, err)
		}
		if strings.Contains(s.Name(), "hunter2pw") || strings.Contains(s.Name(), "alice") {
			t.Errorf("ParseSink(%q).Name() = %q shows the credentials", raw, s.Name())
		}
		s.Close()
	}
}
