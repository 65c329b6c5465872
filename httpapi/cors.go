package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rs/cors"
)

// CORS says which web pages' scripts may call the API from a browser, through the browser's
// cross-origin checks. Off unless Origins names some: a browser then lets no page of another
// origin read an answer, which is what an API called only by servers wants.
type CORS struct {
	// Origins are the allowed origins, each a scheme, a host and maybe a port
	// (https://app.example.com, http://localhost:3000), or "*" alone for any origin.
	Origins []string
	// Credentials answers Access-Control-Allow-Credentials, so that a browser sends and reads
	// cookies and TLS client certificates with its requests: for a proxy in front of Coffer that
	// authenticates by them. Coffer itself reads only the API key, which a page's script sends
	// in Authorization whether or not this is set. Not with "*".
	Credentials bool
	// MaxAge is how long a browser may keep a preflight's answer before it asks again. Default
	// CORSMaxAgeDefault.
	MaxAge time.Duration
}

// CORSMaxAgeDefault is as long as Chromium keeps a preflight's answer (Firefox keeps it up to
// a day): a page then sends one preflight per endpoint every two hours, not one per request.
const CORSMaxAgeDefault = 2 * time.Hour

var (
	// corsMethods are the API's methods; HEAD comes with every GET.
	corsMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPatch, http.MethodDelete}
	// corsHeaders are the request headers a page's script may set: the key, the body's type
	// (application/json is not one a browser sends without asking) and the request's id. Writes
	// carry their operation ids in their bodies, so there is no idempotency header.
	corsHeaders = []string{"Authorization", "Content-Type", "X-Request-Id"}
	// corsExposed are the answer's headers a script may read beyond the few every script can.
	corsExposed = []string{"X-Request-Id"}
)

// Validate returns an error if an origin is not one (CheckOrigin), or "*" is listed with
// others or with Credentials.
func (cfg CORS) Validate() error {
	for _, o := range cfg.Origins {
		if err := CheckOrigin(o); err != nil {
			return fmt.Errorf("%q %w", o, err)
		}
	}
	if slices.Contains(cfg.Origins, "*") {
		switch {
		case len(cfg.Origins) > 1:
			return errors.New(`"*" allows every origin; list it alone`)
		case cfg.Credentials:
			return errors.New(`"*" cannot go with credentials: browsers refuse it; list the origins`)
		}
	}
	return nil
}

// NewCORS returns next behind cfg: a browser's preflight (OPTIONS with
// Access-Control-Request-Method) from an allowed origin is answered 204 with what it may send,
// without a key and without reaching next; every other request goes on to next, and its answer
// carries Access-Control-Allow-Origin if its Origin is allowed. An origin not allowed gets no
// CORS header. With no origins it returns next itself. It panics if cfg does not validate: a
// wiring mistake, since a command checks its settings with Validate first.
func NewCORS(cfg CORS, next http.Handler) http.Handler {
	if err := cfg.Validate(); err != nil {
		panic("httpapi: CORS: " + err.Error())
	}
	if len(cfg.Origins) == 0 {
		return next
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = CORSMaxAgeDefault
	}
	c := cors.New(cors.Options{
		AllowedOrigins:   cfg.Origins,
		AllowedMethods:   corsMethods,
		AllowedHeaders:   corsHeaders,
		ExposedHeaders:   corsExposed,
		MaxAge:           int(cfg.MaxAge / time.Second),
		AllowCredentials: cfg.Credentials,
	})
	return c.Handler(next)
}

// CheckOrigin returns an error, phrased to follow the origin, unless o is "*" or an origin as a
// browser sends it in Origin: scheme://host or scheme://host:port, no path, not even "/".
func CheckOrigin(o string) error {
	if o == "*" {
		return nil
	}
	if o == "null" {
		// Sandboxed frames, file:// pages and redirected requests all send "null": allowing it
		// would allow any of them.
		return errors.New(`is refused: every sandboxed or file:// page sends "null"`)
	}
	u, err := url.Parse(o)
	switch {
	case err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "":
		return errors.New("is not an origin such as https://app.example.com")
	case u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#"):
		return errors.New("is not an origin: an origin is a scheme, a host and maybe a port, with no path, not even /")
	case strings.Contains(o, "*"):
		return errors.New(`is not an origin: "*" stands alone, for any origin`)
	}
	return nil
}
