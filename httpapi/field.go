package httpapi

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/strict"
)

// The checks of request fields. Each error names its field in the message and in param.

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
		return coffer.Invalid(field, "%s is required", field)
	case len(id) > coffer.IDLengthMax:
		return coffer.Invalid(field, "%s must be at most %d bytes long", field, coffer.IDLengthMax)
	case !printableNoSpace(id):
		return coffer.Invalid(field, "%s %q must be printable characters without spaces", field, id)
	case strings.Contains(id, coffer.DerivedSep):
		return coffer.Invalid(field, "%s %q must not contain '%s': it is reserved for the ids Coffer derives", field, id, coffer.DerivedSep)
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
		return coffer.Invalid(field, "%s is required", field)
	}
	if err := coffer.ValidateOwner(owner); err != nil {
		return coffer.Invalid(field, "%s", renamed(coffer.ErrorMessage(err), "owner", field))
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
		return coffer.Invalid(field, "%s must be at most %d bytes long", field, textLengthMax)
	case !utf8.ValidString(s):
		return coffer.Invalid(field, "%s must be valid UTF-8", field)
	}
	return nil
}

// checkRequiredText is checkText for text that must be there.
func checkRequiredText(field, s string) error {
	if strings.TrimSpace(s) == "" {
		return coffer.Invalid(field, "%s is required", field)
	}
	return checkText(field, s)
}

// checkMetadata checks metadata against the ledger's limits.
func checkMetadata(md map[string]string) error {
	if len(md) > coffer.MetadataKeysMax {
		return coffer.Invalid("metadata", "metadata has %d keys; at most %d are allowed", len(md), coffer.MetadataKeysMax)
	}
	for k, v := range md {
		switch {
		case k == "" || len(k) > textLengthMax || !utf8.ValidString(k):
			return coffer.Invalid("metadata", "metadata keys must be 1 to %d bytes of UTF-8", textLengthMax)
		case len(v) > coffer.MetadataValueMax || !utf8.ValidString(v):
			return coffer.Invalid(strict.Member("metadata", k), "metadata value of %q must be at most %d bytes of UTF-8", k, coffer.MetadataValueMax)
		}
	}
	return nil
}

// checkTimeout checks timeout_seconds and returns it as a duration; 0 is no timeout.
func checkTimeout(seconds int64) (time.Duration, error) {
	if seconds < 0 || seconds > TimeoutSecondsMax {
		return 0, coffer.Invalid("timeout_seconds", "timeout_seconds must be between 0 (no timeout) and %d", TimeoutSecondsMax)
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

// parseAmount parses a decimal string in major units at the scale. No amount of the API is
// negative, so a sign is refused before parsing: "-0" and "-0.00" are zero to ParseAmount, but a
// reader who sees the sign may take them for something else.
func parseAmount(field, s string, scale int, rule amountRule) (coffer.Amount, error) {
	if s == "" {
		if rule == positive {
			return coffer.Amount{}, coffer.Invalid(field, "%s is required", field)
		}
		return coffer.Amount{}, nil
	}
	if strings.HasPrefix(s, "-") {
		return coffer.Amount{}, coffer.Invalid(field, "%s must not be negative or carry a sign, got %q", field, s)
	}
	a, err := coffer.ParseAmount(s, scale)
	if err != nil {
		return coffer.Amount{}, coffer.Invalid(field, "%s", renamed(err.Error(), "amount", field))
	}
	switch {
	case a.IsZero() && rule == positive:
		return coffer.Amount{}, coffer.Invalid(field, "%s must be greater than zero", field)
	case a.IsZero() && rule == optionalPositive:
		return coffer.Amount{}, coffer.Invalid(field, "%s must be greater than zero; leave it out for the whole amount", field)
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
