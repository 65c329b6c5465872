package paymentqueue

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/cofferhq/coffer"
)

// The members of a request the signature treats apart.
const (
	memberSign      = "sign"
	memberTimestamp = "timestamp"
)

// Canonical returns the text a request's sign is the HMAC of: every member of the JSON object
// but sign, sorted by name (bytewise), each written name=value and joined by "&". A string's
// value is its text (unescaped); a number's is its literal exactly as the message has it
// ("100.50" stays "100.50"); true and false are those words. A message that is not a flat
// object of strings, numbers and booleans has no canonical form. docs/PAYMENT_QUEUE.md
// describes it for senders.
func Canonical(msg []byte) (string, error) {
	members, err := flatMembers(msg)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, name := range sortedNames(members) {
		if name == memberSign {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(members[name])
	}
	return b.String(), nil
}

// Sign returns the hex HMAC-SHA256 of canonical under key: the sign a sender puts in its
// message.
func Sign(key []byte, canonical string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(canonical))
	return hex.EncodeToString(m.Sum(nil))
}

// SignMessage returns msg, a JSON object without a sign member, with the sign of its canonical
// form added: what a sender does before it publishes. Tests and the benchmark send with it.
func SignMessage(key []byte, msg []byte) ([]byte, error) {
	c, err := Canonical(msg)
	if err != nil {
		return nil, err
	}
	msg = bytes.TrimSpace(msg)
	if len(msg) < 2 || msg[len(msg)-1] != '}' {
		return nil, fmt.Errorf("a message is a JSON object")
	}
	sep := ","
	if bytes.Equal(bytes.TrimSpace(msg[1:len(msg)-1]), nil) {
		sep = ""
	}
	out := append([]byte{}, msg[:len(msg)-1]...)
	out = append(out, sep+`"sign":"`+Sign(key, c)+`"}`...)
	return out, nil
}

// verify checks a request's sign and timestamp: the sign must be the HMAC of the canonical
// form under key (hex, either case) and the timestamp (unix seconds) within window of now.
// Its errors are *coffer.Error, code unauthorized, naming what is wrong.
func verify(key []byte, msg []byte, now time.Time, window time.Duration) error {
	members, err := flatMembers(msg)
	if err != nil {
		return err
	}
	sign, ok := members[memberSign]
	if !ok || sign == "" {
		return coffer.Errorf(coffer.EUNAUTHORIZED, "the message has no sign; every request is signed (docs/PAYMENT_QUEUE.md)")
	}
	ts, ok := members[memberTimestamp]
	if !ok {
		return coffer.Errorf(coffer.EUNAUTHORIZED, "the message has no timestamp; a signed request carries the unix time it was signed at")
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return coffer.Errorf(coffer.EUNAUTHORIZED, "timestamp %q is not a whole number of seconds since 1970", clip(ts))
	}
	if d := now.Sub(time.Unix(secs, 0)); d > window || d < -window {
		return coffer.Errorf(coffer.EUNAUTHORIZED, "timestamp %d is %s from this server's clock; at most %s is accepted",
			secs, d.Abs().Round(time.Second), window)
	}
	c, err := Canonical(msg)
	if err != nil {
		return err
	}
	got, err := hex.DecodeString(sign)
	if err != nil || !hmac.Equal(got, mustHex(Sign(key, c))) {
		return coffer.Errorf(coffer.EUNAUTHORIZED, "the sign does not match the message: it must be the hex HMAC-SHA256, under the shared key, of the message's canonical form")
	}
	return nil
}

func sortedNames(m map[string]string) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func mustHex(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}

// flatMembers reads a flat JSON object's members as the canonical form writes them. Duplicate
// names and invalid UTF-8 are refused by the reader.
func flatMembers(msg []byte) (map[string]string, error) {
	var raw map[string]jsontext.Value
	if err := json.Unmarshal(msg, &raw); err != nil {
		return nil, coffer.Errorf(coffer.EINVALID, "the message is not a JSON object: %v", err)
	}
	out := make(map[string]string, len(raw))
	for name, v := range raw {
		switch v.Kind() {
		case '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, coffer.Invalid(name, "%s: %v", name, err)
			}
			out[name] = s
		case '0', 't', 'f':
			out[name] = string(v)
		default:
			return nil, coffer.Invalid(name, "%s is %s; a request's members are strings, numbers and booleans", name, kindName(v.Kind()))
		}
	}
	return out, nil
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "of another kind"
}

// clip cuts s for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
