package main

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"log/slog"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/payout"
	"github.com/cofferhq/coffer/chain/send"
	"github.com/cofferhq/coffer/chain/watch"
	"github.com/cofferhq/coffer/duty"
	"github.com/cofferhq/coffer/ledger"
)

// payoutStore is what payouts need of a store beyond coffer.Store; both stores have it.
type payoutStore interface {
	coffer.Store
	coffer.SendStore
	coffer.SendIntentLister
	coffer.CursorStore
	coffer.DepositAddressStore
}

// devHotFunding is what the dev chain's faucet gives the hot wallet at start, so that a
// newcomer's first withdrawal on the dev chain goes out: 100 ETH and 1,000,000 USDT.
var devHotFunding = map[string]*big.Int{
	"ETH":  new(big.Int).Mul(big.NewInt(100), big.NewInt(1e18)),
	"USDT": big.NewInt(1_000_000_000_000),
}

// startPayouts makes the payout service and, per chain, the duty of its hot wallet's sender;
// and the queue duty that queues what a crash left held and unqueued. Every chain sends from
// the same address, the hot key's.
func (c *chains) startPayouts(ctx context.Context, cfg Config, clients map[string]watch.Client, store coffer.Store,
	l *ledger.Ledger, hot *ecdsa.PrivateKey, logger *slog.Logger) error {
	ps, ok := store.(payoutStore)
	if !ok {
		return fmt.Errorf("the %T store keeps no payouts", store)
	}
	for asset, fee := range cfg.PayoutNetworkFee {
		if _, ok := c.config.Asset(asset); !ok {
			return usageErr("--payout-network-fee: %s is not a chain asset", asset)
		}
		if fee.Sign() < 0 {
			return usageErr("--payout-network-fee: the network fee of %s must not be negative", asset)
		}
	}
	from := crypto.PubkeyToAddress(hot.PublicKey)
	hots := map[string]common.Address{}
	for _, ch := range c.config.Chains {
		hots[ch.Name] = from
	}
	c.senders = map[string]*send.Sender{}
	svc, err := payout.New(payout.Config{Chains: c.config, Hot: hots, Ledger: l, Store: ps,
		NetworkFee: cfg.PayoutNetworkFee, Logger: logger,
		Wake: func(name string) {
			if s := c.senders[name]; s != nil {
				s.Wake()
			}
		}})
	if err != nil {
		return err
	}
	c.payouts = svc
	gwei := cfg.PayoutFeeCapGwei
	if gwei <= 0 {
		gwei = payoutFeeCapDefault
	}
	feeCap := new(big.Int).Mul(big.NewInt(int64(gwei)), big.NewInt(1_000_000_000))
	for _, ch := range c.config.Chains {
		client, ok := clients[ch.Name].(send.Client)
		if !ok {
			return fmt.Errorf("chain %s: its client cannot send transactions", ch.Name)
		}
		s, err := send.New(send.Config{Chain: ch, Assets: c.config.AssetsOn(ch.Name), Client: client, Store: ps, Key: hot,
			Ledger: svc, FeeCapMax: feeCap, BumpBlocks: uint64(cfg.PayoutBumpBlocks), CheckTokens: true, Logger: logger})
		if err != nil {
			return err
		}
		c.senders[ch.Name] = s
		c.duties = append(c.duties, duty.Duty{Name: send.DutyName(ch.Name, from), Run: s.Run})
		logger.Info("payouts", "chain", ch.Name, "hot_wallet", from.Hex())
	}
	c.duties = append(c.duties, duty.Duty{Name: payout.QueueDutyName, Run: func(ctx context.Context, fence coffer.Fence, report func(any)) error {
		return svc.RunQueue(ctx, fence, 0, report)
	}})
	if c.dev != nil {
		for asset, amount := range devHotFunding {
			if _, err := c.dev.Fund(ctx, from, asset, amount); err != nil {
				return fmt.Errorf("dev chain: fund the hot wallet with %s: %w", asset, err)
			}
		}
	}
	return nil
}
