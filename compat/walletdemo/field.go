package walletdemo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/strict"
)

// Decimal is an amount as the demo's clients send it: a JSON number (100, 0.1) or a string
// ("100", "0.1"). Either way its text is kept exactly as sent and parsed at the asset's scale;
// it never passes through a float.
type Decimal string

// UnmarshalJSON keeps the text of a JSON number, or the content of a JSON string.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*d = Decimal(s)
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		*d = Decimal(b)
	default:
		return errors.New("must be a decimal number, as a JSON number or a string")
	}
	return nil
}

// decode reads the request's JSON object into v, strictly: unknown, duplicate or misspelt
// members are refused with the member named.
func decode(r *http.Request, v any) error {
	return strict.Decode(r.Body, v, strict.Options{BytesMax: BodyBytesMax})
}

// parseAmount parses an amount of the asset: positive, at most the asset's decimals, no
// exponent. what names it in the message ("amount", "external_balance").
func parseAmount(field string, d Decimal, asset coffer.Asset, zeroOK bool) (coffer.Amount, error) {
	s := string(d)
	if s == "" {
		return coffer.Amount{}, coffer.Invalid(field, "%s is required: a decimal number of %s, such as \"12.50\"", field, asset.Code)
	}
	if strings.HasPrefix(s, "-") {
		return coffer.Amount{}, coffer.Invalid(field, "%s %s is negative; it must be greater than zero", field, s)
	}
	a, err := coffer.ParseAmount(s, asset.Scale)
	if err != nil {
		return coffer.Amount{}, coffer.Invalid(field, "%s: %v", field, err)
	}
	if a.IsZero() && !zeroOK {
		return coffer.Amount{}, coffer.Invalid(field, "%s must be greater than zero", field)
	}
	return a, nil
}

// formatAmount writes a as the demo wrote its decimals: major units, no trailing zeros after
// the point ("100", "0.3", "0").
func formatAmount(a coffer.Amount, scale int) string {
	s := a.Format(scale)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// walletID reads the wallet's number from the path.
func walletID(r *http.Request) (uint64, error) {
	s := r.PathValue("id")
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 || s[0] == '0' || s[0] == '+' {
		return 0, coffer.Invalid("id", "wallet id %q must be a positive whole number such as 2", clip(s))
	}
	return id, nil
}

// checkTxHash checks a tx hash: required, at most TxHashLengthMax printable characters without
// spaces or '/'.
func checkTxHash(h string) error {
	if h == "" {
		return coffer.Invalid("tx_hash", "tx_hash is required: it names the transaction, so that a retry finds the first outcome")
	}
	return checkName("tx_hash", "tx_hash", fmt.Sprintf("tx_hash %q", clip(h)), h)
}

// checkName checks v, which names an operation as a tx hash does (a tx hash, an
// Idempotency-Key): at most TxHashLengthMax printable ASCII characters, no spaces, no
// DerivedSep. name is v's name in a sentence, quoted its name with its value.
func checkName(field, name, quoted, v string) error {
	switch {
	case len(v) > TxHashLengthMax:
		return coffer.Invalid(field, "%s must be at most %d bytes long", name, TxHashLengthMax)
	case strings.Contains(v, coffer.DerivedSep):
		return coffer.Invalid(field, "%s must not contain %q", quoted, coffer.DerivedSep)
	}
	for _, c := range v {
		if c > unicode.MaxASCII || !unicode.IsPrint(c) || c == ' ' {
			return coffer.Invalid(field, "%s must be printable ASCII characters without spaces", quoted)
		}
	}
	return nil
}

// checkText checks free text: valid, at most DescriptionLengthMax bytes, no control characters.
func checkText(field, s string) error {
	if len(s) > DescriptionLengthMax {
		return coffer.Invalid(field, "%s must be at most %d bytes long", field, DescriptionLengthMax)
	}
	for _, c := range s {
		if unicode.IsControl(c) {
			return coffer.Invalid(field, "%s must not hold control characters", field)
		}
	}
	return nil
}

// parseTime reads an RFC 3339 time of a body member or query parameter.
func parseTime(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, coffer.Invalid(field, "%s %q must be a time such as \"2024-12-22T17:15:24+08:00\" (RFC 3339)", field, clip(s))
	}
	return t.UTC(), nil
}

// checkQuery refuses query parameters the route does not take, and any given twice.
func checkQuery(r *http.Request, params []string) error {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return coffer.Invalid("", "the query string cannot be read: %v", err)
	}
	for name, vs := range q {
		switch {
		case !slices.Contains(params, name):
			if len(params) == 0 {
				return coffer.Invalid(name, "this endpoint takes no query parameters; %q is not one", clip(name))
			}
			return coffer.Invalid(name, "unknown query parameter %q; this endpoint takes %s", clip(name), strings.Join(params, ", "))
		case len(vs) > 1:
			return coffer.Invalid(name, "query parameter %s is given %d times; give it once", name, len(vs))
		}
	}
	return nil
}

// clip shortens what a caller sent before it goes into a message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
