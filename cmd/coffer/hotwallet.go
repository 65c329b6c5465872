package main

import (
	"fmt"
	"log/slog"
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/cofferhq/coffer/chain/hotwallet"
	"github.com/cofferhq/coffer/chain/watch"
	"github.com/cofferhq/coffer/duty"
)

// startHotWallets makes, per chain, the duty that reads the hot wallet's balances at the head
// for the metrics (coffer_hot_wallet_balance), with --hot-wallet-low-balance's thresholds
// (coffer_hot_wallet_low_balance) beside them.
func (c *chains) startHotWallets(cfg Config, clients map[string]watch.Client, hot common.Address, logger *slog.Logger) error {
	low, err := c.assetAmounts("hot-wallet-low-balance", cfg.HotWalletLowBalance)
	if err != nil {
		return err
	}
	for _, ch := range c.config.Chains {
		client, ok := clients[ch.Name].(hotwallet.Client)
		if !ok {
			return fmt.Errorf("chain %s: the %T client cannot read balances", ch.Name, clients[ch.Name])
		}
		w, err := hotwallet.New(hotwallet.Config{Chain: ch, Assets: c.config.AssetsOn(ch.Name), Client: client, Address: hot,
			Low: low[ch.Name], Logger: logger})
		if err != nil {
			return err
		}
		c.duties = append(c.duties, duty.Duty{Name: hotwallet.DutyName(ch.Name), Run: w.Run})
	}
	return nil
}

// unitFloat is a minor-unit amount in the asset's unit as a float, for a gauge: rounded to
// the nearest float64, never used as money.
func unitFloat(v *big.Int, decimals uint8) float64 {
	f, _ := new(big.Rat).SetFrac(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decimals)), nil)).Float64()
	return f
}
