package httpapi

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
)

// queryNameLengthMax caps a query parameter's name echoed in an error.
const queryNameLengthMax = 64

// checkQuery checks a request's query string against the parameters its route takes: each
// escape must be valid, each name one the route takes, and each given at most once. Unknown
// parameters are refused rather than ignored, as unknown body fields are: a filter the server
// does not apply would answer a question nobody asked.
func checkQuery(rt route, rawQuery string) error {
	seen := map[string]bool{}
	for pair := range strings.SplitSeq(rawQuery, "&") {
		if pair == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		if strings.Contains(pair, ";") {
			return errInvalid("the query string has a ';' in %.*q; separate parameters with '&'", queryNameLengthMax, pair)
		}
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return errInvalid("the query string has a bad escape in the name %.*q", queryNameLengthMax, rawKey)
		}
		param := clipQueryName(key)
		if _, err := url.QueryUnescape(rawValue); err != nil {
			return coffer.Invalid(param, "query parameter %s has a bad escape: %.*q", param, queryNameLengthMax, rawValue)
		}
		switch {
		case !slices.Contains(rt.query, key):
			return coffer.Invalid(param, "%q is not a query parameter of %s %s; %s", param, rt.method, rt.path, takes(rt))
		case seen[key]:
			return coffer.Invalid(param, "query parameter %s is given more than once; give it once", param)
		}
		seen[key] = true
	}
	return nil
}

// takes says which query parameters a route takes.
func takes(rt route) string {
	if len(rt.query) == 0 {
		return "it takes none"
	}
	return "it takes " + strings.Join(rt.query, ", ")
}

func clipQueryName(s string) string {
	if len(s) > queryNameLengthMax {
		return strings.ToValidUTF8(s[:queryNameLengthMax], "") + "…"
	}
	return s
}

// The query parameters of the listings, so that each route's table entry names them once.
var (
	pageParams    = []string{"cursor", "limit"}
	historyParams = []string{"type", "from", "to", "order", "cursor", "limit"}
)

// pageLimit reads the limit query parameter: PageSizeDefault when absent, at most PageSizeMax.
func pageLimit(q url.Values) (int, error) {
	s := q.Get("limit")
	if s == "" {
		return coffer.PageSizeDefault, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > coffer.PageSizeMax {
		return 0, coffer.Invalid("limit", "limit must be an integer from 1 to %d", coffer.PageSizeMax)
	}
	return n, nil
}

// descending reads the order query parameter: asc (the default) or desc.
func descending(q url.Values) (bool, error) {
	switch q.Get("order") {
	case "", "asc":
		return false, nil
	case "desc":
		return true, nil
	}
	return false, coffer.Invalid("order", "order must be asc or desc")
}

// timeParam reads an RFC 3339 time query parameter; absent is the zero time.
func timeParam(q url.Values, name string) (time.Time, error) {
	s := q.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, coffer.Invalid(name, "%s must be an RFC 3339 time such as 2024-05-01T12:00:00Z", name)
	}
	return t.UTC(), nil
}

// typeParam reads a transfer type query parameter; absent matches all.
func typeParam(q url.Values) (coffer.TransferType, error) {
	t := coffer.TransferType(q.Get("type"))
	if t != "" && !coffer.ValidType(t) {
		return "", coffer.Invalid("type", "type %q is not a transfer type", t)
	}
	return t, nil
}

// listQuery holds the query parameters the history listings share.
type listQuery struct {
	typ      coffer.TransferType
	from, to time.Time
	desc     bool
	limit    int
}

// listParams reads type, from, to, order and limit, in that order, so the first bad one is the
// one reported.
func listParams(q url.Values) (listQuery, error) {
	var lq listQuery
	var err error
	if lq.typ, err = typeParam(q); err != nil {
		return lq, err
	}
	if lq.from, err = timeParam(q, "from"); err != nil {
		return lq, err
	}
	if lq.to, err = timeParam(q, "to"); err != nil {
		return lq, err
	}
	if lq.desc, err = descending(q); err != nil {
		return lq, err
	}
	lq.limit, err = pageLimit(q)
	return lq, err
}
