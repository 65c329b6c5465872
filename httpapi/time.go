package httpapi

import (
	"time"

	"github.com/cofferhq/coffer/client"
)

// apiTime is t as the API writes it (client.Time: UTC, six decimals of the second).
func apiTime(t time.Time) client.Time { return client.Time{Time: t.UTC()} }

func apiTimePtr(t *time.Time) *client.Time {
	if t == nil {
		return nil
	}
	v := apiTime(*t)
	return &v
}
