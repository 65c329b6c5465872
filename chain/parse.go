package chain

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ParseChain reads a chain as the settings write it: comma-separated name=value pairs,
//
//	name=ethereum,id=1,rpc=https://node.example/KEY,rpc=https://backup.example,confirmations=20,poll=12s,blocks=1000
//
// name, id and at least one rpc (http, https, ws or wss) are required; the others default as
// Validate fills them. A URL holding a comma cannot be written this way.
func ParseChain(s string) (Chain, error) {
	var c Chain
	seen := map[string]bool{}
	for _, pair := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || v == "" {
			return Chain{}, fmt.Errorf("chain %q: %q is not name=value", RedactURLs(s), RedactURLs(pair))
		}
		if seen[k] && k != "rpc" {
			return Chain{}, fmt.Errorf("chain %q: %s is given twice", RedactURLs(s), k)
		}
		seen[k] = true
		var err error
		switch k {
		case "name":
			c.Name = v
		case "id":
			c.ID, err = strconv.ParseUint(v, 10, 64)
		case "rpc":
			err = checkRPC(v)
			c.RPC = append(c.RPC, v)
		case "confirmations":
			c.Confirmations, err = strconv.ParseUint(v, 10, 64)
			if err == nil && c.Confirmations == 0 {
				err = fmt.Errorf("must be at least 1")
			}
		case "poll":
			c.Poll, err = time.ParseDuration(v)
			if err == nil && c.Poll < 100*time.Millisecond {
				err = fmt.Errorf("must be at least 100ms")
			}
		case "blocks":
			c.BlockRangeMax, err = strconv.ParseUint(v, 10, 64)
			if err == nil && c.BlockRangeMax == 0 {
				err = fmt.Errorf("must be at least 1")
			}
		default:
			return Chain{}, fmt.Errorf("chain %q: unknown %q; the keys are name, id, rpc, confirmations, poll and blocks", RedactURLs(s), k)
		}
		if err != nil {
			return Chain{}, fmt.Errorf("chain %q: %s=%s: %v", RedactURLs(s), k, RedactURLs(v), unwrapNum(err))
		}
	}
	switch {
	case c.Name == "":
		return Chain{}, fmt.Errorf("chain %q has no name=", RedactURLs(s))
	case c.ID == 0:
		return Chain{}, fmt.Errorf("chain %q has no id= (the chain id: 1 for Ethereum, 56 for BSC)", RedactURLs(s))
	case len(c.RPC) == 0:
		return Chain{}, fmt.Errorf("chain %q has no rpc= (a node's JSON-RPC URL)", RedactURLs(s))
	}
	return c, nil
}

// ParseAsset reads a chain asset as the settings write it:
//
//	code=USDT,chain=ethereum,contract=0xdAC17F958D2ee523a2206206994597C13D831ec7,decimals=6
//	code=ETH,chain=ethereum,decimals=18
//
// Without contract the asset is the chain's native coin. decimals is required: it is never
// read from the contract.
func ParseAsset(s string) (Asset, error) {
	var a Asset
	seen := map[string]bool{}
	for _, pair := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || v == "" {
			return Asset{}, fmt.Errorf("chain asset %q: %q is not name=value", s, pair)
		}
		if seen[k] {
			return Asset{}, fmt.Errorf("chain asset %q: %s is given twice", s, k)
		}
		seen[k] = true
		switch k {
		case "code":
			a.Code = v
		case "chain":
			a.Chain = v
		case "contract":
			addr, err := ParseAddress(v)
			if err != nil {
				return Asset{}, fmt.Errorf("chain asset %q: contract: %v", s, err)
			}
			a.Contract = &addr
		case "decimals":
			d, err := strconv.ParseUint(v, 10, 8)
			if err != nil || d > DecimalsMax {
				return Asset{}, fmt.Errorf("chain asset %q: decimals=%s must be a whole number from 0 to %d", s, v, DecimalsMax)
			}
			a.Decimals = uint8(d)
		default:
			return Asset{}, fmt.Errorf("chain asset %q: unknown %q; the keys are code, chain, contract and decimals", s, k)
		}
	}
	switch {
	case a.Code == "":
		return Asset{}, fmt.Errorf("chain asset %q has no code= (the ledger asset)", s)
	case a.Chain == "":
		return Asset{}, fmt.Errorf("chain asset %q has no chain= (the chain's name)", s)
	case !seen["decimals"]:
		return Asset{}, fmt.Errorf("chain asset %q has no decimals=: give them (USDT has 6 on Ethereum and 18 on BSC); they are never read from the contract", s)
	}
	return a, nil
}

// checkRPC checks a node URL's form.
func checkRPC(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return fmt.Errorf("not a URL")
	}
	switch u.Scheme {
	case "http", "https", "ws", "wss":
	default:
		return fmt.Errorf("the scheme must be http, https, ws or wss")
	}
	if u.Host == "" {
		return fmt.Errorf("the URL has no host")
	}
	return nil
}

// RedactURL returns a node URL fit to show: its password, path and query left out, since
// providers put API keys there (https://mainnet.example/v3/KEY).
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(a URL)"
	}
	out := u.Scheme + "://"
	if u.User != nil {
		out += url.PathEscape(u.User.Username()) + ":…@"
	}
	out += u.Host
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		out += "/…"
	}
	return out
}

// RedactURLs redacts, as RedactURL, every URL in a chain setting of comma-separated
// name=value pairs.
func RedactURLs(s string) string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		if k, v, ok := strings.Cut(p, "="); ok && strings.Contains(v, "://") {
			parts[i] = k + "=" + RedactURL(v)
		} else if strings.Contains(p, "://") {
			parts[i] = RedactURL(p)
		}
	}
	return strings.Join(parts, ",")
}

// unwrapNum returns a strconv error's reason alone.
func unwrapNum(err error) error {
	if ne, ok := err.(*strconv.NumError); ok {
		return fmt.Errorf("%v", ne.Err)
	}
	return err
}
