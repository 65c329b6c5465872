package chain

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// Defaults of a chain's settings.
const (
	ConfirmationsDefault = 20 // Ethereum mainnet's, as the systems Coffer replaces used
	PollDefault          = 4 * time.Second
	BlockRangeMaxDefault = 1000 // blocks per eth_getLogs
	// DecimalsMax is the most decimals an asset may have: the ledger's amounts are integers of
	// the minor unit below 2^127, and 18 decimals already leave 1.7e20 whole units.
	DecimalsMax = 18
)

// Chain is one EVM chain Coffer watches, as configured.
type Chain struct {
	// Name names the chain in the API and the configuration: "ethereum", "bsc", "dev".
	Name string
	// ID is the chain id (1 for Ethereum mainnet, 56 for BSC, 1337 for the dev chain); a node
	// that answers with another is refused.
	ID uint64
	// RPC are the node's JSON-RPC URLs, tried in order.
	RPC []string
	// Confirmations is the depth at which a deposit is credited: the block holding it and
	// Confirmations-1 on top.
	Confirmations uint64
	// Poll is how often the watcher looks for a new head.
	Poll time.Duration
	// BlockRangeMax caps the blocks of one eth_getLogs; the watcher shrinks it further when a
	// node refuses a range.
	BlockRangeMax uint64
}

// Asset is a ledger asset that lives on a chain: its native coin (Contract nil) or an ERC-20
// token. Decimals is pinned here and never read from the contract: the same token has 6 on one
// chain and 18 on another, and a contract's answer is not to be trusted with money. The ledger
// asset's scale must equal it.
type Asset struct {
	Code     string // the ledger asset: "ETH", "USDT"
	Chain    string // the Chain's Name
	Contract *common.Address
	Decimals uint8
}

// Native reports whether the asset is its chain's coin.
func (a Asset) Native() bool { return a.Contract == nil }

// Config is every chain and chain asset Coffer knows.
type Config struct {
	Chains []Chain
	Assets []Asset
}

var nameRe = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// Validate fills in defaults and checks the configuration: names unique and well formed, every
// asset on a configured chain, at most one native asset per chain, no token twice on a chain.
func (c *Config) Validate() error {
	seen := map[string]*Chain{}
	ids := map[uint64]string{}
	for i := range c.Chains {
		ch := &c.Chains[i]
		switch {
		case !nameRe.MatchString(ch.Name):
			return fmt.Errorf("chain name %q must be 1 to 32 lowercase letters, digits and dashes, starting with a letter", ch.Name)
		case seen[ch.Name] != nil:
			return fmt.Errorf("chain %s is configured twice", ch.Name)
		case ch.ID == 0:
			return fmt.Errorf("chain %s has no chain id", ch.Name)
		case ids[ch.ID] != "":
			return fmt.Errorf("chains %s and %s have the same chain id %d", ids[ch.ID], ch.Name, ch.ID)
		}
		if ch.Confirmations == 0 {
			ch.Confirmations = ConfirmationsDefault
		}
		if ch.Poll <= 0 {
			ch.Poll = PollDefault
		}
		if ch.BlockRangeMax == 0 {
			ch.BlockRangeMax = BlockRangeMaxDefault
		}
		seen[ch.Name], ids[ch.ID] = ch, ch.Name
	}
	codes := map[string]bool{}
	natives := map[string]string{}
	tokens := map[string]string{}
	for _, a := range c.Assets {
		switch {
		case a.Code == "":
			return errors.New("a chain asset has no code")
		case codes[a.Code]:
			return fmt.Errorf("asset %s is configured twice", a.Code)
		case seen[a.Chain] == nil:
			return fmt.Errorf("asset %s is on chain %q, which is not configured", a.Code, a.Chain)
		case a.Decimals > DecimalsMax:
			return fmt.Errorf("asset %s has %d decimals; at most %d are supported", a.Code, a.Decimals, DecimalsMax)
		}
		codes[a.Code] = true
		if a.Native() {
			if other := natives[a.Chain]; other != "" {
				return fmt.Errorf("assets %s and %s are both chain %s's native coin", other, a.Code, a.Chain)
			}
			natives[a.Chain] = a.Code
			continue
		}
		key := a.Chain + "/" + a.Contract.Hex()
		if other := tokens[key]; other != "" {
			return fmt.Errorf("assets %s and %s are both the token %s on chain %s", other, a.Code, a.Contract.Hex(), a.Chain)
		}
		tokens[key] = a.Code
	}
	return nil
}

// Chain returns the chain named name.
func (c *Config) Chain(name string) (Chain, bool) {
	for _, ch := range c.Chains {
		if ch.Name == name {
			return ch, true
		}
	}
	return Chain{}, false
}

// Asset returns the chain asset with the ledger code.
func (c *Config) Asset(code string) (Asset, bool) {
	for _, a := range c.Assets {
		if a.Code == code {
			return a, true
		}
	}
	return Asset{}, false
}

// AssetsOn returns the assets on the chain named name.
func (c *Config) AssetsOn(name string) []Asset {
	var out []Asset
	for _, a := range c.Assets {
		if a.Chain == name {
			out = append(out, a)
		}
	}
	return out
}
