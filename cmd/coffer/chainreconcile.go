package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/chainrecon"
	"github.com/cofferhq/coffer/chain/chainrecon/books"
	"github.com/cofferhq/coffer/chain/watch"
	"github.com/cofferhq/coffer/duty"
)

// reconcileStore is what chain reconciliation needs of a store; both stores have it.
type reconcileStore interface {
	chainStore
	coffer.ChainReconciliationStore
	coffer.SendStore
	coffer.SendIntentLister
}

// startReconcilers makes a reconciler of each configured chain, for POST
// /v1/reconciliations/chain, and, unless interval is 0, the duty that runs each on a schedule.
// Each reconciles the deposit addresses and Coffer's own addresses (the hot wallet).
func (c *chains) startReconcilers(clients map[string]watch.Client, store chainStore, own []string, interval time.Duration, logger *slog.Logger) error {
	rs, ok := store.(reconcileStore)
	if !ok {
		return fmt.Errorf("the %T store keeps no chain reconciliations", store)
	}
	c.reconcilers = map[string]*chainrecon.Reconciler{}
	for _, ch := range c.config.Chains {
		client, ok := clients[ch.Name].(chainrecon.Client)
		if !ok {
			return fmt.Errorf("chain %s: the %T client cannot read balances at a block hash", ch.Name, clients[ch.Name])
		}
		r, err := chainrecon.New(chainrecon.Config{Chain: ch, Assets: c.config.AssetsOn(ch.Name), Client: client, Store: rs,
			Books: books.Ledger{Store: store}, Addresses: own, Logger: logger})
		if err != nil {
			return err
		}
		c.reconcilers[ch.Name] = r
		if interval > 0 {
			c.duties = append(c.duties, duty.Duty{Name: chainrecon.DutyName(ch.Name),
				Run: func(ctx context.Context, _ coffer.Fence, report func(any)) error {
					return r.Every(ctx, interval, report)
				}})
		}
	}
	return nil
}
