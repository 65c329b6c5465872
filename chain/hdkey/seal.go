package hdkey

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/scrypt"
)

// The seed file is a JSON envelope around the mnemonic, encrypted with AES-256-GCM under a key
// that scrypt derives from the secret:
//
//	{"format": "coffer-seed", "version": 1,
//	 "kdf": "scrypt", "kdfparams": {"n": 262144, "r": 8, "p": 1}, "salt": "<32 bytes, hex>",
//	 "cipher": "aes-256-gcm", "nonce": "<12 bytes, hex>", "ciphertext": "<hex>",
//	 "checksum": "<SHA-256, hex>"}
//
// Why this rather than go-ethereum's keystore.EncryptDataV3: the same KDF at the same cost, but
// an AEAD whose additional data is the whole header (format, version, KDF parameters, salt,
// nonce), so no field can be changed unnoticed; and a checksum (SHA-256 of the header and the
// ciphertext, no secret in it) that tells a damaged file from a wrong secret, which keystore's
// MAC cannot: both fail it alike. The checksum guards against accidents only; against tampering
// it is the AEAD that holds, and a tampered file whose checksum was fixed up reads as a wrong
// secret. A random salt and nonce per Seal make every key and nonce used once.
const (
	sealFormat  = "coffer-seed"
	sealVersion = 1
	sealKDF     = "scrypt"
	sealCipher  = "aes-256-gcm"
	saltBytes   = 32
	keyBytes    = 32 // AES-256
	gcmTagBytes = 16
)

// Limits on what Open reads, so that a file made to exhaust the machine is refused before the
// KDF runs.
const (
	// SealedBytesMax caps a seed file: a sealed 24-word mnemonic is under 1 KiB.
	SealedBytesMax = 64 << 10
	// scryptMemoryMax caps scrypt's memory (128·N·r bytes): 1 GiB, four times the default's.
	scryptMemoryMax = 1 << 30
	// scryptPMax caps scrypt's parallelism, which multiplies its time.
	scryptPMax = 16
	// plaintextBytesMax caps the mnemonic: 24 words of at most 8 letters and their spaces.
	plaintextBytesMax = 1 << 10
)

// Errors of Seal and Open. Each is wrapped with the reason where there is one.
var (
	ErrWrongSecret = errors.New("the seed secret does not open this seed file")
	ErrCorrupt     = errors.New("the seed file is damaged or truncated")
	ErrSecretEmpty = errors.New("the seed secret is empty")
)

// Scrypt is the cost of the key derivation from the secret: N (a power of 2), r and p.
type Scrypt struct {
	N int `json:"n"`
	R int `json:"r"`
	P int `json:"p"`
}

// scryptDefault is Seal's cost, go-ethereum keystore's standard (StandardScryptN/P): 256 MiB of
// memory and about a second per Seal or Open, which is what a guess at the secret costs too.
var scryptDefault = Scrypt{N: 1 << 18, R: 8, P: 1}

// check returns an error unless the cost is one scrypt takes and Open reads.
func (c Scrypt) check() error {
	switch {
	case c.N < 2 || c.N&(c.N-1) != 0:
		return fmt.Errorf("scrypt N %d is not a power of 2 above 1", c.N)
	case c.R < 1 || c.P < 1 || c.P > scryptPMax:
		return fmt.Errorf("scrypt r %d and p %d: r must be 1 or more, p 1 to %d", c.R, c.P, scryptPMax)
	case c.N > scryptMemoryMax/128/c.R:
		return fmt.Errorf("scrypt N %d and r %d need more than %d MiB", c.N, c.R, scryptMemoryMax>>20)
	}
	return nil
}

// envelope is the seed file.
type envelope struct {
	Format     string `json:"format"`
	Version    int    `json:"version"`
	KDF        string `json:"kdf"`
	KDFParams  Scrypt `json:"kdfparams"`
	Salt       string `json:"salt"`
	Cipher     string `json:"cipher"`
	Nonce      string `json:"nonce"`
	Ciphertext string `json:"ciphertext"`
	Checksum   string `json:"checksum"`
}

// header is the AEAD's additional data: every field but the ciphertext and the checksum.
func header(e *envelope) []byte {
	return fmt.Appendf(nil, "%s v%d %s n=%d r=%d p=%d salt=%s %s nonce=%s",
		e.Format, e.Version, e.KDF, e.KDFParams.N, e.KDFParams.R, e.KDFParams.P, e.Salt, e.Cipher, e.Nonce)
}

// checksum is SHA-256 of the header and the ciphertext.
func checksum(header, ciphertext []byte) string {
	h := sha256.New()
	h.Write(header)
	h.Write([]byte{0})
	h.Write(ciphertext)
	return hex.EncodeToString(h.Sum(nil))
}

// Seal encrypts a mnemonic with a secret for keeping at rest. The key is scrypt's of the secret
// at go-ethereum keystore's standard cost (N=2^18, r=8, p=1: 256 MiB of memory and about a
// second per Seal or Open, which is what each guess at the secret costs too). The
// mnemonic is checked (CheckMnemonic) and kept with single spaces between its words. The secret
// may not be empty.
func Seal(mnemonic string, secret []byte) ([]byte, error) {
	return SealCost(mnemonic, secret, scryptDefault)
}

// SealCost is Seal at another scrypt cost, which Open reads from the file. Only tests lower it
// below Seal's, to stay fast: a lower cost makes each guess at the secret cheaper.
func SealCost(mnemonic string, secret []byte, cost Scrypt) ([]byte, error) {
	if len(secret) == 0 {
		return nil, ErrSecretEmpty
	}
	if err := CheckMnemonic(mnemonic); err != nil {
		return nil, err
	}
	if err := cost.check(); err != nil {
		return nil, err
	}
	salt := make([]byte, saltBytes)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("read random salt: %w", err)
	}
	aead, err := newAEAD(secret, salt, cost)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("read random nonce: %w", err)
	}
	e := &envelope{Format: sealFormat, Version: sealVersion, KDF: sealKDF, KDFParams: cost,
		Salt: hex.EncodeToString(salt), Cipher: sealCipher, Nonce: hex.EncodeToString(nonce)}
	plaintext := []byte(normalizeMnemonic(mnemonic))
	defer clear(plaintext)
	h := header(e)
	ciphertext := aead.Seal(nil, nonce, plaintext, h)
	e.Ciphertext = hex.EncodeToString(ciphertext)
	e.Checksum = checksum(h, ciphertext)
	out, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode seed file: %w", err)
	}
	return append(out, '\n'), nil
}

// Open decrypts what Seal sealed and returns the mnemonic. A wrong secret is ErrWrongSecret; a
// file damaged or cut short is ErrCorrupt; either way no mnemonic is returned, never a wrong one.
// An empty secret is ErrSecretEmpty.
func Open(sealed []byte, secret []byte) (string, error) {
	if len(secret) == 0 {
		return "", ErrSecretEmpty
	}
	e, ciphertext, err := decodeEnvelope(sealed)
	if err != nil {
		return "", err
	}
	salt, _ := hex.DecodeString(e.Salt)
	nonce, _ := hex.DecodeString(e.Nonce)
	aead, err := newAEAD(secret, salt, e.KDFParams)
	if err != nil {
		return "", err
	}
	if len(nonce) != aead.NonceSize() {
		return "", fmt.Errorf("%w: the nonce has %d bytes, not %d", ErrCorrupt, len(nonce), aead.NonceSize())
	}
	plaintext, err := aead.Open(nil, nonce, ciphertext, header(e))
	if err != nil {
		// The checksum matched, so the file is as Seal wrote it: the key is wrong.
		return "", ErrWrongSecret
	}
	defer clear(plaintext)
	if CheckMnemonic(string(plaintext)) != nil {
		return "", fmt.Errorf("%w: it holds no valid mnemonic", ErrCorrupt)
	}
	return string(plaintext), nil
}

// decodeEnvelope reads and checks a seed file's JSON, up to its checksum, and returns it with its
// ciphertext. It runs no KDF, so it is cheap whatever it is given.
func decodeEnvelope(sealed []byte) (*envelope, []byte, error) {
	if len(sealed) == 0 {
		return nil, nil, fmt.Errorf("%w: it is empty", ErrCorrupt)
	}
	if len(sealed) > SealedBytesMax {
		return nil, nil, fmt.Errorf("%w: it has more than %d bytes", ErrCorrupt, SealedBytesMax)
	}
	var e envelope
	dec := json.NewDecoder(bytes.NewReader(sealed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, nil, fmt.Errorf("%w: it ends early", ErrCorrupt)
		}
		// The JSON error may quote a character of the file: a ciphertext's, never a secret's.
		return nil, nil, fmt.Errorf("%w: it is not a seed file's JSON: %v", ErrCorrupt, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, fmt.Errorf("%w: something follows its JSON", ErrCorrupt)
	}
	switch {
	case e.Format != sealFormat:
		return nil, nil, fmt.Errorf("not a Coffer seed file: its format is %q, not %q", e.Format, sealFormat)
	case e.Version != sealVersion:
		return nil, nil, fmt.Errorf("the seed file is of version %d; this build of Coffer reads version %d", e.Version, sealVersion)
	case e.KDF != sealKDF || e.Cipher != sealCipher:
		return nil, nil, fmt.Errorf("%w: its kdf %q or cipher %q is not %s and %s", ErrCorrupt, e.KDF, e.Cipher, sealKDF, sealCipher)
	}
	if err := e.KDFParams.check(); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	var ciphertext []byte
	for _, f := range []struct {
		name  string
		value string
		to    *[]byte
		min   int
		max   int
	}{
		{"salt", e.Salt, nil, 16, 64},
		{"nonce", e.Nonce, nil, 12, 12},
		{"ciphertext", e.Ciphertext, &ciphertext, gcmTagBytes + 1, plaintextBytesMax + gcmTagBytes},
		{"checksum", e.Checksum, nil, sha256.Size, sha256.Size},
	} {
		b, err := hex.DecodeString(f.value)
		switch {
		case err != nil:
			return nil, nil, fmt.Errorf("%w: its %s is not hexadecimal", ErrCorrupt, f.name)
		case len(b) < f.min || len(b) > f.max:
			return nil, nil, fmt.Errorf("%w: its %s has %d bytes", ErrCorrupt, f.name, len(b))
		}
		if f.to != nil {
			*f.to = b
		}
	}
	if checksum(header(&e), ciphertext) != e.Checksum {
		return nil, nil, fmt.Errorf("%w: its checksum does not match its contents", ErrCorrupt)
	}
	return &e, ciphertext, nil
}

// newAEAD derives the key from the secret and returns AES-256-GCM under it.
func newAEAD(secret, salt []byte, cost Scrypt) (cipher.AEAD, error) {
	key, err := scrypt.Key(secret, salt, cost.N, cost.R, cost.P, keyBytes)
	if err != nil {
		return nil, fmt.Errorf("derive the seed key: %w", err)
	}
	defer clear(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seed cipher: %w", err)
	}
	return cipher.NewGCM(block)
}
