package send

import "math/big"

// Fees are an EIP-1559 transaction's fee cap and tip, in wei per gas.
type Fees struct {
	FeeCap *big.Int
	Tip    *big.Int
}

// initialFees returns the fees of a first attempt: the node's suggested tip, and a fee cap of
// twice the head's base fee plus the tip, which leaves room for six blocks of the base fee's
// largest rise (12.5% each); both capped by max.
func initialFees(baseFee, tip, max *big.Int) Fees {
	feeCap := new(big.Int).Add(new(big.Int).Lsh(baseFee, 1), tip)
	return capped(Fees{FeeCap: feeCap, Tip: new(big.Int).Set(tip)}, max)
}

// capped caps both fees at max, the tip at the fee cap too.
func capped(f Fees, max *big.Int) Fees {
	if f.FeeCap.Cmp(max) > 0 {
		f.FeeCap = new(big.Int).Set(max)
	}
	if f.Tip.Cmp(f.FeeCap) > 0 {
		f.Tip = new(big.Int).Set(f.FeeCap)
	}
	return f
}

// percent returns v raised by pct percent, rounded up.
func percent(v *big.Int, pct int64) *big.Int {
	r := new(big.Int).Mul(v, big.NewInt(100+pct))
	r.Add(r, big.NewInt(99))
	return r.Quo(r, big.NewInt(100))
}

// bumped returns the fees of a replacement of an attempt with old: each raised by bump percent
// at least, the tip to the node's suggestion if higher, the fee cap to twice the base fee plus
// the new tip if higher; all capped by max. ok is false when the cap leaves either fee less
// than replacePct percent above old's, which a node refuses as underpriced (geth: 10% on both):
// then there is no replacement to send.
func bumped(old Fees, baseFee, suggested, max *big.Int, bump, replacePct int64) (Fees, bool) {
	tip := percent(old.Tip, bump)
	if suggested.Cmp(tip) > 0 {
		tip = new(big.Int).Set(suggested)
	}
	feeCap := percent(old.FeeCap, bump)
	if floor := new(big.Int).Add(new(big.Int).Lsh(baseFee, 1), tip); floor.Cmp(feeCap) > 0 {
		feeCap = floor
	}
	f := capped(Fees{FeeCap: feeCap, Tip: tip}, max)
	// geth also wants each strictly higher, which a zero tip raised by a percentage is not.
	ok := f.FeeCap.Cmp(percent(old.FeeCap, replacePct)) >= 0 && f.Tip.Cmp(percent(old.Tip, replacePct)) >= 0 &&
		f.FeeCap.Cmp(old.FeeCap) > 0 && f.Tip.Cmp(old.Tip) > 0
	return f, ok
}
