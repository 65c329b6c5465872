package postgres

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cofferhq/coffer"

	"github.com/jackc/pgx/v5/pgtype"
)

// TestNumericEncoding holds numericCodec to the bytes pgx's own codec writes, for single values
// and arrays, at the edges of int64, of the digit groups, and past int64 where it hands over.
func TestNumericEncoding(t *testing.T) {
	values := []coffer.Amount{coffer.MaxAmount, coffer.MaxAmount.Neg(), coffer.MustMinor("9223372036854775808"),
		coffer.MustMinor("-9223372036854775809"), coffer.MustMinor("100000000000000000000")}
	for _, v := range []int64{0, 1, -1, 9999, -9999, 10000, -10000, 10001, 99990000, 100000000, 1234567890123,
		math.MaxInt64, math.MinInt64, math.MinInt64 + 1} {
		values = append(values, coffer.AmountFromInt64(v))
	}
	for p := int64(1); p <= math.MaxInt64/10; p *= 10 {
		values = append(values, coffer.AmountFromInt64(p), coffer.AmountFromInt64(-p), coffer.AmountFromInt64(p-1))
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		values = append(values, coffer.AmountFromInt64(r.Int64()>>r.IntN(63)), coffer.AmountFromInt64(-r.Int64()>>r.IntN(63)))
	}

	pgxs, ours := pgtype.NewMap(), pgtype.NewMap()
	registerNumeric(ours)
	encode := func(m *pgtype.Map, oid uint32, v any) []byte {
		t.Helper()
		b, err := m.Encode(oid, pgtype.BinaryFormatCode, v, nil)
		if err != nil {
			t.Fatalf("encode %v: %v", v, err)
		}
		return b
	}
	for _, v := range values {
		want, got := encode(pgxs, pgtype.NumericOID, numeric(v)), encode(ours, pgtype.NumericOID, numeric(v))
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: got % x, want % x", v, got, want)
		}
	}
	array := make([]numeric, len(values))
	for i, v := range values {
		array[i] = numeric(v)
	}
	if got, want := encode(ours, pgtype.NumericArrayOID, array), encode(pgxs, pgtype.NumericArrayOID, array); !bytes.Equal(got, want) {
		t.Fatal("arrays encode differently")
	}
	// The fast path is taken: a numeric that fits in an int64 is not handed to pgx's codec.
	plan := ours.PlanEncode(pgtype.NumericOID, pgtype.BinaryFormatCode, numeric{})
	if _, ok := plan.(numericPlan); !ok {
		t.Fatalf("the plan for numeric is %T, not numericPlan", plan)
	}
}
