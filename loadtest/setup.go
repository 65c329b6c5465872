package loadtest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/cofferhq/coffer/client"
)

// setup creates the run's assets and merchants, funds the exchange pool of the mixed workload's
// second asset with PoolFund, and funds every wallet with FundAmount, from Config.Clients
// goroutines. Setup is not the run: any error ends it.
func (b *bench) setup(ctx context.Context) error {
	for _, code := range b.assets() {
		if _, err := b.client.CreateAsset(ctx, client.CreateAssetRequest{Code: code, Scale: Scale}); err != nil {
			return fmt.Errorf("create asset %s: %w", code, err)
		}
	}
	if b.counter != "" {
		if _, err := b.client.Adjust(ctx, client.AdjustmentRequest{ID: b.counter + "-pool",
			AccountID: "system:exchange:" + b.counter, Direction: "credit", Amount: formatMinor(PoolFund),
			Reason: "bench setup: the exchange pool pays out only what it holds"}); err != nil {
			return fmt.Errorf("fund the exchange pool of %s: %w", b.counter, err)
		}
	}
	for _, m := range b.merchants {
		if _, err := b.client.CreateAccount(ctx, client.CreateAccountRequest{Kind: "merchant", Owner: m, Asset: b.asset}); err != nil {
			return fmt.Errorf("create merchant %s: %w", m, err)
		}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range b.cfg.Clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(b.owners) || ctx.Err() != nil {
					return
				}
				_, err := b.client.Deposit(ctx, client.DepositRequest{ID: b.asset + "-fund-" + b.owners[i],
					Owner: b.owners[i], Asset: b.asset, Amount: formatMinor(FundAmount), Source: "bench setup"})
				if err != nil {
					cancel(fmt.Errorf("fund wallet of %s: %w", b.owners[i], err))
					return
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// funded is what setup deposited, in minor units.
func (b *bench) funded() int64 { return int64(len(b.owners)) * FundAmount }
