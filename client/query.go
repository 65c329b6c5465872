package client

import (
	"net/url"
	"strconv"
	"time"
)

// The query strings of the list methods: a parameter left at its zero value is not sent.

func pathID(id string) string { return url.PathEscape(id) }

func pageQuery(q url.Values, cursor string, limit int) url.Values {
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return q
}

func setIf(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

func setTime(q url.Values, k string, t time.Time) {
	if !t.IsZero() {
		q.Set(k, t.UTC().Format(time.RFC3339Nano))
	}
}

func setDesc(q url.Values, desc bool) {
	if desc {
		q.Set("order", "desc")
	}
}
