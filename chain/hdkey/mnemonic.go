package hdkey

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/tyler-smith/go-bip39"
)

// MnemonicEntropyBits is the entropy of the mnemonics NewMnemonic makes: 256 bits, 24 words.
const MnemonicEntropyBits = 256

// ErrMnemonic is the error of every mnemonic refused: wrong word count, unknown word or wrong
// checksum. Its messages never quote the mnemonic or a word of it, since an error may reach a log.
var ErrMnemonic = errors.New("not a BIP39 mnemonic")

// NewMnemonic returns a new 24-word BIP39 mnemonic (English words) of 256 bits from crypto/rand.
func NewMnemonic() (string, error) {
	entropy := make([]byte, MnemonicEntropyBits/8)
	defer clear(entropy)
	if _, err := rand.Read(entropy); err != nil {
		return "", fmt.Errorf("read random entropy: %w", err)
	}
	m, err := bip39.NewMnemonic(entropy)
	if err != nil {
		return "", fmt.Errorf("make mnemonic: %w", err)
	}
	return m, nil
}

// CheckMnemonic returns nil if m is a BIP39 mnemonic of the English word list: 12, 15, 18, 21
// or 24 lowercase words, separated by any white space, whose checksum is right. Otherwise it
// returns an ErrMnemonic that says what is wrong (how many words, which word by position, or
// the checksum) without quoting the mnemonic or any word of it.
func CheckMnemonic(m string) error {
	words := strings.Fields(m)
	switch len(words) {
	case 12, 15, 18, 21, 24:
	default:
		return fmt.Errorf("%w: it has %d words; a BIP39 mnemonic has 12, 15, 18, 21 or 24", ErrMnemonic, len(words))
	}
	for i, w := range words {
		if _, ok := bip39.GetWordIndex(w); !ok {
			return fmt.Errorf("%w: word %d is not in the BIP39 English word list (lowercase)", ErrMnemonic, i+1)
		}
	}
	// bip39's own errors may quote a word: only its checksum error is passed on, in words of ours.
	entropy, err := bip39.EntropyFromMnemonic(strings.Join(words, " "))
	clear(entropy)
	switch {
	case errors.Is(err, bip39.ErrChecksumIncorrect):
		return fmt.Errorf("%w: its checksum is wrong; a word is mistyped, missing or out of order", ErrMnemonic)
	case err != nil:
		return ErrMnemonic
	}
	return nil
}

// normalizeMnemonic returns m's words separated by single spaces: the form BIP39 derives the
// seed from, and the form Seal keeps.
func normalizeMnemonic(m string) string {
	return strings.Join(strings.Fields(m), " ")
}
