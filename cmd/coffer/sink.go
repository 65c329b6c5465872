package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/cofferhq/coffer/inbox"
	"github.com/cofferhq/coffer/outbox"
)

// sinksValue is --sink: a repeated flag, a COFFER_SINKS of URLs separated by spaces (a Kafka
// URL lists its brokers with commas), or a YAML sequence. Each is a sink URL that
// outbox.ParseSink accepts; a password in one is never printed (see binding.secrets).
type sinksValue struct{ p *[]string }

func (v sinksValue) Type() string       { return "url" }
func (v sinksValue) GetSlice() []string { return *v.p }
func (v sinksValue) Set(s string) error { return v.Append(s) }

// String lists the sinks without their passwords.
func (v sinksValue) String() string {
	out := make([]string, len(*v.p))
	for i, s := range *v.p {
		out[i] = redact(s)
	}
	return strings.Join(out, " ")
}

// SplitEnv splits COFFER_SINKS on spaces rather than commas.
func (v sinksValue) SplitEnv(s string) []string { return strings.Fields(s) }

func (v sinksValue) Append(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return errors.New("has an empty sink URL")
	}
	sink, err := outbox.ParseSink(s, outbox.SinkOptions{})
	if err != nil {
		return err
	}
	for _, have := range *v.p {
		if h, err := outbox.ParseSink(have, outbox.SinkOptions{}); err == nil && h.Name() == sink.Name() {
			return fmt.Errorf("names the sink %s twice", sink.Name())
		}
	}
	sink.Close()
	*v.p = append(*v.p, s)
	return nil
}

func (v sinksValue) Replace(items []string) error {
	*v.p = nil
	return replaceAll(v, items)
}

// urlPasswords returns the password of a URL in the forms it may be printed in; none if it
// has none.
func urlPasswords(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return nil
	}
	p, ok := u.User.Password()
	if !ok || p == "" {
		return nil
	}
	return []string{p, url.QueryEscape(p), url.PathEscape(p)}
}

// sourcesValue is --command-source: like --sink, a list of URLs (spaces between them in
// COFFER_COMMAND_SOURCES), each one inbox.Open accepts.
type sourcesValue struct{ p *[]string }

func (v sourcesValue) Type() string                 { return "url" }
func (v sourcesValue) GetSlice() []string           { return *v.p }
func (v sourcesValue) Set(s string) error           { return v.Append(s) }
func (v sourcesValue) SplitEnv(s string) []string   { return strings.Fields(s) }
func (v sourcesValue) String() string               { return sinksValue(v).String() }
func (v sourcesValue) Replace(items []string) error { *v.p = nil; return replaceAll(v, items) }

func (v sourcesValue) Append(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return errors.New("has an empty command source URL")
	}
	var err error
	switch {
	case strings.HasPrefix(s, "amqp://"), strings.HasPrefix(s, "amqps://"):
		_, err = inbox.ParseAMQPURL(s)
	case strings.HasPrefix(s, "kafka://"):
		_, err = inbox.ParseKafkaURL(s)
	default:
		err = errors.New("is not an amqp://, amqps:// or kafka:// URL")
	}
	if err != nil {
		return err
	}
	*v.p = append(*v.p, s)
	return nil
}

// replaceAll empties a list setting and appends the items.
func replaceAll(v interface {
	GetSlice() []string
	Append(string) error
}, items []string) error {
	for _, s := range items {
		if err := v.Append(s); err != nil {
			return err
		}
	}
	return nil
}
