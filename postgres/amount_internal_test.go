package postgres

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/cofferhq/coffer"

	"github.com/jackc/pgx/v5/pgtype"
)

// TestNumericEncoding holds numericCodec to the bytes pgx's own codec writes, for single values
// and arrays, at the edges of int64, of the digit groups, and past int64 where it hands over.
func TestNumericEncoding(t *testing.T) {
	values := numericCases()
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

// numericCases are amounts at the edges of int64, of the digit groups, past int64 and at
// random.
func numericCases() []coffer.Amount {
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
	return values
}

// TestNumericDecoding: numericCodec reads the amounts pgx's own codec reads, from the bytes pgx
// writes (trailing zero digits kept) and from the bytes PostgreSQL writes (left out), and from
// a real server when COFFER_TEST_POSTGRES is set; it refuses a fraction, as pgx's codec does.
func TestNumericDecoding(t *testing.T) {
	pgxs, ours := pgtype.NewMap(), pgtype.NewMap()
	registerNumeric(ours)
	for _, v := range numericCases() {
		b, err := pgxs.Encode(pgtype.NumericOID, pgtype.BinaryFormatCode, numeric(v), nil)
		if err != nil {
			t.Fatal(err)
		}
		trimmed := bytes.Clone(b)
		for n := len(trimmed)/2 - 4; n > 0 && trimmed[len(trimmed)-2] == 0 && trimmed[len(trimmed)-1] == 0; n-- {
			trimmed = trimmed[:len(trimmed)-2]
			trimmed[0], trimmed[1] = byte((n-1)>>8), byte(n-1)
		}
		for _, src := range [][]byte{b, trimmed} {
			var want, got numeric
			if err := pgxs.Scan(pgtype.NumericOID, pgtype.BinaryFormatCode, src, &want); err != nil {
				t.Fatalf("pgx: %s (% x): %v", v, src, err)
			}
			if err := ours.Scan(pgtype.NumericOID, pgtype.BinaryFormatCode, src, &got); err != nil {
				t.Fatalf("%s (% x): %v", v, src, err)
			}
			if got != want || coffer.Amount(got) != v {
				t.Fatalf("% x: read %s, pgx %s; want %s", src, coffer.Amount(got), coffer.Amount(want), v)
			}
		}
	}
	// 1.5: the digits 1 and 5000 at weight 0.
	half := []byte{0, 2, 0, 0, 0, 0, 0, 1, 0, 1, 0x13, 0x88}
	var n numeric
	if err := ours.Scan(pgtype.NumericOID, pgtype.BinaryFormatCode, half, &n); err == nil {
		t.Fatalf("1.5 read as %s", coffer.Amount(n))
	}
	if _, ok := ours.PlanScan(pgtype.NumericOID, pgtype.BinaryFormatCode, &n).(numericScanPlan); !ok {
		t.Fatal("the plan to read a numeric is not numericScanPlan")
	}
	if os.Getenv(TestURLEnv) == "" {
		return
	}
	s, err := Open(t.Context(), TestURL(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	values := numericCases()
	text := make([]string, len(values))
	for i, v := range values {
		text[i] = v.String()
	}
	rows, err := s.pool.Query(t.Context(), `SELECT v::numeric(39,0) FROM unnest($1::text[]) WITH ORDINALITY AS u(v, i) ORDER BY i`, text)
	if err != nil {
		t.Fatal(err)
	}
	got, err := collect(rows, func(r rowScanner) (coffer.Amount, error) {
		var n numeric
		err := r.Scan(&n)
		return coffer.Amount(n), err
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range values {
		if got[i] != v {
			t.Fatalf("PostgreSQL's %s read as %s", v, got[i])
		}
	}
}
