package main

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The flags many client subcommands share, so that each has one name and one meaning.

// idFlag defines --id, the operation id of a write.
func idFlag(fs *flag.FlagSet, p *string) {
	fs.StringVar(p, "id", "", "the operation id: the same id again replays the first outcome")
}

// resolveIDFlag defines --id for a post or void, where the API derives the id when it is left out.
func resolveIDFlag(fs *flag.FlagSet, p *string, verb string) {
	fs.StringVar(p, "id", "", fmt.Sprintf("the operation id (default: the transfer's id + \"/%s\")", verb))
}

// amountFlag defines --amount, a decimal in major units ("12.50").
func amountFlag(fs *flag.FlagSet, p *string, usage string) {
	fs.StringVar(p, "amount", "", usage+", in major units (12.50)")
}

// pageFlags defines --limit and --cursor of a listing.
func pageFlags(fs *flag.FlagSet, limit *int, cursor *string) {
	fs.IntVar(limit, "limit", 0, "most items on the page (default: the server's)")
	fs.StringVar(cursor, "cursor", "", "continue after the page that printed this cursor")
}

// metadataFlag defines --meta, repeatable, which fills *p with key=value pairs.
func metadataFlag(fs *flag.FlagSet, p *map[string]string) {
	fs.Var(metadata{p}, "meta", "a `key=value` to keep with the transfer; repeat for more")
}

// metadata is the flag.Value of --meta.
type metadata struct{ m *map[string]string }

func (md metadata) String() string {
	if md.m == nil || *md.m == nil {
		return ""
	}
	return fmt.Sprint(*md.m)
}

func (md metadata) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not key=value", s)
	}
	if *md.m == nil {
		*md.m = map[string]string{}
	}
	(*md.m)[k] = v
	return nil
}

// timeoutFlag defines --timeout, a duration such as 10m stored as whole seconds in *p.
func timeoutFlag(fs *flag.FlagSet, p *int64, usage string) {
	fs.Var(seconds{p}, "timeout", usage+", a `duration` such as 90s or 10m (default: none)")
}

// seconds is the flag.Value of --timeout: a duration, kept as whole seconds as the API takes it.
type seconds struct{ n *int64 }

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
		return err
	case d <= 0 || d%time.Second != 0:
		return fmt.Errorf("%s is not a positive whole number of seconds", v)
	}
	*s.n = int64(d / time.Second)
	return nil
}

// choiceFlag defines a flag whose value must be one of words.
func choiceFlag(fs *flag.FlagSet, p *string, name, usage string, words ...string) {
	fs.Var(choice{p, words}, name, usage+": `"+strings.Join(words, "|")+"`")
}

// choice is the flag.Value of a flag with a fixed set of values.
type choice struct {
	s     *string
	words []string
}

func (c choice) String() string {
	if c.s == nil {
		return ""
	}
	return *c.s
}

func (c choice) Set(v string) error {
	if !slices.Contains(c.words, v) {
		return fmt.Errorf("must be one of %s", strings.Join(c.words, ", "))
	}
	*c.s = v
	return nil
}

// orderFlag defines --order, asc or desc, as *desc.
func orderFlag(fs *flag.FlagSet, desc *bool) {
	fs.Var(order{desc}, "order", "`asc|desc`: oldest first (asc, the default) or newest first (desc)")
}

// order is the flag.Value of --order.
type order struct{ desc *bool }

func (o order) String() string {
	if o.desc != nil && *o.desc {
		return "desc"
	}
	return ""
}

func (o order) Set(v string) error {
	if v != "asc" && v != "desc" {
		return fmt.Errorf("must be asc or desc")
	}
	*o.desc = v == "desc"
	return nil
}

// timeFlag defines a flag that takes an RFC 3339 time or a date (midnight UTC).
func timeFlag(fs *flag.FlagSet, p *time.Time, name, usage string) {
	fs.Var(instant{p}, name, usage+": a `time` such as 2025-03-01T12:00:00Z, or a date (UTC)")
}

// instant is the flag.Value of a time flag.
type instant struct{ t *time.Time }

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
	return fmt.Errorf("%q is neither an RFC 3339 time nor a date", v)
}
