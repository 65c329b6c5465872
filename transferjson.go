package coffer

import (
	"encoding/json"
	"errors"
	"slices"
	"time"
)

// AppendJSON appends t encoded as JSON: the same bytes encoding/json.Marshal writes for it.
// The write path encodes every transfer it changes twice, for its event and for its operation's
// recorded result, and encoding/json's reflection was a third of the CPU of applying a batch in
// memory. It fails only where json.Marshal fails: a time that RFC 3339 cannot write.
func (t *Transfer) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, t.ID)
	b = append(b, `,"debit_account_id":`...)
	b = appendJSONString(b, t.DebitAccountID)
	b = append(b, `,"credit_account_id":`...)
	b = appendJSONString(b, t.CreditAccountID)
	b = append(b, `,"asset":`...)
	b = appendJSONString(b, t.Asset)
	b = append(b, `,"amount":`...)
	b = appendJSONAmount(b, t.Amount)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, string(t.Type))
	b = append(b, `,"state":`...)
	b = appendJSONString(b, string(t.State))
	if t.Pending {
		b = append(b, `,"pending":true`...)
	}
	b = append(b, `,"posted_amount":`...)
	b = appendJSONAmount(b, t.PostedAmount)
	var err error
	if t.ExpiresAt != nil {
		b = append(b, `,"expires_at":`...)
		if b, err = appendJSONTime(b, *t.ExpiresAt); err != nil {
			return b, err
		}
	}
	b = append(b, `,"refunded":`...)
	b = appendJSONAmount(b, t.Refunded)
	if t.Group != "" {
		b = append(b, `,"group":`...)
		b = appendJSONString(b, t.Group)
	}
	if t.Reference != "" {
		b = append(b, `,"reference":`...)
		b = appendJSONString(b, t.Reference)
	}
	if len(t.Metadata) > 0 {
		b = append(b, `,"metadata":{`...)
		keys := make([]string, 0, len(t.Metadata))
		for k := range t.Metadata {
			keys = append(keys, k)
		}
		slices.Sort(keys) // as encoding/json orders a map's keys
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, t.Metadata[k])
		}
		b = append(b, '}')
	}
	b = append(b, `,"created_at":`...)
	if b, err = appendJSONTime(b, t.CreatedAt); err != nil {
		return b, err
	}
	if t.ResolvedAt != nil {
		b = append(b, `,"resolved_at":`...)
		if b, err = appendJSONTime(b, *t.ResolvedAt); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// appendJSONString appends s as encoding/json writes a string. Ids, types and states are plain
// printable ASCII, which is copied as it is; anything else goes through encoding/json itself,
// so its escaping (HTML characters, invalid UTF-8, U+2028) is matched exactly.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONAmount appends a as its MarshalText does within JSON: minor units in a string.
func appendJSONAmount(b []byte, a Amount) []byte {
	b = append(b, '"')
	b = a.appendMinor(b)
	return append(b, '"')
}

var errJSONTime = errors.New("time not representable in RFC 3339: year outside 0 to 9999 or zone offset of a day or more")

// appendJSONTime appends tm as time.Time's MarshalJSON does: RFC 3339 with the nanoseconds that
// are not zero, and an error where MarshalJSON fails.
func appendJSONTime(b []byte, tm time.Time) ([]byte, error) {
	if y := tm.Year(); y < 0 || y > 9999 {
		return b, errJSONTime
	}
	if _, off := tm.Zone(); off <= -24*60*60 || off >= 24*60*60 {
		return b, errJSONTime
	}
	b = append(b, '"')
	b = tm.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}
