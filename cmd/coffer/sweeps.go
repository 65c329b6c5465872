package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"regexp"

	"github.com/ethereum/go-ethereum/common"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/devchain"
	"github.com/cofferhq/coffer/chain/hdkey"
	"github.com/cofferhq/coffer/chain/send"
	"github.com/cofferhq/coffer/chain/sweep"
	"github.com/cofferhq/coffer/chain/watch"
	"github.com/cofferhq/coffer/duty"
	"github.com/cofferhq/coffer/ledger"
)

// devGasFunding is what the dev chain's faucet gives the sweeps' gas wallet at start: 10 ETH.
var devGasFunding = new(big.Int).Mul(big.NewInt(10), big.NewInt(1e18))

// thresholdsValue is --sweep-threshold: ASSET=DECIMAL, repeated, the decimal in the asset's
// unit; it is read with the asset's decimals once the chains are known.
func thresholdsValue(m *map[string]string) assetMap[string] {
	return assetMap[string]{m: m, form: "ASSET=AMOUNT", example: "USDT=100 or ETH=0.5",
		parse: func(asset, amount string) (string, error) {
			if asset == "" || !thresholdRE.MatchString(amount) {
				return "", errors.New("not ASSET=DECIMAL")
			}
			return amount, nil
		},
		format: func(a string) string { return a }}
}

var thresholdRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// assetAmounts reads the values of a setting of thresholdsValue's form (ASSET=DECIMAL) with
// each asset's decimals, by chain and then asset; each must be a positive amount of a chain
// asset.
func (c *chains) assetAmounts(flag string, values map[string]string) (map[string]map[string]*big.Int, error) {
	out := map[string]map[string]*big.Int{}
	for code, dec := range values {
		a, ok := c.config.Asset(code)
		if !ok {
			return nil, usageErr("--%s: %s is not a chain asset", flag, code)
		}
		amount, err := coffer.ParseAmount(dec, int(a.Decimals))
		if err != nil || amount.Sign() <= 0 {
			return nil, usageErr("--%s: %s=%s must be a positive amount of at most %d decimals", flag, code, dec, a.Decimals)
		}
		if out[a.Chain] == nil {
			out[a.Chain] = map[string]*big.Int{}
		}
		out[a.Chain][code] = amount.Big()
	}
	return out, nil
}

// sweepDestination returns the address sweeps go to: --sweep-to, or the hot wallet.
func sweepDestination(cfg Config, hot common.Address) (common.Address, error) {
	if cfg.SweepTo == "" {
		return hot, nil
	}
	if len(cfg.SweepThresholds) == 0 {
		return common.Address{}, usageErr("--sweep-to: nothing is swept without --sweep-threshold")
	}
	to, err := chain.ParseAddress(cfg.SweepTo)
	if err != nil {
		return common.Address{}, usageErr("--sweep-to: %v", err)
	}
	if to == (common.Address{}) {
		return common.Address{}, usageErr("--sweep-to: the zero address would burn what is swept")
	}
	return to, nil
}

// sweepStore is what the sweeps need of a store beyond coffer.Store; both stores have it.
type sweepStore interface {
	coffer.Store
	coffer.SendStore
	coffer.SendIntentLister
	coffer.DepositAddressStore
}

// startSweeps makes, per chain with an asset that has a --sweep-threshold, the duty of its
// sweeps, apart from the payouts' sender.
func (c *chains) startSweeps(ctx context.Context, cfg Config, clients map[string]watch.Client, store coffer.Store,
	l *ledger.Ledger, keys seedKeys, to common.Address, logger *slog.Logger) error {
	if len(cfg.SweepThresholds) == 0 {
		return nil
	}
	ss, ok := store.(sweepStore)
	if !ok {
		return fmt.Errorf("the %T store keeps no sweeps", store)
	}
	if keys.seed == nil {
		return fmt.Errorf("sweeps: the seed was not kept")
	}
	thresholds, err := c.assetAmounts("sweep-threshold", cfg.SweepThresholds)
	if err != nil {
		return err
	}
	gwei := cfg.SweepFeeCapGwei
	if gwei <= 0 {
		gwei = sweepFeeCapDefault
	}
	feeCap := new(big.Int).Mul(big.NewInt(int64(gwei)), big.NewInt(1_000_000_000))
	gasKey, err := keys.seed.PrivateKey(hdkey.GasWalletPath())
	if err != nil {
		return fmt.Errorf("sweeps: the gas wallet: %w", err)
	}
	for _, ch := range c.config.Chains {
		if len(thresholds[ch.Name]) == 0 {
			continue
		}
		client, ok := clients[ch.Name].(send.Client)
		if !ok {
			return fmt.Errorf("chain %s: its client cannot send transactions", ch.Name)
		}
		s, err := sweep.New(sweep.Config{Chain: ch, Assets: c.config.AssetsOn(ch.Name), Client: client, Store: ss, Ledger: l,
			Keys: keys.seed, DepositPath: hdkey.DepositPath, GasKey: gasKey, To: to, Thresholds: thresholds[ch.Name],
			FeeCap: feeCap, Logger: logger})
		if err != nil {
			return err
		}
		c.duties = append(c.duties, duty.Duty{Name: sweep.DutyName(ch.Name), Run: s.Run})
		logger.Info("sweeps", "chain", ch.Name, "to", to.Hex(), "gas_wallet", s.GasWallet().Hex())
		if c.dev != nil && ch.Name == devChainName {
			if _, err := c.dev.Fund(ctx, s.GasWallet(), devchain.AssetETH, devGasFunding); err != nil {
				return fmt.Errorf("dev chain: fund the gas wallet: %w", err)
			}
		}
	}
	return nil
}
