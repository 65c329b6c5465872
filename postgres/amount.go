package postgres

import (
	"errors"
	"fmt"
	"math/big"
	"time"

	"coffer"

	"github.com/jackc/pgx/v5/pgtype"
)

// numeric carries a coffer.Amount to and from a NUMERIC(39,0) column exactly, in pgx's binary
// format: convert a value to numeric to write it, a pointer to *numeric to scan into it.
type numeric coffer.Amount

// NumericValue implements pgtype.NumericValuer.
func (n numeric) NumericValue() (pgtype.Numeric, error) {
	return pgtype.Numeric{Int: coffer.Amount(n).Big(), Valid: true}, nil
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
