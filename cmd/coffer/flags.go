package main

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// The flags many client subcommands share, so that each has one name and one meaning. Their
// values' Set errors follow the refused value, as value.go explains.

// idUsage is the help of --id on every write.
const idUsage = "the operation id: the same command with the same id gives back the first outcome, never a second one"

// idFlag defines --id, the operation id of a write.
func idFlag(fs *pflag.FlagSet, p *string) {
	fs.StringVar(p, "id", "", idUsage)
}

// amountFlag defines --amount, a decimal in major units ("12.50").
func amountFlag(fs *pflag.FlagSet, p *string, usage string) {
	fs.StringVar(p, "amount", "", usage+", in major units (12.50)")
}

// pageFlags defines --limit and --cursor of a listing.
func pageFlags(fs *pflag.FlagSet, limit *int, cursor *string) {
	intFlag(fs, limit, "limit", "most items on the page (default: the server's)")
	fs.StringVar(cursor, "cursor", "", "continue after the page that printed this cursor")
}

// intFlag defines a flag that takes a whole number, 0 or more.
func intFlag(fs *pflag.FlagSet, p *int, name, usage string) {
	fs.Var(wholeValue{p, 0}, name, usage)
}

// metadataFlag defines --meta, repeatable, which fills *p with key=value pairs.
func metadataFlag(fs *pflag.FlagSet, p *map[string]string) {
	fs.Var(metadata{p}, "meta", "a `key=value` to keep with the transfer; repeat for more")
}

// metadata is the pflag.Value of --meta.
type metadata struct{ m *map[string]string }

func (md metadata) Type() string { return "key=value" }

func (md metadata) String() string {
	if md.m == nil || *md.m == nil {
		return ""
	}
	var pairs []string
	for _, k := range slices.Sorted(maps.Keys(*md.m)) {
		pairs = append(pairs, k+"="+(*md.m)[k])
	}
	return strings.Join(pairs, ",")
}

func (md metadata) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return errors.New("is not key=value")
	}
	if *md.m == nil {
		*md.m = map[string]string{}
	}
	(*md.m)[k] = v
	return nil
}

// timeoutFlag defines --timeout, a duration such as 10m stored as whole seconds in *p.
func timeoutFlag(fs *pflag.FlagSet, p *int64, usage string) {
	fs.Var(seconds{p}, "timeout", usage+", a `duration` such as 90s or 10m (default: none)")
}

// seconds is the pflag.Value of --timeout: a duration, kept as whole seconds as the API takes it.
type seconds struct{ n *int64 }

func (s seconds) Type() string { return "duration" }

func (s seconds) String() string {
	if s.n == nil || *s.n == 0 {
		return ""
	}
	return (time.Duration(*s.n) * time.Second).String()
}

func (s seconds) Set(v string) error {
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		return errors.New("is not a duration such as 90s or 10m")
	case d <= 0 || d%time.Second != 0:
		return errors.New("is not a positive whole number of seconds")
	}
	*s.n = int64(d / time.Second)
	return nil
}

// choiceFlag defines a flag whose value must be one of words.
func choiceFlag(fs *pflag.FlagSet, p *string, name, usage string, words ...string) {
	fs.Var(choiceValue{p, words}, name, usage)
}

// orderFlag defines --order, asc or desc, as *desc.
func orderFlag(fs *pflag.FlagSet, desc *bool) {
	fs.Var(order{desc}, "order", "oldest first (asc, the default) or newest first (desc)")
}

// order is the pflag.Value of --order.
type order struct{ desc *bool }

func (o order) Type() string { return "asc|desc" }

func (o order) String() string {
	if o.desc != nil && *o.desc {
		return "desc"
	}
	return ""
}

func (o order) Set(v string) error {
	if v != "asc" && v != "desc" {
		return errors.New("must be asc or desc")
	}
	*o.desc = v == "desc"
	return nil
}

// timeFlag defines a flag that takes an RFC 3339 time or a date (midnight UTC).
func timeFlag(fs *pflag.FlagSet, p *time.Time, name, usage string) {
	fs.Var(instant{p}, name, usage+": a time such as 2025-03-01T12:00:00Z, or a date (UTC)")
}

// instant is the pflag.Value of a time flag.
type instant struct{ t *time.Time }

func (i instant) Type() string { return "time" }

func (i instant) String() string {
	if i.t == nil || i.t.IsZero() {
		return ""
	}
	return i.t.Format(time.RFC3339Nano)
}

func (i instant) Set(v string) error {
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			*i.t = t
			return nil
		}
	}
	return fmt.Errorf("is neither an RFC 3339 time nor a date")
}
