package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestSinkAndSourceSettingsRefused checks that a bad --sink or --command-source stops serve
// with a usage error that names the setting and never prints the URL's password.
func TestSinkAndSourceSettingsRefused(t *testing.T) {
	for _, args := range [][]string{
		{"--sink", "amqp://u:pw@127.0.0.1:5672/?bogus=1"},
		{"--sink", "smtp://u:pw@mail.example.com"},
		{"--sink", "nats://127.0.0.1:4222", "--sink", "nats://127.0.0.1:4222"},
		{"--command-source", "amqp://u:pw@127.0.0.1:5672/?bogus=1"},
		{"--command-source", "nats://u:pw@127.0.0.1:4222"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"serve", "--database", t.TempDir() + "/c.db"}, args...), &out, &errOut)
		msg := errOut.String()
		if code != exitUsage || !strings.Contains(msg, "--"+strings.TrimPrefix(args[0], "--")) || strings.Contains(msg, ":pw@") {
			t.Errorf("%v: exit %d, %q", args, code, msg)
		}
	}
}
