package main

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"go.opentelemetry.io/otel/trace"
	"go.yaml.in/yaml/v3"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/address"
	"github.com/cofferhq/coffer/chain/chainrecon"
	"github.com/cofferhq/coffer/chain/chainview"
	"github.com/cofferhq/coffer/chain/credit"
	"github.com/cofferhq/coffer/chain/devchain"
	"github.com/cofferhq/coffer/chain/hdkey"
	"github.com/cofferhq/coffer/chain/node"
	"github.com/cofferhq/coffer/chain/payout"
	"github.com/cofferhq/coffer/chain/send"
	"github.com/cofferhq/coffer/chain/watch"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/duty"
	"github.com/cofferhq/coffer/ledger"
)

// A node client must be everything serve asks of a chain: the watcher's reads, the sender's
// calls and the reconciliation's reads at a block hash.
var (
	_ watch.Client      = (*node.Client)(nil)
	_ send.Client       = (*node.Client)(nil)
	_ chainrecon.Client = (*node.Client)(nil)
)

// The embedded dev chain's settings: `--chain dev`.
const (
	devChainName = "dev"
	// devConfirmations is the dev chain's depth of a credit: three blocks, three seconds.
	devConfirmations = 3
	devPoll          = 500 * time.Millisecond
)

// chainsValue is --chain: a repeated flag, COFFER_CHAINS separated by spaces, or a YAML
// sequence; each is "dev" or what chain.ParseChain reads. A node URL is shown without its
// password, path and query, where providers put API keys.
type chainsValue struct{ p *[]chain.Chain }

func (v chainsValue) Type() string                 { return "chain" }
func (v chainsValue) Set(s string) error           { return v.Append(s) }
func (v chainsValue) SplitEnv(s string) []string   { return strings.Fields(s) }
func (v chainsValue) Replace(items []string) error { *v.p = nil; return replaceAll(v, items) }

func (v chainsValue) GetSlice() []string {
	out := make([]string, len(*v.p))
	for i, c := range *v.p {
		out[i] = chainString(c)
	}
	return out
}

func (v chainsValue) String() string { return strings.Join(v.GetSlice(), " ") }

// Redact hides the node URLs' secrets in a value as given.
func (v chainsValue) Redact(raw string) string { return chain.RedactURLs(raw) }

func (v chainsValue) Append(s string) error {
	s = strings.TrimSpace(s)
	c := chain.Chain{Name: devChainName, ID: devchain.ChainID, Confirmations: devConfirmations, Poll: devPoll}
	if s != devChainName {
		var err error
		if c, err = chain.ParseChain(s); err != nil {
			return err
		}
	}
	for _, have := range *v.p {
		if have.Name == c.Name {
			return fmt.Errorf("names the chain %s twice", c.Name)
		}
	}
	*v.p = append(*v.p, c)
	return nil
}

// chainString writes a chain as --chain reads it, its node URLs redacted.
func chainString(c chain.Chain) string {
	if c.Name == devChainName && len(c.RPC) == 0 {
		return devChainName
	}
	parts := []string{"name=" + c.Name, fmt.Sprintf("id=%d", c.ID)}
	for _, u := range c.RPC {
		parts = append(parts, "rpc="+chain.RedactURL(u))
	}
	if c.Confirmations != 0 {
		parts = append(parts, fmt.Sprintf("confirmations=%d", c.Confirmations))
	}
	if c.Poll != 0 {
		parts = append(parts, "poll="+c.Poll.String())
	}
	if c.BlockRangeMax != 0 {
		parts = append(parts, fmt.Sprintf("blocks=%d", c.BlockRangeMax))
	}
	return strings.Join(parts, ",")
}

// chainAssetsValue is --chain-asset, a list like --chain's of what chain.ParseAsset reads.
type chainAssetsValue struct{ p *[]chain.Asset }

func (v chainAssetsValue) Type() string                 { return "asset" }
func (v chainAssetsValue) Set(s string) error           { return v.Append(s) }
func (v chainAssetsValue) SplitEnv(s string) []string   { return strings.Fields(s) }
func (v chainAssetsValue) Replace(items []string) error { *v.p = nil; return replaceAll(v, items) }
func (v chainAssetsValue) String() string               { return strings.Join(v.GetSlice(), " ") }

func (v chainAssetsValue) GetSlice() []string {
	out := make([]string, len(*v.p))
	for i, a := range *v.p {
		out[i] = fmt.Sprintf("code=%s,chain=%s", a.Code, a.Chain)
		if a.Contract != nil {
			out[i] += ",contract=" + a.Contract.Hex()
		}
		out[i] += fmt.Sprintf(",decimals=%d", a.Decimals)
	}
	return out
}

func (v chainAssetsValue) Append(s string) error {
	a, err := chain.ParseAsset(strings.TrimSpace(s))
	if err != nil {
		return err
	}
	*v.p = append(*v.p, a)
	return nil
}

// chains is what serve runs of the chains configured: the deposit addresses' service, a
// watcher duty per chain, and the dev chain when there is one.
type chains struct {
	config    chain.Config
	addresses *address.Service
	view      *chainview.Service
	duties    []duty.Duty
	dev       *devchain.Chain
	clients   []*node.Client
	// reconcilers reconcile each chain's custody, by the chain's name.
	reconcilers map[string]*chainrecon.Reconciler
	// payouts requests and cancels payouts; senders are the hot wallet's, by chain.
	payouts *payout.Service
	senders map[string]*send.Sender
	// seed is kept only when sweeping is on: a sweep signs with a deposit address's key.
	seed *hdkey.Seed
}

// chainStore is what the chain code needs of a store beyond coffer.Store; both stores have it.
type chainStore interface {
	coffer.Store
	coffer.ChainWatchStore
	coffer.DepositAddressStore
}

// startChains starts what the configured chains need, or returns nil when there are none. The
// seed file must open with the seed secret: only its watch-only xpub is kept, for the deposit
// addresses. Each chain asset is created in the ledger with its decimals as scale, or must
// already be there with them. tracer, if not nil, makes a span of each call to a chain's node.
func startChains(ctx context.Context, cfg Config, store coffer.Store, l *ledger.Ledger, logger *slog.Logger, tracer trace.Tracer) (*chains, error) {
	if len(cfg.Chains) == 0 {
		if len(cfg.ChainAssets) > 0 {
			return nil, usageErr("--chain-asset: assets are configured on no chain; add --chain")
		}
		return nil, nil
	}
	cs, ok := store.(chainStore)
	if !ok {
		return nil, fmt.Errorf("the %T store keeps no chain deposits", store)
	}
	leases, ok := store.(coffer.LeaseStore)
	if !ok {
		return nil, fmt.Errorf("the %T store keeps no leases", store)
	}
	keys, err := openXPub(cfg, len(cfg.SweepThresholds) > 0)
	if err != nil {
		return nil, err
	}
	xpub, hot := keys.xpub, keys.hot
	out := &chains{config: chain.Config{Chains: cfg.Chains, Assets: cfg.ChainAssets}, seed: keys.seed}
	ok = false
	defer func() {
		if !ok {
			out.close()
		}
	}()
	clients := map[string]watch.Client{}
	for _, c := range cfg.Chains {
		if c.Name == devChainName && len(c.RPC) == 0 {
			if out.dev, err = devchain.Start(context.WithoutCancel(ctx), devchain.Config{Logger: logger}); err != nil {
				return nil, err
			}
			clients[c.Name] = out.dev.Client()
			if len(out.config.AssetsOn(devChainName)) == 0 {
				token := out.dev.Token()
				out.config.Assets = append(out.config.Assets,
					chain.Asset{Code: devchain.AssetETH, Chain: devChainName, Decimals: 18},
					chain.Asset{Code: devchain.AssetUSDT, Chain: devChainName, Contract: &token, Decimals: devchain.TokenDecimals})
			}
			continue
		}
		nc, err := node.New(c.Name, c.RPC, logger)
		if err != nil {
			return nil, err
		}
		if tracer != nil {
			nc.Trace(tracer)
		}
		out.clients = append(out.clients, nc)
		clients[c.Name] = nc
	}
	if err := out.config.Validate(); err != nil {
		return nil, usageErr("--chain: %v", err)
	}
	for _, a := range out.config.Assets {
		if err := ensureAsset(ctx, store, l, a); err != nil {
			return nil, err
		}
	}
	out.addresses = &address.Service{Config: out.config, Keys: xpub, Store: cs}
	out.view = &chainview.Service{Config: out.config, Store: cs, Leases: leases}
	owner := cfg.HotWalletOwner
	if owner == "" {
		owner = hotWalletOwnerDefault
	}
	if err := coffer.ValidateOwner(owner); err != nil {
		return nil, usageErr("--hot-wallet-owner: %v", err)
	}
	hotAddr := crypto.PubkeyToAddress(hot.PublicKey)
	sweepTo, err := sweepDestination(cfg, hotAddr)
	if err != nil {
		return nil, err
	}
	// The reconcilers cover the deposit addresses and Coffer's own: the hot wallet, and with
	// sweeping on the gas wallet and the address swept to, between which custody moves.
	own := []string{hotAddr.Hex()}
	if len(cfg.SweepThresholds) > 0 {
		own = append(own, keys.gas.Hex())
		if sweepTo != hotAddr {
			own = append(own, sweepTo.Hex())
		}
	}
	// The hot wallet's funding, and with sweeping on the gas wallet's, is credited to owner.
	funded := []common.Address{hotAddr}
	if len(cfg.SweepThresholds) > 0 {
		funded = append(funded, keys.gas)
	}
	for _, c := range out.config.Chains {
		addrs := hotFunding(credit.Addresses(cs, c.Name), owner, funded...)
		out.duties = append(out.duties, watchDuty(c, out.config, clients[c.Name], cs, addrs, ownSender(addrs), l, keys.gas, logger, c.Name == devChainName && out.dev != nil))
	}
	if err := out.startReconcilers(clients, cs, own, cfg.ChainReconcileInterval, logger); err != nil {
		return nil, err
	}
	if err := out.forgetDevSends(ctx, store, l, logger); err != nil {
		return nil, err
	}
	if err := out.startPayouts(ctx, cfg, clients, store, l, hot, logger); err != nil {
		return nil, err
	}
	if err := out.startHotWallets(cfg, clients, hotAddr, logger); err != nil {
		return nil, err
	}
	if err := out.startSweeps(ctx, cfg, clients, store, l, keys, sweepTo, logger); err != nil {
		return nil, err
	}
	ok = true
	return out, nil
}

// watchDuty is the duty that runs a chain's watcher. A chain never scanned is scanned from its
// head at that time: the deposit addresses are new. The dev chain, new at every start, is
// scanned from its first block, what was seen of an earlier one forgotten.
func watchDuty(c chain.Chain, cfg chain.Config, client watch.Client, store chainStore, addrs addressLookup,
	own func(context.Context, string) (bool, error), l *ledger.Ledger, gas common.Address, logger *slog.Logger, dev bool) duty.Duty {
	forgotten := false
	return duty.Duty{Name: watch.DutyName(c.Name), Run: func(ctx context.Context, fence coffer.Fence, report func(any)) error {
		wcfg := watch.Config{Chain: c, Assets: cfg.AssetsOn(c.Name), Client: client, Store: store,
			Addresses: addrs,
			Ledger:    &credit.Credit{Chain: c, Ledger: l, Transfers: store, Tops: store, Own: []string{gas.Hex()}, OwnSender: own},
			From:      1, Logger: logger}
		if !dev {
			if _, err := store.ChainTop(ctx, c.Name); coffer.ErrorCode(err) == coffer.ENOTFOUND {
				h, err := client.HeaderByNumber(ctx, nil)
				if err != nil {
					return fmt.Errorf("chain %s: the head: %w", c.Name, err)
				}
				wcfg.From = h.Number.Uint64()
			}
		}
		w, err := watch.New(wcfg)
		if err != nil {
			return err
		}
		if dev && !forgotten {
			if err := w.Forget(ctx, 0); err != nil {
				return err
			}
			forgotten = true
		}
		return w.Run(ctx, fence, report)
	}}
}

// addressLookup is a watcher's lookup of Coffer's addresses among a block's recipients, with
// the owner each credits (watch.Config.Addresses).
type addressLookup = func(ctx context.Context, addrs []common.Address) (map[common.Address]string, error)

// ownSender reports whether an address is one of Coffer's own by the watcher's lookup: a
// deposit address or a funded wallet. What such an address sends to another of Coffer's is a
// sweep, a custody move chain/sweep books, never an owner's deposit: without this, a sweep into
// the hot wallet would be credited as its funding too. (The gas wallet's top-ups are
// credit.Credit.Own's.)
func ownSender(addrs addressLookup) func(context.Context, string) (bool, error) {
	return func(ctx context.Context, from string) (bool, error) {
		if !common.IsHexAddress(from) {
			return false, nil
		}
		a := common.HexToAddress(from)
		found, err := addrs(ctx, []common.Address{a})
		if err != nil {
			return false, err
		}
		_, ok := found[a]
		return ok, nil
	}
}

// hotFunding makes the watcher see the funded addresses (the hot wallet, and the gas wallet
// when sweeping is on) as deposit addresses of owner: what arrives
// there from outside (the operator's funding) is a chain deposit like any other, pending then
// credited to owner's wallet at the chain's confirmations, and it debits the hot wallet's
// custody account. Payouts credit that account, so its holding follows the hot wallet's balance
// on chain and the chain reconciliation can account for every transfer in and out of it. A
// transfer from one of Coffer's own addresses (a sweep, a top-up) is not funding: ownSender
// keeps it out of the ledger, where chain/sweep books it as a custody move.
func hotFunding(deposits addressLookup, owner string, funded ...common.Address) addressLookup {
	return func(ctx context.Context, addrs []common.Address) (map[common.Address]string, error) {
		out, err := deposits(ctx, addrs)
		if err != nil {
			return nil, err
		}
		for _, a := range addrs {
			if slices.Contains(funded, a) {
				out[a] = owner
			}
		}
		return out, nil
	}
}

// ensureAsset creates a chain asset in the ledger with its decimals as scale, or checks the
// one there has them.
func ensureAsset(ctx context.Context, store coffer.Store, l *ledger.Ledger, a chain.Asset) error {
	have, err := store.Asset(ctx, a.Code)
	switch {
	case coffer.ErrorCode(err) == coffer.ENOTFOUND:
		_, err = l.Do(ctx, ledger.CreateAsset{Code: a.Code, Scale: int(a.Decimals)})
		if err != nil && coffer.ErrorCode(err) != coffer.ECONFLICT {
			return fmt.Errorf("chain asset %s: %w", a.Code, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("chain asset %s: %w", a.Code, err)
	case have.Scale != int(a.Decimals):
		return usageErr("--chain-asset: asset %s is in the ledger with scale %d, and the chain's has %d decimals; they must agree", a.Code, have.Scale, a.Decimals)
	}
	return nil
}

// seedKeys is what serve keeps of the seed: the watch-only xpub of the deposit addresses, the
// hot wallet's key, the sweeps' gas wallet's address, and the seed itself only when sweeping is
// on (a sweep signs with a deposit address's key), zeroed by chains.close.
type seedKeys struct {
	xpub *hdkey.XPub
	hot  *ecdsa.PrivateKey
	gas  common.Address
	seed *hdkey.Seed
}

// openXPub opens the seed file with the seed secret and returns its keys: the watch-only xpub,
// the hot wallet's key (m/44'/60'/1'/0/--hot-wallet-index), which signs payouts, the gas
// wallet's address (m/44'/60'/2'/0/0), and, when keepSeed, the seed.
func openXPub(cfg Config, keepSeed bool) (seedKeys, error) {
	secret, err := readSeedSecret(&cfg)
	if err != nil {
		return seedKeys{}, err
	}
	defer clear(secret)
	sealed, err := hdkey.ReadFile(cfg.SeedFile)
	if errors.Is(err, fs.ErrNotExist) {
		return seedKeys{}, usageErr("chains are configured and the seed file %s does not exist: make it with coffer chain init, or give --seed-file", cfg.SeedFile)
	}
	if err != nil {
		return seedKeys{}, fmt.Errorf("seed file %s: %w", cfg.SeedFile, err)
	}
	mnemonic, err := hdkey.Open(sealed, secret)
	if errors.Is(err, hdkey.ErrWrongSecret) {
		return seedKeys{}, usageErr("the seed secret does not open the seed file %s: it is not the secret the file was sealed with", cfg.SeedFile)
	}
	if err != nil {
		return seedKeys{}, fmt.Errorf("seed file %s: %w", cfg.SeedFile, err)
	}
	seed, err := hdkey.NewSeed(mnemonic, "")
	if err != nil {
		return seedKeys{}, fmt.Errorf("seed file %s: %w", cfg.SeedFile, err)
	}
	kept := false
	defer func() {
		if !kept {
			seed.Zero()
		}
	}()
	var k seedKeys
	if k.xpub, err = seed.XPub(); err != nil {
		return seedKeys{}, err
	}
	path := hdkey.HotWalletPath()
	path[len(path)-1] = uint32(cfg.HotWalletIndex)
	if k.hot, err = seed.PrivateKey(path); err != nil {
		return seedKeys{}, fmt.Errorf("seed file %s: the hot wallet: %w", cfg.SeedFile, err)
	}
	gas, err := seed.PrivateKey(hdkey.GasWalletPath())
	if err != nil {
		return seedKeys{}, fmt.Errorf("seed file %s: the gas wallet: %w", cfg.SeedFile, err)
	}
	k.gas = crypto.PubkeyToAddress(gas.PublicKey)
	if keepSeed {
		k.seed, kept = seed, true
	}
	return k, nil
}

// close stops the dev chain and the node connections.
func (c *chains) close() {
	if c == nil {
		return
	}
	for _, ec := range c.clients {
		ec.Close()
	}
	if c.dev != nil {
		c.dev.Close()
	}
	if c.seed != nil {
		c.seed.Zero()
	}
}

// devFund sends a dev chain transaction: POST /v1/dev/fund.
func (c *chains) devFund(ctx context.Context, req client.DevFundRequest) (client.DevFunding, error) {
	a, ok := c.config.Asset(req.Asset)
	if !ok || a.Chain != devChainName {
		return client.DevFunding{}, coffer.Invalid("asset", "asset %q is not on the dev chain; it has %s", req.Asset, strings.Join(c.assetCodes(devChainName), " and "))
	}
	to, err := chain.ParseAddress(req.To)
	if err != nil {
		return client.DevFunding{}, coffer.Invalid("to", "%v", err)
	}
	amount, err := coffer.ParseAmount(req.Amount, int(a.Decimals))
	if err != nil || amount.Sign() <= 0 {
		return client.DevFunding{}, coffer.Invalid("amount", "amount %q must be a positive decimal with at most %d decimals", req.Amount, a.Decimals)
	}
	hash, err := c.dev.Fund(ctx, to, a.Code, amount.Big())
	if err != nil {
		return client.DevFunding{}, err
	}
	return client.DevFunding{Chain: devChainName, TxHash: strings.ToLower(hash.Hex()), To: to.Hex(), Asset: a.Code,
		Amount: amount.Format(int(a.Decimals))}, nil
}

func (c *chains) assetCodes(name string) []string {
	var out []string
	for _, a := range c.config.AssetsOn(name) {
		out = append(out, a.Code)
	}
	return out
}

// SetYAML takes the config file's chains: a list of strings as --chain reads them, or of
// mappings with the same keys (rpc may be a list).
func (v chainsValue) SetYAML(n *yaml.Node) error {
	items, err := yamlPairs(n)
	if err != nil {
		return err
	}
	return v.Replace(items)
}

// SetYAML takes the config file's chain assets, as chainsValue's SetYAML its chains.
func (v chainAssetsValue) SetYAML(n *yaml.Node) error {
	items, err := yamlPairs(n)
	if err != nil {
		return err
	}
	return v.Replace(items)
}

// yamlPairs reads a sequence of strings or of mappings of scalars (or of lists of scalars) as
// strings of comma-separated key=value pairs; a lone scalar is a sequence of one.
func yamlPairs(n *yaml.Node) ([]string, error) {
	n = deref(n)
	switch n.Kind {
	case yaml.ScalarNode:
		return []string{n.Value}, nil
	case yaml.SequenceNode:
	default:
		return nil, fmt.Errorf("line %d: takes a list", n.Line)
	}
	var out []string
	for _, item := range n.Content {
		item = deref(item)
		switch item.Kind {
		case yaml.ScalarNode:
			out = append(out, item.Value)
			continue
		case yaml.MappingNode:
		default:
			return nil, fmt.Errorf("line %d: each item is a string or a mapping", item.Line)
		}
		var pairs []string
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i].Value, deref(item.Content[i+1])
			switch v.Kind {
			case yaml.ScalarNode:
				pairs = append(pairs, k+"="+v.Value)
			case yaml.SequenceNode:
				for _, e := range v.Content {
					if e = deref(e); e.Kind != yaml.ScalarNode {
						return nil, fmt.Errorf("line %d: %s: each item must be a single value", e.Line, k)
					}
					pairs = append(pairs, k+"="+e.Value)
				}
			default:
				return nil, fmt.Errorf("line %d: %s takes a value or a list of values", v.Line, k)
			}
		}
		out = append(out, strings.Join(pairs, ","))
	}
	return out, nil
}
