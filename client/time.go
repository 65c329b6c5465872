package client

import (
	"encoding/json"
	"time"
)

// Time is a time as the API writes it: RFC 3339 in UTC with exactly six decimals of the second,
// the precision the store keeps ("2025-03-01T12:00:00.000000Z"). A fixed width keeps answers
// byte-identical and lets times sort as strings.
type Time struct {
	time.Time
}

const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

// MarshalJSON writes the time in UTC with six decimals.
func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format(timeLayout) + `"`), nil
}

// UnmarshalJSON reads any RFC 3339 time.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}
