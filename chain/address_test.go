package chain

import (
	"strings"
	"testing"
	"unicode"

	"github.com/ethereum/go-ethereum/common"
)

// Addresses of EIP-55's own examples: one in mixed case, and two whose checksum happens to
// leave every letter in one case.
const (
	checksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
	allUpper    = "0x52908400098527886E0F7030069857D2E4169EE7"
	allLower    = "0xde709f2102306220921060314715629080e2fb77"
)

func TestParseAddress(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		want     string // the address's Hex, or "" when it is refused
		err      string // a part of the error
	}{
		{"lowercase", strings.ToLower(checksummed), checksummed, ""},
		{"uppercase", "0x" + strings.ToUpper(checksummed[2:]), checksummed, ""},
		{"EIP-55's all-lowercase example", allLower, allLower, ""},
		{"EIP-55's all-uppercase example", allUpper, allUpper, ""},
		{"valid mixed case", checksummed, checksummed, ""},
		{"valid mixed case 2", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", ""},
		{"digits only", "0x0000000000000000000000000000000000000000", "0x0000000000000000000000000000000000000000", ""},
		{"one letter's case flipped", "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "", "has a wrong EIP-55 checksum: "},
		{"39 hex digits", checksummed[:41], "", "has 39 hex digits after 0x; an address has 40"},
		{"41 hex digits", checksummed + "0", "", "has 41 hex digits after 0x; an address has 40"},
		{"no 0x", checksummed[2:], "", "does not start with 0x"},
		{"0X", "0X" + checksummed[2:], "", "does not start with 0x"},
		{"not hex", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg", "", "is not hexadecimal"},
		{"spaces", " " + checksummed, "", "does not start with 0x"},
		{"empty", "", "", "address is empty"},
		{"long input quoted short", "0x" + strings.Repeat("a", 10000), "", `"... has 10000 hex digits`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ParseAddress(tc.in)
			if tc.want != "" {
				if err != nil || a.Hex() != tc.want {
					t.Fatalf("ParseAddress(%q) = %s, %v; want %s", tc.in, a.Hex(), err, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("ParseAddress(%q) = %s, %v; want an error with %q", tc.in, a.Hex(), err, tc.err)
			}
			if len(err.Error()) > 300 {
				t.Errorf("the error quotes too much: %d bytes", len(err.Error()))
			}
		})
	}
}

// TestParseAddressEveryCaseFlip flips the case of each letter of a checksummed address in turn:
// every one is refused.
func TestParseAddressEveryCaseFlip(t *testing.T) {
	t.Parallel()
	for i, r := range checksummed {
		if i < 2 || !unicode.IsLetter(r) {
			continue
		}
		b := []byte(checksummed)
		b[i] ^= 0x20
		if a, err := ParseAddress(string(b)); err == nil || !strings.Contains(err.Error(), "wrong EIP-55 checksum") {
			t.Errorf("%s (letter %d flipped): %s, %v", b, i, a.Hex(), err)
		}
	}
}

// FuzzParseAddress: whatever the input, an address read is the input up to case, and its Hex
// reads back to itself.
func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{checksummed, allUpper, allLower, "0x", "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddress(s)
		if err != nil {
			if a != (common.Address{}) {
				t.Fatalf("%q: an error and an address %s", s, a.Hex())
			}
			return
		}
		if !strings.EqualFold(a.Hex(), s) {
			t.Fatalf("%q read as %s", s, a.Hex())
		}
		if b, err := ParseAddress(a.Hex()); err != nil || b != a {
			t.Fatalf("%s does not read back: %s, %v", a.Hex(), b.Hex(), err)
		}
	})
}
