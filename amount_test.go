package coffer_test

import (
	"math/big"
	"testing"

	"github.com/cofferhq/coffer"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in    string
		scale int
		want  string // minor units, or "" for an error
	}{
		{"12.50", 2, "1250"},
		{"12.5", 2, "1250"},
		{"12", 2, "1200"},
		{"0.01", 2, "1"},
		{"0", 2, "0"},
		{"-3.25", 2, "-325"},
		{"007", 0, "7"},
		{"1.000000000000000001", 18, "1000000000000000001"},
		{"170141183460469231731.687303715884105727", 18, "170141183460469231731687303715884105727"},
		{"170141183460469231731.687303715884105728", 18, ""}, // 2^127
		{"-170141183460469231731.687303715884105727", 18, "-170141183460469231731687303715884105727"},
		{"1.005", 2, ""},
		{"", 2, ""},
		{"-", 2, ""},
		{".5", 2, ""},
		{"5.", 2, ""},
		{"1e3", 2, ""},
		{"+1", 2, ""},
		{" 1", 2, ""},
		{"1,000", 2, ""},
		{"0x10", 2, ""},
		{"NaN", 2, ""},
		{"1.5", 0, ""},
		{"99999999999999999999999999999999999999999", 0, ""},
	}
	for _, tt := range tests {
		got, err := coffer.ParseAmount(tt.in, tt.scale)
		if tt.want == "" {
			if err == nil {
				t.Errorf("ParseAmount(%q, %d) = %s, want an error", tt.in, tt.scale, got)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("ParseAmount(%q, %d) = %s, %v; want %s", tt.in, tt.scale, got, err, tt.want)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		minor string
		scale int
		want  string
	}{
		{"1250", 2, "12.50"},
		{"5", 2, "0.05"},
		{"-5", 2, "-0.05"},
		{"0", 6, "0.000000"},
		{"7", 0, "7"},
		{"170141183460469231731687303715884105727", 18, "170141183460469231731.687303715884105727"},
	}
	for _, tt := range tests {
		if got := coffer.MustMinor(tt.minor).Format(tt.scale); got != tt.want {
			t.Errorf("Format(%s, %d) = %q, want %q", tt.minor, tt.scale, got, tt.want)
		}
	}
}

func TestAmountArithmeticMatchesBig(t *testing.T) {
	max := coffer.MaxAmount.Big()
	values := []string{"0", "1", "-1", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
		"18446744073709551616", "-18446744073709551617", "170141183460469231731687303715884105727",
		"-170141183460469231731687303715884105727", "85070591730234615865843651857942052864"}
	for _, x := range values {
		for _, y := range values {
			a, b := coffer.MustMinor(x), coffer.MustMinor(y)
			bx, _ := new(big.Int).SetString(x, 10)
			by, _ := new(big.Int).SetString(y, 10)
			check := func(op string, got coffer.Amount, ok bool, want *big.Int) {
				inRange := new(big.Int).Abs(want).Cmp(max) <= 0
				if ok != inRange || (ok && got.String() != want.String()) {
					t.Errorf("%s %s %s = %s, %v; want %s (in range %v)", x, op, y, got, ok, want, inRange)
				}
			}
			sum, ok := a.Add(b)
			check("+", sum, ok, new(big.Int).Add(bx, by))
			diff, ok := a.Sub(b)
			check("-", diff, ok, new(big.Int).Sub(bx, by))
			if got, want := a.Cmp(b), bx.Cmp(by); got != want {
				t.Errorf("Cmp(%s, %s) = %d, want %d", x, y, got, want)
			}
		}
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"12.50", "-1", "0.000000000000000001", "1e5", "170141183460469231731.687303715884105727"} {
		f.Add(s, 18)
	}
	f.Fuzz(func(t *testing.T, s string, scale int) {
		if scale < 0 || scale > coffer.ScaleMax {
			return
		}
		a, err := coffer.ParseAmount(s, scale)
		if err != nil {
			return
		}
		// Whatever parses formats back to an equal amount.
		back, err := coffer.ParseAmount(a.Format(scale), scale)
		if err != nil || back != a {
			t.Fatalf("ParseAmount(%q) = %s formats as %q which parses to %s, %v", s, a, a.Format(scale), back, err)
		}
	})
}
