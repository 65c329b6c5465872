package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/compat/coinwallet"
	"github.com/cofferhq/coffer/compat/walletdemo"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/ledger"
)

// compatDeps is what a compatibility profile is built from: the server's ledger and store, the
// API's server to mount its routes on and authenticate with, and the header a gateway may
// carry the key in (--compat-key-header).
type compatDeps struct {
	ledger    *ledger.Ledger
	store     coffer.Store
	api       *httpapi.Server
	keyHeader string
	logger    *slog.Logger
	// chains are serve's chains, nil when it has none.
	chains *chains
}

// A compatProfile is another system's HTTP contract served on Coffer's ledger, each its own
// package under compat/, switched on by name with --compat.
type compatProfile struct {
	name  string
	mount func(d compatDeps) error
}

// compatProfiles are the profiles --compat may name.
var compatProfiles = []compatProfile{
	{name: walletdemo.Name, mount: mountWalletDemo},
	{name: coinwallet.Name, mount: mountCoinWallet},
}

func compatNames() []string {
	names := make([]string, len(compatProfiles))
	for i, p := range compatProfiles {
		names[i] = p.name
	}
	return names
}

// mountCompat mounts the profiles named in cfg.Compat on the API's server.
func mountCompat(cfg Config, d compatDeps) error {
	for _, p := range compatProfiles {
		if slices.Contains(cfg.Compat, p.name) {
			if err := p.mount(d); err != nil {
				return fmt.Errorf("--compat %s: %w", p.name, err)
			}
		}
	}
	return nil
}

func mountWalletDemo(d compatDeps) error {
	store, ok := d.store.(walletdemo.Store)
	if !ok {
		return errors.New("this store keeps no wallet demo numbers")
	}
	cfg := walletdemo.Config{Ledger: d.ledger, Store: store, Logger: d.logger,
		Authenticate: func(r *http.Request, need coffer.Role) (string, error) {
			return d.api.Authenticate(r, need, d.keyHeader)
		}}
	if d.chains != nil {
		sends, ok := d.store.(coffer.SendStore)
		if !ok {
			return errors.New("this store keeps no payouts")
		}
		cfg.Chains = walletDemoChains{chains: d.chains, sends: sends}
	}
	p := walletdemo.New(cfg)
	for _, rt := range p.Routes() {
		d.api.Mount(rt.Pattern, rt.Handler)
	}
	return nil
}

// mountCoinWallet creates the coin assets (GOLD, IAP_GOLD, SILVER) and mounts the coin
// wallet's endpoints.
func mountCoinWallet(d compatDeps) error {
	records, ok := d.store.(coffer.CoinRecordStore)
	if !ok {
		return errors.New("this store keeps no coin records")
	}
	ctx, cancel := context.WithTimeout(context.Background(), compatStartTimeout)
	defer cancel()
	p, err := coinwallet.Start(ctx, coinwallet.Config{Ledger: d.ledger, Records: records, Logger: d.logger,
		Authenticate: func(r *http.Request, need coffer.Role) (string, error) {
			return d.api.Authenticate(r, need, d.keyHeader)
		}})
	if err != nil {
		return err
	}
	for _, rt := range p.Routes() {
		d.api.Mount(rt.Pattern, rt.Handler)
	}
	return nil
}

// compatStartTimeout bounds a profile's writes at start (the coin wallet's assets): one batch
// of the ledger's, which a healthy database commits in milliseconds.
const compatStartTimeout = 30 * time.Second

// compatValue is --compat: profile names, a repeated flag, a comma-separated value or a YAML
// sequence.
type compatValue struct{ p *[]string }

func (v compatValue) Type() string       { return "profile" }
func (v compatValue) String() string     { return strings.Join(*v.p, ",") }
func (v compatValue) GetSlice() []string { return *v.p }

func (v compatValue) Set(s string) error {
	for _, item := range strings.Split(s, ",") {
		if err := v.Append(item); err != nil {
			return err
		}
	}
	return nil
}

func (v compatValue) Append(s string) error {
	s = strings.TrimSpace(s)
	switch {
	case !slices.Contains(compatNames(), s):
		return fmt.Errorf("has %q, which is not a profile: the profiles are %s", s, strings.Join(compatNames(), ", "))
	case !slices.Contains(*v.p, s):
		*v.p = append(*v.p, s)
	}
	return nil
}

func (v compatValue) Replace(items []string) error {
	*v.p = nil
	for _, s := range items {
		if err := v.Append(s); err != nil {
			return err
		}
	}
	return nil
}

// headerValue is an HTTP header's name, or empty for none.
type headerValue struct{ p *string }

func (v headerValue) Type() string   { return "header" }
func (v headerValue) String() string { return *v.p }

func (v headerValue) Set(s string) error {
	s = strings.TrimSpace(s)
	for _, c := range s {
		if !(c == '-' || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			return fmt.Errorf("%q is not a header name: letters, digits, '-' and '_' only", s)
		}
	}
	if strings.EqualFold(s, "Authorization") {
		return errors.New("is Authorization, which the API reads anyway; name the other header a gateway sends")
	}
	*v.p = http.CanonicalHeaderKey(s)
	return nil
}
