package ledger

import (
	"math/big"
	"strings"

	"github.com/cofferhq/coffer"
)

func (c Exchange) OperationID() string { return c.ID }
func (Exchange) kind() string          { return "exchange" }
func (c Exchange) needs(n *needs) {
	n.wallet(c.Owner, c.From)
	n.wallet(c.Owner, c.To)
	n.account(coffer.AccountID(coffer.KindSystem, coffer.OwnerExchange, c.From))
	n.account(coffer.AccountID(coffer.KindSystem, coffer.OwnerExchange, c.To))
	n.create(c.ID)
	n.create(coffer.DerivedID(c.ID, "counter"))
}

func (c Exchange) apply(b *batch) (*Result, error) {
	if c.From == c.To {
		return nil, coffer.Errorf(coffer.EINVALID, "an exchange needs two different assets")
	}
	from, err := b.asset(c.From)
	if err != nil {
		return nil, err
	}
	to, err := b.asset(c.To)
	if err != nil {
		return nil, err
	}
	counter, rate, err := b.exchange.quote(c, from, to)
	if err != nil {
		return nil, err
	}
	src, err := b.openAccount(coffer.KindWallet, c.Owner, c.From)
	if err != nil {
		return nil, err
	}
	dst, err := b.openAccount(coffer.KindWallet, c.Owner, c.To)
	if err != nil {
		return nil, err
	}
	poolFrom, err := b.account(coffer.AccountID(coffer.KindSystem, coffer.OwnerExchange, c.From))
	if err != nil {
		return nil, err
	}
	poolTo, err := b.account(coffer.AccountID(coffer.KindSystem, coffer.OwnerExchange, c.To))
	if err != nil {
		return nil, err
	}
	md := withMeta(c.Metadata, "rate", rate)
	md["pair"] = c.From + "/" + c.To
	sell, err := b.createTransfer(newTransfer{ID: c.ID, Debit: src, Credit: poolFrom, Amount: c.Amount,
		Type: coffer.TypeExchange, Group: c.ID, Metadata: md})
	if err != nil {
		return nil, err
	}
	if err := b.exchange.checkPool(b, poolTo, counter); err != nil {
		return nil, err
	}
	buy, err := b.createTransfer(newTransfer{ID: coffer.DerivedID(c.ID, "counter"), Debit: poolTo, Credit: dst,
		Amount: counter, Type: coffer.TypeExchange, Group: c.ID, Metadata: md})
	if err != nil {
		return nil, err
	}
	r := result(sell, buy)
	r.Rate = rate
	return r, nil
}

// exchangeRate returns the rate of an exchange, exactly and as a decimal string: the rate it
// gives, or the rate its counter amount implies, counter/amount in major units, to 18 decimals.
func exchangeRate(c Exchange, from, to coffer.Asset) (*big.Rat, string, error) {
	hasRate, hasCounter := c.Rate != "", !c.CounterAmount.IsZero()
	switch {
	case hasRate == hasCounter:
		return nil, "", coffer.Errorf(coffer.EINVALID, "give exactly one of rate and counter amount")
	case c.Amount.Sign() <= 0:
		return nil, "", coffer.Errorf(coffer.EINVALID, "amount must be greater than zero")
	case hasCounter && c.CounterAmount.Sign() < 0:
		return nil, "", coffer.Errorf(coffer.EINVALID, "counter amount must be greater than zero")
	case hasCounter:
		r := new(big.Rat).SetFrac(c.CounterAmount.Big(), c.Amount.Big())
		r.Quo(r, scaleRatio(from, to))
		return r, strings.TrimRight(strings.TrimRight(r.FloatString(18), "0"), "."), nil
	}
	rate, ok := parseRate(c.Rate)
	if !ok {
		return nil, "", coffer.Errorf(coffer.EINVALID, "rate %q must be a positive decimal number such as \"7.25\"", c.Rate)
	}
	return rate, c.Rate, nil
}

// scaleRatio is 10^(to.Scale - from.Scale): what turns a rate in major units into one in minor.
func scaleRatio(from, to coffer.Asset) *big.Rat {
	return new(big.Rat).SetFrac(pow10(to.Scale), pow10(from.Scale))
}

// exchangeCounter returns the counter amount in To's minor units: the one given, or with a rate
// floor(amount * rate * 10^(to.Scale - from.Scale)), rounded down, so the owner never gets more
// than the rate gives.
func exchangeCounter(c Exchange, from, to coffer.Asset, rate *big.Rat) (coffer.Amount, error) {
	if !c.CounterAmount.IsZero() {
		return c.CounterAmount, nil
	}
	v := new(big.Rat).SetInt(c.Amount.Big())
	v.Mul(v, rate)
	v.Mul(v, scaleRatio(from, to))
	q := new(big.Int).Quo(v.Num(), v.Denom()) // floor: both are positive
	counter, ok := coffer.AmountFromBig(q)
	if !ok {
		return coffer.Amount{}, coffer.Errorf(coffer.ELIMIT, "the counter amount is beyond 2^127-1 minor units")
	}
	if counter.IsZero() {
		return coffer.Amount{}, coffer.Errorf(coffer.EINVALID, "amount is too small: at rate %s it buys less than one minor unit of %s", c.Rate, to.Code)
	}
	return counter, nil
}

// rateDigitsMax bounds a rate's length so a hostile rate cannot make the arithmetic slow.
const rateDigitsMax = 40

func parseRate(s string) (*big.Rat, bool) {
	whole, frac, hasPoint := strings.Cut(s, ".")
	if len(s) > rateDigitsMax || whole == "" || (hasPoint && frac == "") || !digitsOnly(whole) || !digitsOnly(frac) {
		return nil, false
	}
	num, _ := new(big.Int).SetString(whole+frac, 10)
	r := new(big.Rat).SetFrac(num, pow10(len(frac)))
	return r, r.Sign() > 0
}

func digitsOnly(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }
