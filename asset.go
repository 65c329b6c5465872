package coffer

import (
	"regexp"
	"time"
)

// Asset is a currency Coffer keeps balances in: fiat (USD/2), an in-app coin (GOLD/0) or a crypto
// token (USDT/6, ETH/18). Scale is the number of decimals of the minor unit.
type Asset struct {
	Code      string    `json:"code"`
	Scale     int       `json:"scale"`
	CreatedAt time.Time `json:"created_at"`
}

var assetCodeRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,15}$`)

// Validate checks the code and scale of a new asset.
func (a Asset) Validate() error {
	if !assetCodeRE.MatchString(a.Code) {
		return Errorf(EINVALID, "asset code %q must be 1 to 16 capital letters, digits or underscores, starting with a letter", a.Code)
	}
	if a.Scale < 0 || a.Scale > ScaleMax {
		return Errorf(EINVALID, "asset scale %d must be between 0 and %d", a.Scale, ScaleMax)
	}
	return nil
}
