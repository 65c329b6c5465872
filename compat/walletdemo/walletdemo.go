// Package walletdemo serves the HTTP contract of the Go wallet demo (/api/wallets, deposit and
// withdraw by tx hash, transactions, reconciliation) on Coffer's ledger: a compatibility
// profile, so that clients written against the demo work unchanged. Every write is a command of
// the same ledger the /v1 API writes through (ledger.Deposit, ledger.Withdraw then
// ledger.PostTransfer); every read is of its accounts and entries; reconciliations are
// package reconcile's; the crypto wallet's deposits are the chain watcher's and its
// withdrawals payouts, reached through Config.Chains. The profile keeps only the demo's
// numbers for wallets and reconciliations (coffer.DemoWalletStore).
//
// Where the demo was unsafe, Coffer's promise holds and the difference is documented (README,
// "Coming from the wallet demo"): a tx hash is an idempotency key, so a replay gets the first
// outcome rather than "transaction already processed"; amounts are exact decimals, never
// floats; offset paging is bounded; every request needs an API key.
package walletdemo

import (
	"context"
	_ "embed"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/reconcile"
)

// Name is the profile's name in --compat.
const Name = "wallet-demo"

// OpenAPIPath is where the profile's OpenAPI document is served, to anyone.
const OpenAPIPath = "/compat/wallet-demo/openapi.json"

// Limits on requests.
const (
	// BodyBytesMax caps a request body: the largest, a reconciliation, is a few hundred bytes.
	BodyBytesMax = 64 << 10
	// TxHashLengthMax is the demo's column size for a tx hash; the operation id built from it
	// stays within coffer.IDLengthMax.
	TxHashLengthMax = 100
	// PageSizeDefault and PageSizeMax bound a page of transactions: the demo returned every
	// row of a wallet at once.
	PageSizeDefault = 50
	PageSizeMax     = 100
	// OffsetMax bounds offset paging: each page past the start costs a read of every entry
	// before it, so a deep offset is refused rather than scanned.
	OffsetMax = 10_000
	// DescriptionLengthMax caps the free text kept with a transaction or a reconciliation.
	DescriptionLengthMax = 255
)

// opPrefix starts the operation ids (and transfer ids) the profile derives from tx hashes, so
// that no tx hash can take an id a /v1 client chose.
const opPrefix = "walletdemo:"

// reconPrefix starts the ids of the profile's reconciliations, followed by their number.
const reconPrefix = "walletdemo-"

// Store is what the profile reads and writes: the ledger's accounts, entries and transfers,
// reconciliations, and its own numbers. Both stores have it.
type Store interface {
	reconcile.Store
	coffer.DemoWalletStore
	Transfer(ctx context.Context, id string) (coffer.Transfer, error)
}

// Config configures a Profile.
type Config struct {
	// Ledger applies every write: the server's, the one /v1 writes through.
	Ledger *ledger.Ledger
	// Store is the ledger's store; it must keep the profile's numbers and reconciliations.
	Store Store
	// Authenticate checks the request's API key for the role (httpapi.Server.Authenticate) and
	// returns its id. There is no way to turn it off.
	Authenticate func(r *http.Request, need coffer.Role) (string, error)
	// Chains serves the crypto wallet's endpoints: serve's chains. Nil when serve has none,
	// and the endpoints answer 501.
	Chains Chains
	// Logger receives the errors the caller may not see. Default: slog.Default().
	Logger *slog.Logger
}

// Profile is the wallet demo's contract on one ledger.
type Profile struct {
	cfg Config
	log *slog.Logger
}

// New returns the profile. It panics if cfg lacks Ledger, Store or Authenticate: a wiring
// mistake.
func New(cfg Config) *Profile {
	if cfg.Ledger == nil || cfg.Store == nil || cfg.Authenticate == nil {
		panic("walletdemo: Config needs Ledger, Store and Authenticate")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Profile{cfg: cfg, log: cfg.Logger}
}

// Route is one endpoint of the profile: a ServeMux pattern, the least role a key needs (""
// for none), the query parameters it takes, and its handler.
type Route struct {
	Pattern string
	Role    coffer.Role
	Query   []string
	Handler http.Handler
}

// Routes returns the profile's endpoints, to be mounted on the API's server.
func (p *Profile) Routes() []Route {
	const (
		operator = coffer.RoleOperator
		reader   = coffer.RoleReader
		public   = coffer.Role("")
	)
	routes := []struct {
		pattern string
		role    coffer.Role
		params  []string
		fn      func(r *http.Request) (int, any, error)
	}{
		{"POST /api/wallets", operator, nil, p.createWallet},
		{"GET /api/wallets/{id}", reader, nil, p.getWallet},
		{"POST /api/wallets/{id}/deposit", operator, nil, p.deposit},
		{"POST /api/wallets/{id}/withdraw", operator, nil, p.withdraw},
		{"GET /api/wallets/{id}/transactions", reader, transactionParams, p.transactions},
		{"POST /api/wallets/{id}/reconcile", operator, nil, p.reconcile},
		{"POST /api/crypto/wallets/{id}/deposit", operator, nil, p.cryptoDeposit},
		{"POST /api/crypto/wallets/{id}/withdraw", operator, nil, p.cryptoWithdraw},
		{"GET " + OpenAPIPath, public, nil, p.openAPI},
	}
	out := make([]Route, len(routes))
	for i, rt := range routes {
		out[i] = Route{Pattern: rt.pattern, Role: rt.role, Query: rt.params, Handler: p.handle(rt.role, rt.params, rt.fn)}
	}
	return out
}

//go:embed openapi.json
var openAPIDocument []byte

func (p *Profile) openAPI(r *http.Request) (int, any, error) {
	return http.StatusOK, openAPIDocument, nil
}

// handle wraps an endpoint: authenticate, check the query's parameters, run, answer in the
// demo's shape.
func (p *Profile) handle(role coffer.Role, params []string, fn func(r *http.Request) (int, any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if role != "" {
			id, err := p.cfg.Authenticate(r, role)
			if err != nil {
				p.writeError(w, r, err)
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), keyIDKey{}, id))
		}
		if err := checkQuery(r, params); err != nil {
			p.writeError(w, r, err)
			return
		}
		status, body, err := fn(r)
		if err != nil {
			p.writeError(w, r, err)
			return
		}
		writeJSON(w, status, body)
	})
}

// writeJSON sends v, or v's bytes as they are if it is a []byte (a document).
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, ok := v.([]byte)
	if !ok {
		var err error
		if data, err = json.Marshal(v); err != nil {
			panic(err) // every answer marshals; the server's panic handler answers 500
		}
		data = append(data, '\n')
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(data)
}

// now is the ledger's clock, truncated as the stores keep times.
func (p *Profile) now() time.Time { return p.cfg.Ledger.Now().UTC().Truncate(time.Microsecond) }

type keyIDKey struct{}

// keyID is the id of the request's API key.
func keyID(r *http.Request) string {
	id, _ := r.Context().Value(keyIDKey{}).(string)
	return id
}
