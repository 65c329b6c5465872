// Package chain holds what Coffer's EVM chain code shares: for now, reading an address.
package chain

import (
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common"
)

// addressQuotedMax caps how much of a refused address an error quotes: the input may be
// anything, of any length.
const addressQuotedMax = 48

// ParseAddress reads an EVM address: 0x and 40 hexadecimal digits, all lowercase, all
// uppercase, or in the mixed case of EIP-55, whose checksum must then be right. A mixed-case
// address with a wrong checksum is refused rather than read, since the likeliest cause is a
// mistyped digit, and money sent there would be lost. Addresses are shown with
// common.Address.Hex, which writes the checksum. The errors are sentences fit to show to the
// caller.
func ParseAddress(s string) (common.Address, error) {
	digits, ok := strings.CutPrefix(s, "0x")
	switch {
	case s == "":
		return common.Address{}, fmt.Errorf("address is empty")
	case !ok:
		return common.Address{}, fmt.Errorf("address %s does not start with 0x", quote(s))
	case len(digits) != 2*common.AddressLength:
		return common.Address{}, fmt.Errorf("address %s has %d hex digits after 0x; an address has %d", quote(s), len(digits), 2*common.AddressLength)
	case !isHex(digits):
		return common.Address{}, fmt.Errorf("address %s is not hexadecimal", quote(s))
	}
	m, err := common.NewMixedcaseAddressFromString(s)
	if err != nil { // unreachable after the checks above; kept in case common's rules change
		return common.Address{}, fmt.Errorf("address %s: %w", quote(s), err)
	}
	if digits != strings.ToLower(digits) && digits != strings.ToUpper(digits) && !m.ValidChecksum() {
		return common.Address{}, fmt.Errorf("address %s has a wrong EIP-55 checksum: the case of its letters does not match its digits, so one may be mistyped; copy it again from its source", quote(s))
	}
	return m.Address(), nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// quote quotes s for an error, cut to addressQuotedMax bytes.
func quote(s string) string {
	if len(s) > addressQuotedMax {
		return fmt.Sprintf("%q...", s[:addressQuotedMax])
	}
	return fmt.Sprintf("%q", s)
}
