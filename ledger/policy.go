package ledger

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/cofferhq/coffer"
)

// The policy of who may move what: which role a command needs, and the bounds an exchange keeps
// to. The ledger enforces the bounds itself; the roles are enforced by whatever authenticates the
// sender (httpapi today), through RoleFor, so that every entry point applies the same ones.

// RoleFor returns the least role that may send c, and why when it is more than an operator:
//
//   - creating an asset, and an adjustment, need an admin;
//   - locking or unlocking a system account (world, fees, exchange) needs an admin: locking
//     system:world:USD would halt every deposit of USD;
//   - creating transfers needs an admin if any of them debits a system account or is typed
//     adjustment; the wallet verbs (deposit, withdrawal, payment, exchange, ...) move system
//     money only by the ledger's own rules and need an operator;
//   - creating an account needs an admin if it is a system account or may overdraw (an
//     overdraft limit, or none): such an account is a source of money like the world account;
//   - everything else needs an operator.
func RoleFor(c Command) (role coffer.Role, why string) {
	switch c := c.(type) {
	case CreateAsset:
		return coffer.RoleAdmin, "assets are created by admins"
	case Adjust:
		return coffer.RoleAdmin, "adjustments are made by admins"
	case LockAccount:
		if isSystemAccount(c.AccountID) {
			return coffer.RoleAdmin, "system accounts are locked and unlocked by admins"
		}
	case UnlockAccount:
		if isSystemAccount(c.AccountID) {
			return coffer.RoleAdmin, "system accounts are locked and unlocked by admins"
		}
	case CreateAccount:
		switch {
		case c.Kind == coffer.KindSystem:
			return coffer.RoleAdmin, "system accounts are created by admins"
		case c.OverdraftUnlimited || c.OverdraftLimit.Sign() != 0:
			return coffer.RoleAdmin, "accounts that may overdraw are created by admins"
		}
	case CreateTransfers:
		for _, s := range c.Transfers {
			switch {
			case isSystemAccount(s.DebitAccountID):
				return coffer.RoleAdmin, fmt.Sprintf("transfer %q debits the system account %s, which only admins move money out of", s.ID, s.DebitAccountID)
			case s.Type == coffer.TypeAdjustment:
				return coffer.RoleAdmin, fmt.Sprintf("transfer %q is typed adjustment, which only admins make", s.ID)
			}
		}
	}
	return coffer.RoleOperator, ""
}

// isSystemAccount reports whether id names a system account: account ids start with their kind.
func isSystemAccount(id string) bool {
	return strings.HasPrefix(id, string(coffer.KindSystem)+":")
}

// RateBand is the range of rates a pair may be exchanged at, both ends included: units of the
// asset bought per unit of the asset sold, as decimal strings such as "0.91".
type RateBand struct {
	Min, Max string
}

// AnyPair is the key of Config.ExchangePairs whose band applies to every pair without one of its
// own.
const AnyPair = "*/*"

// rateBand is a RateBand parsed.
type rateBand struct {
	text     RateBand
	min, max *big.Rat
}

// exchangePolicy is Config.ExchangePairs and Config.ExchangePoolFloor, checked and parsed. It
// never changes, so batches share it.
type exchangePolicy struct {
	bands  map[string]rateBand
	floors map[string]coffer.Amount
}

// newExchangePolicy checks and parses the exchange settings of cfg.
func newExchangePolicy(cfg *Config) (*exchangePolicy, error) {
	p := &exchangePolicy{bands: map[string]rateBand{}, floors: cfg.ExchangePoolFloor}
	for pair, band := range cfg.ExchangePairs {
		from, to, ok := strings.Cut(pair, "/")
		if pair != AnyPair && (!ok || from == to || (coffer.Asset{Code: from}).Validate() != nil ||
			(coffer.Asset{Code: to}).Validate() != nil) {
			return nil, fmt.Errorf("exchange pair %q must be two different asset codes as FROM/TO, or %s", pair, AnyPair)
		}
		min, okMin := parseRate(band.Min)
		max, okMax := parseRate(band.Max)
		if !okMin || !okMax {
			return nil, fmt.Errorf("exchange pair %s: the band's ends %q and %q must be positive decimal numbers such as \"0.91\"", pair, band.Min, band.Max)
		}
		if min.Cmp(max) > 0 {
			return nil, fmt.Errorf("exchange pair %s: the band's minimum %s is above its maximum %s", pair, band.Min, band.Max)
		}
		p.bands[pair] = rateBand{text: band, min: min, max: max}
	}
	for asset := range cfg.ExchangePoolFloor {
		if err := (coffer.Asset{Code: asset}).Validate(); err != nil {
			return nil, fmt.Errorf("exchange pool floor of %q: not an asset code", asset)
		}
	}
	return p, nil
}

// quote returns the counter amount and the rate of an exchange, refusing one whose pair has no
// band or whose rate is outside it. The band is checked before a rate is multiplied out, so a
// rate far outside it is refused for what it is.
func (p *exchangePolicy) quote(c Exchange, from, to coffer.Asset) (coffer.Amount, string, error) {
	rate, text, err := exchangeRate(c, from, to)
	if err != nil {
		return coffer.Amount{}, "", err
	}
	if err := p.checkBand(from.Code, to.Code, rate, text); err != nil {
		return coffer.Amount{}, "", err
	}
	counter, err := exchangeCounter(c, from, to, rate)
	return counter, text, err
}

// checkBand refuses a rate outside the pair's band, or a pair without one.
func (p *exchangePolicy) checkBand(from, to string, rate *big.Rat, text string) error {
	var band rateBand
	ok := false
	if p != nil {
		if band, ok = p.bands[from+"/"+to]; !ok {
			band, ok = p.bands[AnyPair]
		}
	}
	if !ok {
		return coffer.Errorf(coffer.EINVALID, "exchanges from %s to %s are not configured: the pair %s/%s has no rate band", from, to, from, to)
	}
	if rate.Cmp(band.min) < 0 || rate.Cmp(band.max) > 0 {
		return coffer.Errorf(coffer.EINVALID, "the rate of %s/%s must be between %s and %s %s per %s; this exchange's is %s",
			from, to, band.text.Min, band.text.Max, to, from, text)
	}
	return nil
}

// floor returns the exchange pool floor of an asset: zero unless configured.
func (p *exchangePolicy) floor(asset string) coffer.Amount {
	if p == nil {
		return coffer.Amount{}
	}
	return p.floors[asset]
}

// checkPool refuses an exchange that would take the pool that pays it below its floor. The
// arithmetic is wide: a floor and a balance near ±(2^127-1) are both valid.
func (p *exchangePolicy) checkPool(b *batch, pool *coffer.Account, counter coffer.Amount) error {
	floor := p.floor(pool.Asset)
	after := new(big.Int).Sub(pool.Available().Big(), counter.Big())
	if after.Cmp(floor.Big()) >= 0 {
		return nil
	}
	return coffer.Errorf(coffer.EINSUFFICIENTFUNDS,
		"the exchange pool of %s (%s) holds %s available and may not go below %s; this exchange would pay out %s",
		pool.Asset, pool.ID, b.format(pool.Available(), pool.Asset), b.format(floor, pool.Asset), b.format(counter, pool.Asset))
}

// CheckExchange applies the rules of an exchange that need no balance: its amount, its rate or
// counter amount, and its pair's band. The ledger applies them again when it runs the exchange;
// an entry point calls this first so that a refusal does not use up the operation id.
func (l *Ledger) CheckExchange(c Exchange, from, to coffer.Asset) error {
	_, _, err := l.exchange.quote(c, from, to)
	return err
}
