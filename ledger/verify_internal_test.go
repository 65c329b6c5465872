package ledger

import (
	"testing"

	"github.com/cofferhq/coffer"
)

// TestTotal checks the sum Verify keeps per asset past the range of an Amount, both ways: a sum
// that returns to zero is zero, and one that does not is reported exactly.
func TestTotal(t *testing.T) {
	max := coffer.MaxAmount
	for _, tt := range []struct {
		add  []coffer.Amount
		want string
	}{
		{nil, "0"},
		{[]coffer.Amount{max, max, max.Neg(), max.Neg()}, "0"},
		{[]coffer.Amount{max, max, max.Neg()}, max.String()},
		{[]coffer.Amount{max.Neg(), max.Neg(), coffer.AmountFromInt64(-1)}, "-340282366920938463463374607431768211455"},
		{[]coffer.Amount{coffer.AmountFromInt64(5), coffer.AmountFromInt64(-7)}, "-2"},
	} {
		var s total
		for _, a := range tt.add {
			s.add(a)
		}
		if s.String() != tt.want || s.isZero() != (tt.want == "0") {
			t.Errorf("sum of %v = %s (zero %v), want %s", tt.add, s.String(), s.isZero(), tt.want)
		}
	}
}
