package inbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/cofferhq/coffer"
)

// Sign returns the headers that sign a message's body under secret at time t: HeaderTimestamp
// and HeaderSignature, as a sender sets them and as the consumers check them.
func Sign(secret string, t time.Time, body []byte) (timestamp, signature string) {
	timestamp = strconv.FormatInt(t.Unix(), 10)
	return timestamp, hex.EncodeToString(mac([]byte(secret), timestamp, body))
}

// mac is the HMAC-SHA256 under secret of "<timestamp>.<body>".
func mac(secret []byte, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// verify checks a message's signature headers against its body: the signature must match, in
// constant time, and the timestamp must be within the window of the clock. Every error is
// unauthorized and says what is wrong, never what the signature should have been.
func (h *handler) verify(body []byte, timestamp, signature string) error {
	if timestamp == "" || signature == "" {
		return coffer.Errorf(coffer.EUNAUTHORIZED, "the message is not signed: it needs the headers %s (unix seconds) and %s (hex HMAC-SHA256 of \"<timestamp>.<body>\" under the shared secret)",
			HeaderTimestamp, HeaderSignature)
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return coffer.Errorf(coffer.EUNAUTHORIZED, "the message's %s %q is not a unix time in seconds", HeaderTimestamp, timestamp)
	}
	got, err := hex.DecodeString(signature)
	if err != nil || !hmac.Equal(got, mac(h.secret, timestamp, body)) {
		return coffer.Errorf(coffer.EUNAUTHORIZED, "the message's %s does not match its body and timestamp under the shared secret", HeaderSignature)
	}
	// Checked after the signature, so that only a signer's timestamp is trusted to say so.
	age := h.now().Sub(time.Unix(sec, 0))
	if age > h.window || age < -h.window {
		return coffer.Errorf(coffer.EUNAUTHORIZED, "the message was signed at %s, more than %s from now (%s); it may be a replay",
			time.Unix(sec, 0).UTC().Format(time.RFC3339), h.window, h.now().UTC().Format(time.RFC3339))
	}
	return nil
}
