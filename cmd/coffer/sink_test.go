package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestSinkAndSourceSettingsRefused checks that a bad --sink, --command-source or webhook
// setting stops serve with a usage error that names the setting and never prints a URL's
// password.
func TestSinkAndSourceSettingsRefused(t *testing.T) {
	for _, args := range [][]string{
		{"--sink", "amqp://u:pw@127.0.0.1:5672/?bogus=1"},
		{"--sink", "smtp://u:pw@mail.example.com"},
		{"--sink", "nats://127.0.0.1:4222", "--sink", "nats://127.0.0.1:4222"},
		{"--command-source", "amqp://u:pw@127.0.0.1:5672/?bogus=1"},
		{"--command-source", "nats://u:pw@127.0.0.1:4222"},
		{"--webhook-schedule", ""},
		{"--webhook-schedule", "5s,soon"},
		{"--webhook-schedule", "5s -1s"},
		{"--webhook-schedule", "0s"},
		{"--webhook-schedule", strings.Repeat("1s ", 101)},
		{"--webhook-timeout", "0s"},
		{"--webhook-timeout", "ten"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"serve", "--database", t.TempDir() + "/c.db"}, args...), &out, &errOut)
		msg := errOut.String()
		if code != exitUsage || !strings.Contains(msg, "--"+strings.TrimPrefix(args[0], "--")) || strings.Contains(msg, ":pw@") {
			t.Errorf("%v: exit %d, %q", args, code, msg)
		}
	}
}
