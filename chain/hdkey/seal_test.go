package hdkey

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// lightCost keeps the tests fast; Seal's own cost is 256 times N.
var lightCost = Scrypt{N: 1 << 10, R: 8, P: 1}

var testSecret = []byte("correct horse battery staple")

// sealed returns a fresh mnemonic and its seed file, at the light cost.
func sealed(t testing.TB) (string, []byte) {
	t.Helper()
	m, err := NewMnemonic()
	if err != nil {
		t.Fatal(err)
	}
	b, err := SealCost(m, testSecret, lightCost)
	if err != nil {
		t.Fatal(err)
	}
	return m, b
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	m, b := sealed(t)
	got, err := Open(b, testSecret)
	if err != nil || got != m {
		t.Fatalf("Open: %v; the mnemonic came back the same: %v", err, got == m)
	}
	for _, w := range strings.Fields(m) {
		if bytes.Contains(b, []byte(w)) && !bytes.Contains([]byte(`"format" "coffer-seed" "version" "kdf" "scrypt" "kdfparams" "salt" "cipher" "aes-256-gcm" "nonce" "ciphertext" "checksum"`), []byte(w)) {
			t.Errorf("the seed file shows the word %q", w)
		}
	}
	var e envelope
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	if e.Format != "coffer-seed" || e.Version != 1 || e.KDF != "scrypt" || e.KDFParams != lightCost || e.Cipher != "aes-256-gcm" ||
		len(e.Salt) != 64 || len(e.Nonce) != 24 || len(e.Checksum) != 64 {
		t.Errorf("envelope: %+v", e)
	}
	// A random salt and nonce every time.
	b2, err := SealCost(m, testSecret, lightCost)
	if err != nil {
		t.Fatal(err)
	}
	var e2 envelope
	if err := json.Unmarshal(b2, &e2); err != nil {
		t.Fatal(err)
	}
	if e.Salt == e2.Salt || e.Nonce == e2.Nonce || e.Ciphertext == e2.Ciphertext {
		t.Error("two seals of one mnemonic share a salt, a nonce or a ciphertext")
	}
	// The mnemonic is kept with single spaces.
	b3, err := SealCost("  "+strings.ReplaceAll(m, " ", "\n\t"), testSecret, lightCost)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Open(b3, testSecret); err != nil || got != m {
		t.Errorf("white space: %v, same: %v", err, got == m)
	}
}

// TestSealDefaultCost seals and opens once at Seal's real cost, but not under the race detector,
// where that takes half a minute.
func TestSealDefaultCost(t *testing.T) {
	t.Parallel()
	if scryptDefault != (Scrypt{N: 1 << 18, R: 8, P: 1}) || scryptDefault.check() != nil {
		t.Fatalf("Seal's cost is %+v", scryptDefault)
	}
	if testing.Short() || raceEnabled {
		t.Skip("scrypt at N=2^18 takes a second, half a minute under the race detector")
	}
	b, err := Seal(golden, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	var e envelope
	if err := json.Unmarshal(b, &e); err != nil || e.KDFParams != (Scrypt{N: 1 << 18, R: 8, P: 1}) {
		t.Fatalf("%+v, %v", e.KDFParams, err)
	}
	if m, err := Open(b, testSecret); err != nil || m != golden {
		t.Fatalf("Open: %v", err)
	}
}

func TestOpenWrongSecret(t *testing.T) {
	t.Parallel()
	_, b := sealed(t)
	for _, secret := range [][]byte{[]byte("correct horse battery stapler"), []byte("x"), testSecret[:len(testSecret)-1]} {
		m, err := Open(b, secret)
		if !errors.Is(err, ErrWrongSecret) || m != "" {
			t.Errorf("secret %q: %q, %v", secret, m, err)
		}
		if err != nil && err.Error() != "the seed secret does not open this seed file" {
			t.Errorf("message: %v", err)
		}
	}
}

func TestSecretEmpty(t *testing.T) {
	t.Parallel()
	_, b := sealed(t)
	if _, err := SealCost(golden, nil, lightCost); !errors.Is(err, ErrSecretEmpty) {
		t.Errorf("Seal: %v", err)
	}
	if _, err := Seal(golden, []byte{}); !errors.Is(err, ErrSecretEmpty) {
		t.Errorf("Seal: %v", err)
	}
	if _, err := Open(b, nil); !errors.Is(err, ErrSecretEmpty) {
		t.Errorf("Open: %v", err)
	}
}

// TestOpenFlippedByte flips each byte of a seed file in turn: every one is refused, never read
// as another mnemonic; in the salt, the nonce, the ciphertext and the checksum, as ErrCorrupt.
func TestOpenFlippedByte(t *testing.T) {
	t.Parallel()
	m, b := sealed(t)
	var e envelope
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	type span struct{ from, to int }
	var values []span
	for _, v := range []string{e.Salt, e.Nonce, e.Ciphertext, e.Checksum} {
		i := bytes.Index(b, []byte(`"`+v+`"`))
		if i < 0 {
			t.Fatalf("%s is not in the file", v)
		}
		values = append(values, span{i + 1, i + 1 + len(v)})
	}
	for i := range b {
		for _, bit := range []byte{0x01, 0x10} {
			c := bytes.Clone(b)
			c[i] ^= bit
			got, err := Open(c, testSecret)
			if err == nil {
				t.Errorf("byte %d ^ %#x (%q): opened; same mnemonic: %v", i, bit, b[i], got == m)
				continue
			}
			if got != "" {
				t.Errorf("byte %d: an error and a mnemonic", i)
			}
			for _, s := range values {
				if s.from <= i && i < s.to && !errors.Is(err, ErrCorrupt) {
					t.Errorf("byte %d ^ %#x, in a hex value: %v; want ErrCorrupt", i, bit, err)
				}
			}
		}
	}
}

// TestOpenTruncated: a seed file cut anywhere is ErrCorrupt.
func TestOpenTruncated(t *testing.T) {
	t.Parallel()
	_, b := sealed(t)
	// The last byte is the newline after the JSON, which is no loss.
	for n := range len(b) - 1 {
		if _, err := Open(b[:n], testSecret); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("cut to %d bytes: %v", n, err)
		}
	}
	_, err := Open(b[:len(b)/2], testSecret)
	if err == nil || err.Error() != "the seed file is damaged or truncated: it ends early" {
		t.Errorf("cut in half: %v", err)
	}
	if _, err := Open(append(bytes.Clone(b), `{}`...), testSecret); !errors.Is(err, ErrCorrupt) {
		t.Errorf("something after the JSON: %v", err)
	}
}

// TestOpenRefused: files that are not seed files, or whose parameters are out of bounds, are
// refused before any KDF runs.
func TestOpenRefused(t *testing.T) {
	t.Parallel()
	_, b := sealed(t)
	var e envelope
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	// resealed returns the file with a change and a checksum that matches it.
	resealed := func(change func(*envelope)) []byte {
		c := e
		change(&c)
		ct, err := hex.DecodeString(c.Ciphertext)
		if err != nil {
			t.Fatal(err)
		}
		c.Checksum = checksum(header(&c), ct)
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "it is empty"},
		{"not JSON", []byte("hello"), "is not a seed file's JSON"},
		{"another JSON", []byte(`{"address":"0x0"}`), "is not a seed file's JSON"},
		{"another format", resealed(func(e *envelope) { e.Format = "keystore" }), `not a Coffer seed file: its format is "keystore"`},
		{"a newer version", resealed(func(e *envelope) { e.Version = 2 }), "version 2; this build of Coffer reads version 1"},
		{"another cipher", resealed(func(e *envelope) { e.Cipher = "aes-128-ctr" }), "is not scrypt and aes-256-gcm"},
		{"N not a power of 2", resealed(func(e *envelope) { e.KDFParams.N = 1000 }), "scrypt N 1000 is not a power of 2"},
		{"too much memory", resealed(func(e *envelope) { e.KDFParams.N = 1 << 30 }), "need more than 1024 MiB"},
		{"p too large", resealed(func(e *envelope) { e.KDFParams.P = 1000 }), "p 1 to 16"},
		{"short nonce", resealed(func(e *envelope) { e.Nonce = e.Nonce[:20] }), "its nonce has 10 bytes"},
		{"huge", bytes.Repeat([]byte(" "), SealedBytesMax+1), "more than 65536 bytes"},
	} {
		_, err := Open(tc.file, testSecret)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want %q", tc.name, err, tc.want)
		}
	}
	if _, err := SealCost(golden, testSecret, Scrypt{N: 1000, R: 8, P: 1}); err == nil {
		t.Error("SealCost took N=1000")
	}
	if _, err := SealCost("abandon abandon", testSecret, lightCost); !errors.Is(err, ErrMnemonic) {
		t.Errorf("Seal took a bad mnemonic: %v", err)
	}
}

// FuzzOpen: whatever the file, Open returns the sealed mnemonic or an error, never another one,
// and never panics.
func FuzzOpen(f *testing.F) {
	// The mnemonic is fixed: every fuzzing process runs this anew and must seal the same one.
	b, err := SealCost(golden, testSecret, lightCost)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"format":"coffer-seed","version":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Open(data, testSecret)
		if err == nil && got != golden {
			t.Fatalf("opened as another mnemonic")
		}
	})
}
