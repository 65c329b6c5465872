package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cofferhq/coffer"
)

// decode reads the body as exactly one JSON object into v, refusing unknown fields and bodies
// over max bytes. An empty body is an empty object when emptyOK, else an error. Every error is an
// invalid-request sentence that says what is wrong.
func decode(r *http.Request, max int64, v any, emptyOK bool) error {
	data, err := readBody(r, max)
	if err != nil {
		return err
	}
	return decodeData(data, v, emptyOK)
}

// readBody reads a request body of at most max bytes.
func readBody(r *http.Request, max int64) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, max))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, errInvalid("the request body is larger than %d bytes", max)
		}
		return nil, fmt.Errorf("read request body: %w", err)
	}
	return data, nil
}

// decodeData decodes a request body read by readBody into v, as decode does.
func decodeData(data []byte, v any, emptyOK bool) error {
	if len(bytes.TrimSpace(data)) == 0 {
		if emptyOK {
			return nil
		}
		return errInvalid("the request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errInvalid("the request body has more after its JSON value; send exactly one object")
	}
	return nil
}

func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return errInvalid("the request body is not valid JSON: %s (at byte %d)", syntax.Error(), syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errInvalid("the request body ends in the middle of a JSON value")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return errInvalid("the request body must be a JSON object, not %s", typ.Value)
		}
		return errInvalid("field %q must be %s, not %s", typ.Field, jsonKind(typ.Type), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no error type for an unknown field; its text is the only signal.
		return errInvalid("the request body has an unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return errInvalid("the request body is not a JSON object of the expected shape: %v", err)
}

// jsonKind names a Go type as the JSON a client should send.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64, reflect.Uint32:
		return "an integer"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice:
		return "an array"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return t.String()
}

// printableNoSpace reports whether s is valid UTF-8 of printable characters without spaces.
func printableNoSpace(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// checkID checks a required id: an operation, transfer or account id.
func checkID(field, id string) error {
	switch {
	case id == "":
		return errInvalid("%s is required", field)
	case len(id) > coffer.IDLengthMax:
		return errInvalid("%s must be at most %d bytes long", field, coffer.IDLengthMax)
	case !printableNoSpace(id):
		return errInvalid("%s %q must be printable characters without spaces", field, id)
	case strings.Contains(id, coffer.DerivedSep):
		return errInvalid("%s %q must not contain '%s': it is reserved for the ids Coffer derives", field, id, coffer.DerivedSep)
	}
	return nil
}

// checkOptionalID checks an id that may be left out.
func checkOptionalID(field, id string) error {
	if id == "" {
		return nil
	}
	return checkID(field, id)
}

// checkOwner checks a required owner (or merchant) name.
func checkOwner(field, owner string) error {
	if owner == "" {
		return errInvalid("%s is required", field)
	}
	if err := coffer.ValidateOwner(owner); err != nil {
		return errInvalid("%s", renamed(coffer.ErrorMessage(err), "owner", field))
	}
	return nil
}

// renamed puts the request's field name in place of the noun a shared message starts with:
// ParseAmount says `amount "x" ...`, which for the fee field should read `fee "x" ...`.
func renamed(msg, noun, field string) string {
	if rest, ok := strings.CutPrefix(msg, noun+" "); ok {
		return field + " " + rest
	}
	return field + ": " + msg
}

// checkText checks free text that may be left out: at most textLengthMax bytes of valid UTF-8.
func checkText(field, s string) error {
	switch {
	case len(s) > textLengthMax:
		return errInvalid("%s must be at most %d bytes long", field, textLengthMax)
	case !utf8.ValidString(s):
		return errInvalid("%s must be valid UTF-8", field)
	}
	return nil
}

// checkRequiredText is checkText for text that must be there.
func checkRequiredText(field, s string) error {
	if strings.TrimSpace(s) == "" {
		return errInvalid("%s is required", field)
	}
	return checkText(field, s)
}

// checkMetadata checks metadata against the ledger's limits.
func checkMetadata(md map[string]string) error {
	if len(md) > coffer.MetadataKeysMax {
		return errInvalid("metadata has %d keys; at most %d are allowed", len(md), coffer.MetadataKeysMax)
	}
	for k, v := range md {
		switch {
		case k == "" || len(k) > textLengthMax || !utf8.ValidString(k):
			return errInvalid("metadata keys must be 1 to %d bytes of UTF-8", textLengthMax)
		case len(v) > coffer.MetadataValueMax || !utf8.ValidString(v):
			return errInvalid("metadata value of %q must be at most %d bytes of UTF-8", k, coffer.MetadataValueMax)
		}
	}
	return nil
}

// checkTimeout checks timeout_seconds and returns it as a duration; 0 is no timeout.
func checkTimeout(seconds int64) (time.Duration, error) {
	if seconds < 0 || seconds > TimeoutSecondsMax {
		return 0, errInvalid("timeout_seconds must be between 0 (no timeout) and %d", TimeoutSecondsMax)
	}
	return time.Duration(seconds) * time.Second, nil
}

// amountRule says which amounts a field accepts.
type amountRule int

const (
	positive         amountRule = iota // required, greater than zero
	optionalPositive                   // left out means zero (the whole), else greater than zero
	nonNegative                        // left out means zero, else zero or more
)

// parseAmount parses a decimal string in major units at the scale.
func parseAmount(field, s string, scale int, rule amountRule) (coffer.Amount, error) {
	if s == "" {
		if rule == positive {
			return coffer.Amount{}, errInvalid("%s is required", field)
		}
		return coffer.Amount{}, nil
	}
	a, err := coffer.ParseAmount(s, scale)
	if err != nil {
		return coffer.Amount{}, errInvalid("%s", renamed(err.Error(), "amount", field))
	}
	switch {
	case a.Sign() < 0:
		return coffer.Amount{}, errInvalid("%s must not be negative, got %q", field, s)
	case a.IsZero() && rule == positive:
		return coffer.Amount{}, errInvalid("%s must be greater than zero", field)
	case a.IsZero() && rule == optionalPositive:
		return coffer.Amount{}, errInvalid("%s must be greater than zero; leave it out for the whole amount", field)
	}
	return a, nil
}

// firstError returns the first non-nil error.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// pageLimit reads the limit query parameter: PageSizeDefault when absent, at most PageSizeMax.
func pageLimit(q url.Values) (int, error) {
	s := q.Get("limit")
	if s == "" {
		return coffer.PageSizeDefault, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > coffer.PageSizeMax {
		return 0, errInvalid("limit must be an integer from 1 to %d", coffer.PageSizeMax)
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
	return false, errInvalid("order must be asc or desc")
}

// timeParam reads an RFC 3339 time query parameter; absent is the zero time.
func timeParam(q url.Values, name string) (time.Time, error) {
	s := q.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errInvalid("%s must be an RFC 3339 time such as 2024-05-01T12:00:00Z", name)
	}
	return t.UTC(), nil
}

// typeParam reads a transfer type query parameter; absent matches all.
func typeParam(q url.Values) (coffer.TransferType, error) {
	t := coffer.TransferType(q.Get("type"))
	if t != "" && !coffer.ValidType(t) {
		return "", errInvalid("type %q is not a transfer type", t)
	}
	return t, nil
}

// Cursors are opaque to clients: base64url of what the store continues after.

func encodeCursor(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func decodeCursor(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return "", errInvalid("cursor is not one this API returned")
	}
	return string(b), nil
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
