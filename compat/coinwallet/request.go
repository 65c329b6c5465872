package coinwallet

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/strict"
)

// Limits of the contract's inputs.
const (
	// bodyBytesMax caps a request body: the largest is an exchange of a few hundred bytes.
	bodyBytesMax = 16 << 10
	// TransactionIDLengthMax caps a transaction id, leaving room in Coffer's 128-character
	// transfer ids for the suffix of an iOS payment's second transfer.
	TransactionIDLengthMax = 100
	// StreamLimitDefault is a stream page's size when the request names none.
	StreamLimitDefault = 10
)

// The kinds of writes, as the coin records name them.
const (
	kindRecharge = "recharge"
	kindPay      = "pay"
	kindExchange = "exchange"
)

// coinBody is the body of recharge and pay.
type coinBody struct {
	UID           int64         `json:"uid"`
	CoinType      string        `json:"coin_type"`
	CoinNum       strict.Number `json:"coin_num"`
	TransactionID string        `json:"transaction_id"`
	Platform      string        `json:"platform"`
}

// exchangeBody is the body of exchange.
type exchangeBody struct {
	UID           int64         `json:"uid"`
	SrcCoinType   string        `json:"src_coin_type"`
	SrcCoinNum    strict.Number `json:"src_coin_num"`
	DestCoinType  string        `json:"dest_coin_type"`
	DestCoinNum   strict.Number `json:"dest_coin_num"`
	TransactionID string        `json:"transaction_id"`
	Platform      string        `json:"platform"`
}

// op is one write, checked: what the ledger is asked and the record keeps.
type op struct {
	kind     string
	uid      int64
	tid      string
	platform string
	coinType string        // recharge, pay: the coin type; exchange: the one sold
	num      coffer.Amount // its number of coins
	destType string        // exchange: the coin type bought
	destNum  coffer.Amount
}

// owner is the wallet owner of the op's user.
func (o op) owner() string { return strconv.FormatInt(o.uid, 10) }

// request renders the op as its record keeps it: the contract's field names, numbers as exact
// JSON numbers.
func (o op) request() []byte {
	m := map[string]any{"uid": o.uid, "transaction_id": o.tid, "platform": o.platform}
	if o.kind == kindExchange {
		m["src_coin_type"], m["src_coin_num"] = o.coinType, json.Number(o.num.String())
		m["dest_coin_type"], m["dest_coin_num"] = o.destType, json.Number(o.destNum.String())
	} else {
		m["coin_type"], m["coin_num"] = o.coinType, json.Number(o.num.String())
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic("coinwallet: render a request: " + err.Error()) // every value above marshals
	}
	return b
}

// fingerprint identifies what was asked, so that the same transaction id asked again with
// other parameters is a conflict.
func (o op) fingerprint() string {
	sum := sha256.Sum256(append([]byte(o.kind+"\n"), o.request()...))
	return hex.EncodeToString(sum[:])
}

// readOp decodes and checks the body of a write of kind.
func readOp(r *http.Request, kind string) (op, error) {
	opts := strict.Options{BytesMax: bodyBytesMax}
	if kind == kindExchange {
		var b exchangeBody
		if err := strict.Decode(r.Body, &b, opts); err != nil {
			return op{}, err
		}
		o := op{kind: kind, uid: b.UID, tid: b.TransactionID, platform: b.Platform,
			coinType: b.SrcCoinType, destType: b.DestCoinType}
		if err := firstError(checkUID(o.uid), checkTransactionID(o.tid), checkPlatform("platform", o.platform),
			checkCoinType("src_coin_type", o.coinType), checkCoinType("dest_coin_type", o.destType)); err != nil {
			return op{}, err
		}
		var err error
		if o.num, err = coins("src_coin_num", b.SrcCoinNum); err != nil {
			return op{}, err
		}
		if o.destNum, err = coins("dest_coin_num", b.DestCoinNum); err != nil {
			return op{}, err
		}
		return o, checkExchangeRule(o)
	}
	var b coinBody
	if err := strict.Decode(r.Body, &b, opts); err != nil {
		return op{}, err
	}
	o := op{kind: kind, uid: b.UID, tid: b.TransactionID, platform: b.Platform, coinType: b.CoinType}
	if err := firstError(checkUID(o.uid), checkTransactionID(o.tid), checkPlatform("platform", o.platform),
		checkCoinType("coin_type", o.coinType)); err != nil {
		return op{}, err
	}
	var err error
	if o.num, err = coins("coin_num", b.CoinNum); err != nil {
		return op{}, err
	}
	if o.coinType == CoinIAPGold && o.platform != PlatformIOS {
		verb := map[string]string{kindRecharge: "bought", kindPay: "spent"}[kind]
		return op{}, coffer.Invalid("coin_type", "iap_gold is %s through Apple's in-app purchase on platform ios only, not on %s", verb, o.platform)
	}
	return o, nil
}

// checkExchangeRule holds an exchange to the coin types' rules: two different types, never
// into iap_gold (it only comes from Apple), and out of it on iOS only.
func checkExchangeRule(o op) error {
	switch {
	case o.coinType == o.destType:
		return coffer.Invalid("dest_coin_type", "dest_coin_type must differ from src_coin_type %s", o.coinType)
	case o.destType == CoinIAPGold:
		return coffer.Invalid("dest_coin_type", "iap_gold is only bought through Apple's in-app purchase, never exchanged into")
	case o.coinType == CoinIAPGold && o.platform != PlatformIOS:
		return coffer.Invalid("src_coin_type", "iap_gold is spent on platform ios only, not on %s", o.platform)
	}
	return nil
}

// coins parses a number of whole coins: a positive integer given as a JSON number, read from
// its text, never through a float.
func coins(field string, n strict.Number) (coffer.Amount, error) {
	if n == "" {
		return coffer.Amount{}, coffer.Invalid(field, "%s is required: a whole number of coins, such as 100", field)
	}
	a, err := coffer.ParseAmount(string(n), 0)
	if err != nil {
		if strings.ContainsAny(string(n), ".eE") {
			return coffer.Amount{}, coffer.Invalid(field, "%s %s is not a whole number of coins: coins do not split, and exponents are not read", field, n)
		}
		return coffer.Amount{}, coffer.Invalid(field, "%s %s is not a number of coins: %s", field, n, coffer.ErrorMessage(err))
	}
	if a.Sign() <= 0 {
		return coffer.Amount{}, coffer.Invalid(field, "%s must be at least 1, not %s", field, n)
	}
	return a, nil
}

func checkUID(uid int64) error {
	if uid <= 0 {
		return coffer.Invalid("uid", "uid is required: a positive whole number, such as 1001")
	}
	return nil
}

func checkTransactionID(tid string) error {
	switch {
	case tid == "":
		return coffer.Invalid("transaction_id", "transaction_id is required")
	case len(tid) > TransactionIDLengthMax:
		return coffer.Invalid("transaction_id", "transaction_id is %d bytes; at most %d", len(tid), TransactionIDLengthMax)
	case strings.Contains(tid, coffer.DerivedSep):
		return coffer.Invalid("transaction_id", "transaction_id must not contain %q: Coffer reserves it for the ids it derives", coffer.DerivedSep)
	}
	for _, c := range tid {
		if c > unicode.MaxASCII || !unicode.IsPrint(c) || c == ' ' {
			return coffer.Invalid("transaction_id", "transaction_id must be printable ASCII without spaces")
		}
	}
	return nil
}

func checkPlatform(field, p string) error {
	if !slices.Contains(platforms, p) {
		return coffer.Invalid(field, "%s %q must be one of %s", field, p, strings.Join(platforms, ", "))
	}
	return nil
}

func checkCoinType(field, t string) error {
	if _, ok := assetOf[t]; !ok {
		return coffer.Invalid(field, "%s %q must be gold, iap_gold or silver", field, t)
	}
	return nil
}

// firstError returns the first error that is not nil.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// query reads the query parameters named, refusing any other and any given twice.
func query(r *http.Request, names ...string) (map[string]string, error) {
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for name, vals := range q {
		if !slices.Contains(names, name) {
			return nil, coffer.Invalid(name, "%s is not a parameter of this endpoint; it takes %s", name, strings.Join(names, ", "))
		}
		if len(vals) > 1 {
			return nil, coffer.Invalid(name, "%s is given %d times; give it once", name, len(vals))
		}
		out[name] = vals[0]
	}
	return out, nil
}

// wholeParam reads a whole-number query parameter between lo and hi, def when it is absent.
func wholeParam(q map[string]string, name string, def, lo, hi int64) (int64, error) {
	s, ok := q[name]
	if !ok {
		return def, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < lo || v > hi || (len(s) > 1 && s[0] == '0') || s[0] == '+' {
		return 0, coffer.Invalid(name, "%s %q must be a whole number from %d to %d", name, s, lo, hi)
	}
	return v, nil
}

// uidParam reads the required uid query parameter.
func uidParam(q map[string]string) (int64, error) {
	if _, ok := q["uid"]; !ok {
		return 0, coffer.Invalid("uid", "uid is required: a positive whole number, such as 1001")
	}
	return wholeParam(q, "uid", 0, 1, 1<<63-1)
}

// errorf is an invalid-request error about no one field.
func errorf(format string, args ...any) error {
	return coffer.Errorf(coffer.EINVALID, "%s", fmt.Sprintf(format, args...))
}
