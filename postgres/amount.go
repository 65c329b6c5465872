package postgres

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/cofferhq/coffer"

	"github.com/jackc/pgx/v5/pgtype"
)

// numeric carries a coffer.Amount to and from a NUMERIC(39,0) column exactly, in pgx's binary
// format: convert a value to numeric to write it, a pointer to *numeric to scan into it.
type numeric coffer.Amount

// NumericValue implements pgtype.NumericValuer.
func (n numeric) NumericValue() (pgtype.Numeric, error) {
	return pgtype.Numeric{Int: coffer.Amount(n).Big(), Valid: true}, nil
}

// numericCodec is pgx's numeric codec with a shorter way to write and to read a numeric that
// fits in an int64, as every amount but the very largest does. pgx turns each value into a
// math/big integer and divides it by 10,000 digit group by digit group: 13% of the Go side's CPU
// in a batch of 1,000 transfers, some 21,000 amounts; reading, it builds a math/big integer of
// the digits and another of the power of ten, a third of the CPU of reading entries. The bytes
// written are pgx's own, which TestNumericEncoding holds them to, and the amounts read are
// pgx's (TestNumericDecoding); everything else is pgx's codec.
type numericCodec struct{ pgtype.NumericCodec }

func (c numericCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	plan := c.NumericCodec.PlanScan(m, oid, format, target)
	if _, ok := target.(*numeric); ok && format == pgtype.BinaryFormatCode && plan != nil {
		return numericScanPlan{fallback: plan}
	}
	return plan
}

// numericScanPlan reads a numeric that is an integer within an int64 itself and leaves any
// other (NULL, NaN, a fraction, a larger integer) to pgx.
type numericScanPlan struct{ fallback pgtype.ScanPlan }

func (p numericScanPlan) Scan(src []byte, target any) error {
	v, ok := numericInt64(src)
	if !ok {
		return p.fallback.Scan(src, target)
	}
	*target.(*numeric) = numeric(coffer.AmountFromInt64(v))
	return nil
}

// numericInt64 returns the integer that src, a numeric in PostgreSQL's binary format, holds
// and true, or false if it is not an integer within an int64: a header of digit
// count, weight (of the first digit, in powers of 10,000), sign and display scale, then the
// base-10,000 digits from the most significant. PostgreSQL leaves out trailing zero digits
// (10,000 is the digit 1 at weight 1), pgx keeps them.
func numericInt64(src []byte) (int64, bool) {
	if len(src) < 8 {
		return 0, false
	}
	n := int(binary.BigEndian.Uint16(src))
	weight := int(int16(binary.BigEndian.Uint16(src[2:])))
	sign := binary.BigEndian.Uint16(src[4:])
	if len(src) != 8+2*n || (sign != 0 && sign != 0x4000) {
		return 0, false
	}
	if n == 0 {
		return 0, true
	}
	// A fraction, or more than five base-10,000 digits (2^63 has 19 decimal digits).
	if weight < n-1 || weight > 4 {
		return 0, false
	}
	var v int64
	for i := 0; i <= weight; i++ {
		var d int64
		if i < n {
			d = int64(binary.BigEndian.Uint16(src[8+2*i:]))
			if d > 9999 {
				return 0, false
			}
		}
		if v > (math.MaxInt64-d)/10000 {
			return 0, false
		}
		v = v*10000 + d
	}
	if sign != 0 {
		v = -v
	}
	return v, true
}

func (c numericCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	plan := c.NumericCodec.PlanEncode(m, oid, format, value)
	if _, ok := value.(numeric); ok && format == pgtype.BinaryFormatCode && plan != nil {
		return numericPlan{fallback: plan}
	}
	return plan
}

// numericPlan writes a numeric that fits in an int64 itself and leaves any other to pgx.
type numericPlan struct{ fallback pgtype.EncodePlan }

func (p numericPlan) Encode(value any, buf []byte) ([]byte, error) {
	v, ok := coffer.Amount(value.(numeric)).Int64()
	if !ok {
		return p.fallback.Encode(value, buf)
	}
	return appendNumericInt64(buf, v), nil
}

// appendNumericInt64 appends v in PostgreSQL's binary numeric format exactly as pgx writes an
// integer: a header of digit count, weight, sign and display scale (0), then base-10,000 digits
// from the most significant, trailing zero digits kept, and zero as no digits at weight -1.
func appendNumericInt64(buf []byte, v int64) []byte {
	u, sign := uint64(v), uint16(0)
	if v < 0 {
		u, sign = -u, 0x4000 // as uint64, so that -2^63 negates too
	}
	var digits [5]uint16 // 2^63 has 19 decimal digits: five groups of four
	n := 0
	for ; u > 0; u /= 10000 {
		digits[n] = uint16(u % 10000)
		n++
	}
	buf = binary.BigEndian.AppendUint16(buf, uint16(n))
	buf = binary.BigEndian.AppendUint16(buf, uint16(int16(n-1))) // the weight of the first digit
	buf = binary.BigEndian.AppendUint16(buf, sign)
	buf = binary.BigEndian.AppendUint16(buf, 0)
	for i := n - 1; i >= 0; i-- {
		buf = binary.BigEndian.AppendUint16(buf, digits[i])
	}
	return buf
}

// registerNumeric makes m write numerics, and arrays of them, with numericCodec.
func registerNumeric(m *pgtype.Map) {
	t := &pgtype.Type{Name: "numeric", OID: pgtype.NumericOID, Codec: numericCodec{}}
	m.RegisterType(t)
	m.RegisterType(&pgtype.Type{Name: "_numeric", OID: pgtype.NumericArrayOID, Codec: &pgtype.ArrayCodec{ElementType: t}})
}

var big10 = big.NewInt(10)

// ScanNumeric implements pgtype.NumericScanner. PostgreSQL's binary format may give an integer
// as digits and a positive exponent (10000 as 1e4), so the exponent is folded in; anything that
// is not an integer within [-MaxAmount, MaxAmount] is an error, never rounded.
func (n *numeric) ScanNumeric(v pgtype.Numeric) error {
	if !v.Valid {
		return errors.New("amount is NULL")
	}
	if v.NaN || v.InfinityModifier != pgtype.Finite {
		return errors.New("amount is not a finite number")
	}
	i := v.Int
	switch {
	case v.Exp > 0:
		i = new(big.Int).Mul(i, new(big.Int).Exp(big10, big.NewInt(int64(v.Exp)), nil))
	case v.Exp < 0:
		var rem big.Int
		i, _ = new(big.Int).QuoRem(i, new(big.Int).Exp(big10, big.NewInt(int64(-v.Exp)), nil), &rem)
		if rem.Sign() != 0 {
			return fmt.Errorf("amount %se%d is not an integer", v.Int, v.Exp)
		}
	}
	a, ok := coffer.AmountFromBig(i)
	if !ok {
		return fmt.Errorf("amount %s is beyond 2^127-1", i)
	}
	*n = numeric(a)
	return nil
}

// utcPtr returns t in UTC, or nil.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
