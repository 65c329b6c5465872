// Package coinwallet is the coin wallet compatibility profile: the HTTP contract of the
// live-streaming platform's coin wallet (/api/wallet/v1/recharge, pay, exchange, detail and
// stream, with uid, coin_type gold / iap_gold / silver, coin_num, transaction_id and platform),
// served on Coffer's listener so that clients written against that wallet need no change.
//
// Every write is a thin translation onto the ledger's own commands (Deposit, Pay, Exchange, and
// for an iOS payment drawing on two balances a linked pair of payment transfers) under the
// transaction id as the operation id; the rules are the ledger's. The profile keeps one thing
// of its own, the coin records (coffer.CoinRecordStore): each write's first answer, done or
// refused, which the stream lists and a replay of the transaction id is answered from.
package coinwallet

import (
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/ledger"
)

// Name is the profile's name in --compat.
const Name = "coin-wallet"

// The coin types of the contract and the assets they are kept in: whole coins, scale 0.
const (
	CoinGold    = "gold"     // bought on any platform but iOS, or given
	CoinIAPGold = "iap_gold" // bought through Apple's in-app purchase, spent on iOS only
	CoinSilver  = "silver"   // free coins

	AssetGold    = "GOLD"
	AssetIAPGold = "IAP_GOLD"
	AssetSilver  = "SILVER"
)

// assetOf maps a coin type to its asset.
var assetOf = map[string]string{CoinGold: AssetGold, CoinIAPGold: AssetIAPGold, CoinSilver: AssetSilver}

// The platforms a request may name. iOS is the one with rules of its own.
const (
	PlatformIOS     = "ios"
	PlatformAndroid = "android"
	PlatformPC      = "pc"
	PlatformH5      = "h5"
)

var platforms = []string{PlatformIOS, PlatformAndroid, PlatformPC, PlatformH5}

// MerchantDefault is the merchant account owner that coins paid with go to.
const MerchantDefault = "coin-wallet"

// Config configures the profile.
type Config struct {
	// Ledger applies every write: the same ledger, and so the same write path, as /v1.
	Ledger *ledger.Ledger
	// Records keeps the coin records.
	Records coffer.CoinRecordStore
	// Authenticate checks a request's API key as the API does (httpapi.Server.Authenticate)
	// and that its role allows need, returning the key's id; its errors are *coffer.Error.
	Authenticate func(r *http.Request, need coffer.Role) (string, error)
	// Merchant owns the accounts coins paid with go to. Default MerchantDefault.
	Merchant string
	Logger   *slog.Logger
}

// Profile serves the contract.
type Profile struct {
	cfg     Config
	store   coffer.Store
	records *recorder
}

// Start creates the coin assets (a replay if they exist as whole coins; an error if one
// exists with another scale) and returns the profile.
func Start(ctx context.Context, cfg Config) (*Profile, error) {
	if cfg.Ledger == nil || cfg.Records == nil || cfg.Authenticate == nil {
		return nil, fmt.Errorf("coin wallet: Config needs a Ledger, Records and Authenticate")
	}
	if cfg.Merchant == "" {
		cfg.Merchant = MerchantDefault
	}
	if err := coffer.ValidateOwner(cfg.Merchant); err != nil {
		return nil, fmt.Errorf("coin wallet merchant: %w", err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	for _, code := range []string{AssetGold, AssetIAPGold, AssetSilver} {
		if _, err := cfg.Ledger.Do(ctx, ledger.CreateAsset{Code: code, Scale: 0}); err != nil {
			return nil, fmt.Errorf("coin wallet: create asset %s (whole coins, scale 0): %w", code, err)
		}
	}
	return &Profile{cfg: cfg, store: cfg.Ledger.Store(), records: &recorder{store: cfg.Records}}, nil
}

// The contract's paths.
const (
	PathRecharge = "/api/wallet/v1/recharge"
	PathPay      = "/api/wallet/v1/pay"
	PathExchange = "/api/wallet/v1/exchange"
	PathDetail   = "/api/wallet/v1/detail"
	PathStream   = "/api/wallet/v1/stream"
	// PathOpenAPI serves the profile's OpenAPI document, to anyone, as /v1/openapi.json is.
	PathOpenAPI = "/api/wallet/v1/openapi.json"
)

//go:embed openapi.json
var openAPIDocument []byte

// OpenAPI returns the profile's OpenAPI document.
func OpenAPI() []byte { return openAPIDocument }

// A Route is one endpoint of the profile: a ServeMux pattern and its handler, which checks
// the key itself and answers in the profile's shape.
type Route struct {
	Pattern string
	Handler http.Handler
}

// Routes returns the profile's endpoints, for the API's server to mount.
func (p *Profile) Routes() []Route {
	return []Route{
		{"POST " + PathRecharge, p.write(kindRecharge)},
		{"POST " + PathPay, p.write(kindPay)},
		{"POST " + PathExchange, p.write(kindExchange)},
		{"GET " + PathDetail, p.read(p.detail, "uid", "platform")},
		{"GET " + PathStream, p.read(p.stream, "uid", "offset", "limit")},
		{"GET " + PathOpenAPI, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeRaw(w, http.StatusOK, openAPIDocument)
		})},
	}
}
