package hdkey

import (
	"errors"
	"strings"
	"testing"
	"unicode"
)

func TestNewMnemonic(t *testing.T) {
	t.Parallel()
	a, err := NewMnemonic()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewMnemonic()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Fields(a)); n != 24 || a != normalizeMnemonic(a) {
		t.Errorf("%d words, or not single spaces", n)
	}
	if err := CheckMnemonic(a); err != nil {
		t.Error(err)
	}
	if a == b {
		t.Error("two new mnemonics are the same")
	}
}

// checkMnemonicVocabulary is every word CheckMnemonic's errors are made of, numbers aside.
var checkMnemonicVocabulary = map[string]bool{}

func init() {
	for _, w := range strings.Fields("not a bip39 mnemonic it has words or word is in the english list " +
		"lowercase its checksum wrong mistyped missing out of order") {
		checkMnemonicVocabulary[w] = true
	}
}

// TestCheckMnemonic: each mistake has its own clear error, and no error holds a word of its
// input.
func TestCheckMnemonic(t *testing.T) {
	t.Parallel()
	words := strings.Fields(golden)
	// A fixed 24-word mnemonic (BIP39's published vector for entropy f585c11a…), so that the
	// swapped one below is wrong every run: a random one's swap keeps its 8-bit checksum by
	// chance once in 256.
	fresh := "void come effort suffer camp survey warrior heavy shoot primary clutch crush " +
		"open amazing screen patrol group space point ten exist slush involve unfold"
	freshWords := strings.Fields(fresh)
	swapped := strings.Join(append([]string{freshWords[1], freshWords[0]}, freshWords[2:]...), " ")
	for _, tc := range []struct {
		name, in string
		want     string // "" for valid
	}{
		{"12 words", golden, ""},
		{"24 words", fresh, ""},
		{"extra white space", "\t" + strings.Join(freshWords, "   ") + "\n", ""},
		{"11 words", strings.Join(words[:11], " "), "it has 11 words; a BIP39 mnemonic has 12, 15, 18, 21 or 24"},
		{"25 words", fresh + " abandon", "it has 25 words"},
		{"empty", "", "it has 0 words"},
		{"unknown word", strings.Join(append(freshWords[:23:23], "zzyzx"), " "), "word 24 is not in the BIP39 English word list"},
		{"capitalized word", "Abandon " + strings.Join(words[1:], " "), "word 1 is not in the BIP39 English word list"},
		{"bad checksum", strings.Repeat("abandon ", 11) + "abandon", "its checksum is wrong"},
		{"two words swapped", swapped, "its checksum is wrong"},
	} {
		err := CheckMnemonic(tc.in)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if !errors.Is(err, ErrMnemonic) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want ErrMnemonic with %q", tc.name, err, tc.want)
			continue
		}
		// Every word of the error is one of CheckMnemonic's own: none comes from the input.
		for _, w := range strings.FieldsFunc(strings.ToLower(err.Error()), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}) {
			if !checkMnemonicVocabulary[w] && strings.Trim(w, "0123456789") != "" {
				t.Errorf("%s: the error %q has the word %q, which is not CheckMnemonic's", tc.name, err, w)
			}
		}
	}
}
