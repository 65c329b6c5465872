package chainview_test

import (
	"math/big"
	"testing"

	"github.com/cofferhq/coffer/chain/chainview"
)

func TestFormatAmount(t *testing.T) {
	huge, _ := new(big.Int).SetString("115792089237316195423570985008687907853269984665640564039457584007913129639935", 10)
	tests := []struct {
		minor    *big.Int
		decimals int
		want     string
	}{
		{big.NewInt(0), 6, "0.000000"},
		{big.NewInt(1), 6, "0.000001"},
		{big.NewInt(1_500_000), 6, "1.500000"},
		{big.NewInt(42), 0, "42"},
		{big.NewInt(-25), 2, "-0.25"},
		{huge, 18, "115792089237316195423570985008687907853269984665640564039457.584007913129639935"},
	}
	for _, tt := range tests {
		if got := chainview.FormatAmount(tt.minor, tt.decimals); got != tt.want {
			t.Errorf("FormatAmount(%s, %d) = %q; want %q", tt.minor, tt.decimals, got, tt.want)
		}
	}
}
