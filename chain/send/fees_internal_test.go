package send

import (
	"math/big"
	"testing"
)

func TestFees(t *testing.T) {
	g := func(n int64) *big.Int { return big.NewInt(n) }
	if f := initialFees(g(100), g(7), g(1000)); f.FeeCap.Int64() != 207 || f.Tip.Int64() != 7 {
		t.Fatalf("initialFees = %v %v; want 207 7", f.FeeCap, f.Tip)
	}
	if f := initialFees(g(100), g(300), g(250)); f.FeeCap.Int64() != 250 || f.Tip.Int64() != 250 {
		t.Fatalf("initialFees capped = %v %v; want 250 250", f.FeeCap, f.Tip)
	}
	tests := []struct {
		name                    string
		feeCap, tip             int64
		baseFee, suggested, max int64
		wantFeeCap, wantTip     int64
		wantOK                  bool
	}{
		{"15% up, rounded up", 1000, 101, 10, 1, 1_000_000, 1150, 117, true},
		{"the suggestion when higher", 1000, 100, 10, 500, 1_000_000, 1150, 500, true},
		{"twice the base fee and the tip when higher", 1000, 100, 900, 1, 1_000_000, 1915, 115, true},
		{"capped but 10% up", 1000, 100, 10, 1, 1120, 1120, 115, true},
		{"capped below 10%", 1000, 100, 10, 1, 1050, 1050, 115, false},
		{"a zero tip cannot be raised by a share", 1000, 0, 10, 0, 1_000_000, 1150, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := bumped(Fees{FeeCap: g(tt.feeCap), Tip: g(tt.tip)}, g(tt.baseFee), g(tt.suggested), g(tt.max), 15, replacePercent)
			if f.FeeCap.Int64() != tt.wantFeeCap || f.Tip.Int64() != tt.wantTip || ok != tt.wantOK {
				t.Fatalf("bumped = %v %v %v; want %d %d %v", f.FeeCap, f.Tip, ok, tt.wantFeeCap, tt.wantTip, tt.wantOK)
			}
		})
	}
}
