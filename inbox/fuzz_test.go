package inbox

import (
	"bytes"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

// FuzzOpen feeds hostile messages and signature headers to the checks every message passes
// before its command runs: they never panic, accept only an envelope with an id and a type,
// refuse with invalid or unauthorized only, accept a message signed right, and refuse it once
// a byte of it changes.
func FuzzOpen(f *testing.F) {
	f.Add([]byte(`{"id":"d1","type":"deposit","body":{"owner":"a","asset":"USD","amount":"1"}}`), "1733400000", "00")
	f.Add([]byte(`{"id":"d1","type":"capture","target":"h1"}`), "", "")
	f.Add([]byte(`{"id":"d1","id":"d2","type":"x"}`), "x", "zz")
	f.Add([]byte(`[1,2`), "-1", "")
	now := time.Unix(1733400000, 0)
	h := &handler{secret: []byte("fuzz-secret"), window: SignatureWindowDefault, bytesMax: MessageBytesMaxDefault,
		now: func() time.Time { return now }}
	unsigned := &handler{window: SignatureWindowDefault, bytesMax: MessageBytesMaxDefault, now: h.now}
	f.Fuzz(func(t *testing.T, body []byte, timestamp, signature string) {
		headers := func(ts, sig string) func(string) string {
			return func(name string) string {
				switch name {
				case HeaderTimestamp:
					return ts
				case HeaderSignature:
					return sig
				}
				return ""
			}
		}
		for _, hd := range []*handler{h, unsigned} {
			c, err := hd.open(body, headers(timestamp, signature))
			switch code := coffer.ErrorCode(err); {
			case err == nil && (c.ID == "" || c.Type == ""):
				t.Fatalf("accepted %q without an id or a type", body)
			case err != nil && code != coffer.EINVALID && code != coffer.EUNAUTHORIZED:
				t.Fatalf("refused %q with code %q: %v", body, code, err)
			}
		}
		// Signed right, the message passes the signature check whatever it is.
		ts, sig := Sign("fuzz-secret", now, body)
		_, err := h.open(body, headers(ts, sig))
		if coffer.ErrorCode(err) == coffer.EUNAUTHORIZED {
			t.Fatalf("a message signed right was refused: %v", err)
		}
		if len(body) > 0 {
			changed := bytes.Clone(body)
			changed[len(changed)/2] ^= 1
			if _, err := h.open(changed, headers(ts, sig)); coffer.ErrorCode(err) != coffer.EUNAUTHORIZED {
				t.Fatalf("a changed message passed the signature check: %v", err)
			}
		}
	})
}
