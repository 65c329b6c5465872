package paymentqueue

import (
	"testing"
	"time"
)

// FuzzVerify reads hostile request bodies: the canonical form and the signature check never
// panic, and a message signed by SignMessage verifies.
func FuzzVerify(f *testing.F) {
	for _, s := range []string{`{}`, `{"queue_id":"w1","amount":50.0,"timestamp":1}`, `{"a":"\u00e9","b":-0.0e5,"c":true}`,
		`{"a":null}`, `{"a":{}}`, `[1]`, `{"a":"x","a":"y"}`, "{\"a\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	key := []byte("k")
	now := time.Unix(1_758_610_297, 0)
	f.Fuzz(func(t *testing.T, msg []byte) {
		_ = verify(key, msg, now, time.Minute)
		if _, err := Canonical(msg); err != nil {
			return
		}
		members, _ := flatMembers(msg)
		if _, has := members[memberSign]; has {
			return
		}
		if _, has := members[memberTimestamp]; has {
			return
		}
		stamped := append([]byte(`{"timestamp":1758610297,`), msg[1:]...)
		if len(members) == 0 {
			stamped = []byte(`{"timestamp":1758610297}`)
		}
		signed, err := SignMessage(key, stamped)
		if err != nil {
			return
		}
		if err := verify(key, signed, now, time.Minute); err != nil {
			t.Fatalf("%s signed as %s does not verify: %v", stamped, signed, err)
		}
	})
}
