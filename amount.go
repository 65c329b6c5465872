package coffer

import (
	"errors"
	"fmt"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
)

// Amount is an exact signed integer number of an asset's minor unit (cents for USD/2, wei for
// ETH/18). It holds 128 bits in two's complement and every operation that Coffer uses keeps it
// within [-MaxAmount, MaxAmount], so negation never overflows. The zero value is zero.
//
// Amounts never pass through a float. At the edges they are decimal strings: Format and
// ParseAmount speak in major units with the asset's scale, String and ParseMinor in minor units.
type Amount struct {
	hi, lo uint64
}

// MaxAmount is 2^127-1, the largest amount, balance or running total Coffer accepts.
var MaxAmount = Amount{hi: 1<<63 - 1, lo: 1<<64 - 1}

// ScaleMax is the largest number of decimals an asset may have. 2^127-1 has 39 digits, so an asset
// of scale 30 still has room for a billion whole units.
const ScaleMax = 30

var errAmountSyntax = errors.New("not a decimal number")

// AmountFromInt64 returns v as an Amount.
func AmountFromInt64(v int64) Amount {
	a := Amount{lo: uint64(v)}
	if v < 0 {
		a.hi = 1<<64 - 1
	}
	return a
}

// Sign returns -1, 0 or 1.
func (a Amount) Sign() int {
	switch {
	case a.hi>>63 == 1:
		return -1
	case a.hi == 0 && a.lo == 0:
		return 0
	}
	return 1
}

// IsZero reports whether a is zero.
func (a Amount) IsZero() bool { return a.hi == 0 && a.lo == 0 }

// Neg returns -a.
func (a Amount) Neg() Amount {
	lo, borrow := bits.Sub64(0, a.lo, 0)
	hi, _ := bits.Sub64(0, a.hi, borrow)
	return Amount{hi: hi, lo: lo}
}

// Abs returns |a|.
func (a Amount) Abs() Amount {
	if a.Sign() < 0 {
		return a.Neg()
	}
	return a
}

// Add returns a+b and whether the result stays within [-MaxAmount, MaxAmount].
func (a Amount) Add(b Amount) (Amount, bool) {
	lo, carry := bits.Add64(a.lo, b.lo, 0)
	hi, _ := bits.Add64(a.hi, b.hi, carry)
	r := Amount{hi: hi, lo: lo}
	// Signed overflow: both operands have the same sign and the result's sign differs.
	if a.hi>>63 == b.hi>>63 && r.hi>>63 != a.hi>>63 {
		return Amount{}, false
	}
	return r, r.inRange()
}

// Sub returns a-b and whether the result stays within [-MaxAmount, MaxAmount].
func (a Amount) Sub(b Amount) (Amount, bool) {
	return a.Add(b.Neg())
}

// inRange excludes -2^127, the one two's complement value without a positive twin.
func (a Amount) inRange() bool { return !(a.hi == 1<<63 && a.lo == 0) }

// Cmp returns -1, 0 or 1 as a is less than, equal to or greater than b.
func (a Amount) Cmp(b Amount) int {
	ah, bh := int64(a.hi), int64(b.hi)
	switch {
	case ah < bh:
		return -1
	case ah > bh:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

// fitsInt64 reports whether a is representable as an int64.
func (a Amount) fitsInt64() bool {
	return (a.hi == 0 && a.lo>>63 == 0) || (a.hi == 1<<64-1 && a.lo>>63 == 1)
}

// Int64 returns a as an int64 and whether it fits.
func (a Amount) Int64() (int64, bool) { return int64(a.lo), a.fitsInt64() }

// Big returns a as a new big.Int.
func (a Amount) Big() *big.Int {
	if a.fitsInt64() {
		return big.NewInt(int64(a.lo))
	}
	m := a.Abs()
	b := new(big.Int).SetUint64(m.hi)
	b.Lsh(b, 64)
	b.Or(b, new(big.Int).SetUint64(m.lo))
	if a.Sign() < 0 {
		b.Neg(b)
	}
	return b
}

var bigMax = MaxAmount.Big()

// AmountFromBig returns b as an Amount and whether it lies within [-MaxAmount, MaxAmount].
func AmountFromBig(b *big.Int) (Amount, bool) {
	if b.IsInt64() {
		return AmountFromInt64(b.Int64()), true
	}
	if new(big.Int).Abs(b).Cmp(bigMax) > 0 {
		return Amount{}, false
	}
	m := new(big.Int).Abs(b)
	lo := new(big.Int).And(m, new(big.Int).SetUint64(1<<64-1)).Uint64()
	hi := new(big.Int).Rsh(m, 64).Uint64()
	a := Amount{hi: hi, lo: lo}
	if b.Sign() < 0 {
		a = a.Neg()
	}
	return a, true
}

// String returns a in minor units as a plain decimal integer, "-" before negatives.
func (a Amount) String() string {
	if a.fitsInt64() {
		return strconv.FormatInt(int64(a.lo), 10)
	}
	return a.Big().String()
}

// appendMinor appends a as String writes it.
func (a Amount) appendMinor(b []byte) []byte {
	if a.fitsInt64() {
		return strconv.AppendInt(b, int64(a.lo), 10)
	}
	return a.Big().Append(b, 10)
}

// ParseMinor parses a plain decimal integer of minor units, as String writes it.
func ParseMinor(s string) (Amount, error) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return AmountFromInt64(v), nil
	}
	body := strings.TrimPrefix(s, "-")
	if body == "" || strings.TrimLeft(body, "0123456789") != "" {
		return Amount{}, fmt.Errorf("amount %q: %w", s, errAmountSyntax)
	}
	b, _ := new(big.Int).SetString(s, 10)
	a, ok := AmountFromBig(b)
	if !ok {
		return Amount{}, fmt.Errorf("amount %q is beyond 2^127-1", s)
	}
	return a, nil
}

// MustMinor is ParseMinor for constants in tests and examples; it panics on bad input.
func MustMinor(s string) Amount {
	a, err := ParseMinor(s)
	if err != nil {
		panic(err)
	}
	return a
}

// ParseAmount parses a decimal string in major units ("12.50") into minor units of an asset with
// the given scale. It accepts an optional leading "-", digits, and at most scale digits after a
// point; nothing else (no exponent, no "+", no spaces, no grouping). The errors it returns are
// sentences fit to show to the caller.
func ParseAmount(s string, scale int) (Amount, error) {
	if s == "" {
		return Amount{}, errors.New("amount is empty")
	}
	neg := false
	body := s
	if body[0] == '-' {
		neg, body = true, body[1:]
	}
	whole, frac, hasPoint := strings.Cut(body, ".")
	if whole == "" || (hasPoint && frac == "") || !allDigits(whole) || !allDigits(frac) {
		return Amount{}, fmt.Errorf("amount %q is not a decimal number such as \"12.50\"", s)
	}
	if len(frac) > scale {
		return Amount{}, fmt.Errorf("amount %q has %d decimals; this asset allows at most %d", s, len(frac), scale)
	}
	digits := strings.TrimLeft(whole+frac+strings.Repeat("0", scale-len(frac)), "0")
	if digits == "" {
		return Amount{}, nil
	}
	var a Amount
	if len(digits) <= 18 {
		v, _ := strconv.ParseInt(digits, 10, 64)
		a = AmountFromInt64(v)
	} else {
		b, _ := new(big.Int).SetString(digits, 10)
		var ok bool
		if a, ok = AmountFromBig(b); !ok {
			return Amount{}, fmt.Errorf("amount %q is too large: at most 2^127-1 minor units", s)
		}
	}
	if neg {
		a = a.Neg()
	}
	return a, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Format returns a in major units with exactly scale decimals: 1250 at scale 2 is "12.50".
func (a Amount) Format(scale int) string {
	return string(a.AppendFormat(nil, scale))
}

// AppendFormat appends a as Format writes it to b, for writers of many amounts.
func (a Amount) AppendFormat(b []byte, scale int) []byte {
	if a.Sign() < 0 {
		b = append(b, '-')
	}
	var digits [40]byte // 2^127 has 39 digits
	d := a.Abs().appendMinor(digits[:0])
	if scale <= 0 {
		return append(b, d...)
	}
	if len(d) <= scale {
		b = append(b, '0', '.')
		for range scale - len(d) {
			b = append(b, '0')
		}
		return append(b, d...)
	}
	b = append(b, d[:len(d)-scale]...)
	b = append(b, '.')
	return append(b, d[len(d)-scale:]...)
}

// MarshalText writes a in minor units, so JSON carries it as an exact string.
func (a Amount) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads minor units written by MarshalText.
func (a *Amount) UnmarshalText(b []byte) error {
	v, err := ParseMinor(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}
