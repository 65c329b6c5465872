package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// The values of settings and flags. Each is a pflag.Value whose Set error is phrased to follow
// the refused value, quoted, and the name of where it came from: refused() writes
// `COFFER_SHUTDOWN_TIMEOUT: "30" is not a duration such as 30s` from "is not a duration such as 30s".

// refused is the error of a value that a flag, an environment variable or a config-file key
// would not take. A secret's value is never repeated.
func refused(source, value string, secret bool, err error) error {
	if secret {
		return usageErr("%s: %v", source, err)
	}
	return usageErr("%s: %q %v", source, value, err)
}

// redacter is a setting's value whose raw text may hold a secret it knows how to hide, such
// as a node URL's API key.
type redacter interface{ Redact(raw string) string }

// shown returns raw as an error may quote it.
func shown(v pflag.Value, raw string) string {
	if r, ok := v.(redacter); ok {
		return r.Redact(raw)
	}
	return raw
}

// textValue is any string.
type textValue struct{ p *string }

func (v textValue) String() string     { return *v.p }
func (v textValue) Set(s string) error { *v.p = s; return nil }
func (v textValue) Type() string       { return "string" }

// wholeValue is a whole number of at least min.
type wholeValue struct {
	p   *int
	min int
}

func (v wholeValue) String() string { return strconv.Itoa(*v.p) }
func (v wholeValue) Type() string   { return "int" }

func (v wholeValue) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	switch {
	case err != nil:
		return errors.New("is not a whole number")
	case n < v.min:
		return fmt.Errorf("is below %d", v.min)
	}
	*v.p = n
	return nil
}

// durationValue is a duration of at least min, written with its unit (30s, 5m, 1h30m). A bare
// number is refused rather than taken as nanoseconds or seconds: "30" is a mistake either way.
type durationValue struct {
	p   *time.Duration
	min time.Duration
}

func (v durationValue) String() string { return v.p.String() }
func (v durationValue) Type() string   { return "duration" }

func (v durationValue) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	switch {
	case err != nil:
		return errors.New("is not a duration such as 30s")
	case d < v.min:
		return fmt.Errorf("is below %s", v.min)
	}
	*v.p = d
	return nil
}

// boolValue is true or false. It takes what Go's strconv.ParseBool takes (1, t, true, TRUE,
// 0, f, false, ...), as Go's own flags do, so that COFFER_MIGRATE=1 means what it says.
type boolValue struct{ p *bool }

func (v boolValue) String() string   { return strconv.FormatBool(*v.p) }
func (v boolValue) Type() string     { return "bool" }
func (v boolValue) IsBoolFlag() bool { return true }

func (v boolValue) Set(s string) error {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return errors.New("is not true or false (1 and 0 do too)")
	}
	*v.p = b
	return nil
}

// choiceValue is one of a fixed set of words.
type choiceValue struct {
	p     *string
	words []string
}

func (v choiceValue) String() string { return *v.p }
func (v choiceValue) Type() string   { return strings.Join(v.words, "|") }

func (v choiceValue) Set(s string) error {
	if !slices.Contains(v.words, s) {
		return fmt.Errorf("must be one of %s", strings.Join(v.words, ", "))
	}
	*v.p = s
	return nil
}

// pathValue is a file path. An optional one may be "", meaning none.
type pathValue struct {
	p        *string
	optional bool
}

func (v pathValue) String() string { return *v.p }
func (v pathValue) Type() string   { return "path" }

func (v pathValue) Set(s string) error {
	if strings.TrimSpace(s) == "" && !v.optional {
		return errors.New("is empty; give a file path")
	}
	*v.p = s
	return nil
}

// listenValue is an address to listen on: host:port, with an empty host for every interface and
// port 0 for any free port. An optional one may be "", meaning off.
type listenValue struct {
	p        *string
	optional bool
}

func (v listenValue) String() string { return *v.p }
func (v listenValue) Type() string   { return "host:port" }

func (v listenValue) Set(s string) error {
	if s == "" && v.optional {
		*v.p = ""
		return nil
	}
	if _, port, err := net.SplitHostPort(s); err != nil || port == "" {
		return errors.New("is not an address such as 127.0.0.1:8080 or :8080")
	}
	*v.p = s
	return nil
}

// serverValue is where a client finds the server: an http:// or https:// URL, or host:port for
// plain HTTP. Anything else is refused before a request is made, so that a typo is a usage
// error, not a server that seems to be down.
type serverValue struct{ p *string }

func (v serverValue) String() string { return *v.p }
func (v serverValue) Type() string   { return "url" }

func (v serverValue) Set(s string) error {
	u, err := serverURL(s)
	if err != nil {
		return err
	}
	*v.p = u
	return nil
}

// serverURL turns an address into the server's base URL: host:port means plain HTTP.
func serverURL(addr string) (string, error) {
	bad := errors.New("is not an http:// or https:// URL, or a host:port")
	if !strings.Contains(addr, "://") {
		if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
			return "", bad
		}
		return "http://" + addr, nil
	}
	u, err := url.Parse(addr)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" {
		return "", bad
	}
	return strings.TrimRight(addr, "/"), nil
}

// scheduleValue is a list of waits, such as "5s 30s 2m", separated by spaces or commas.
type scheduleValue struct{ p *[]time.Duration }

func (v scheduleValue) Type() string { return "durations" }

func (v scheduleValue) String() string {
	out := make([]string, len(*v.p))
	for i, d := range *v.p {
		out[i] = d.String()
	}
	return strings.Join(out, " ")
}

func (v scheduleValue) Set(s string) error {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
	if len(fields) == 0 {
		return errors.New("is empty: give at least one wait, such as 5s")
	}
	if len(fields) > 100 {
		return fmt.Errorf("has %d waits; at most 100 are allowed", len(fields))
	}
	out := make([]time.Duration, len(fields))
	for i, f := range fields {
		d, err := time.ParseDuration(f)
		if err != nil || d <= 0 {
			return fmt.Errorf("has %q, which is not a duration above zero such as 30s", f)
		}
		out[i] = d
	}
	*v.p = out
	return nil
}
