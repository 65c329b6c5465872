package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// verifyCoffer is the receiver's check that docs/WEBHOOKS.md shows; TestReceiverDoc keeps the
// two the same, and the delivery tests' receiver uses it.
func verifyCoffer(header string, body []byte, secret string, now time.Time) error {
	var stamp string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		key, value, _ := strings.Cut(part, "=")
		switch key {
		case "t":
			stamp = value
		case "v1":
			if sig, err := hex.DecodeString(value); err == nil {
				sigs = append(sigs, sig)
			}
		}
	}
	unix, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil {
		return errors.New("no timestamp")
	}
	// Refuse a delivery signed more than five minutes away from now: a replay.
	if age := now.Sub(time.Unix(unix, 0)); age > 5*time.Minute || age < -5*time.Minute {
		return errors.New("timestamp too far from now")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(stamp + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			return nil
		}
	}
	return errors.New("no signature matches")
}

// TestReceiverDoc checks that docs/WEBHOOKS.md shows verifyCoffer as it is here.
func TestReceiverDoc(t *testing.T) {
	doc, err := os.ReadFile("../docs/WEBHOOKS.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("receiver_test.go")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	start := strings.Index(s, "func verifyCoffer(")
	end := start + strings.Index(s[start:], "\n}\n") + 3
	if !strings.Contains(string(doc), s[start:end]) {
		t.Fatalf("docs/WEBHOOKS.md does not show verifyCoffer as webhook/receiver_test.go has it:\n%s", s[start:end])
	}
}
