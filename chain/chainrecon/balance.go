package chainrecon

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"sync"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/testtoken"
)

// erc20 packs balanceOf(owner) and unpacks its answer; only its ABI is used, which every ERC-20
// token shares.
var erc20 = testtoken.NewCofferTestToken()

// balances reads every address's balance of every asset at the block hash and returns a line
// for each that differs from the ledger's, in the order of addrs, then of the assets.
func (r *Reconciler) balances(ctx context.Context, block uint64, hash common.Hash, addrs []string) ([]coffer.ChainReconLine, error) {
	codes := make([]string, len(r.assets))
	for i, a := range r.assets {
		codes[i] = a.Code
	}
	held, err := r.heldAt(ctx, block, addrs, codes)
	if err != nil {
		return nil, err
	}

	onChain := make([][]*big.Int, len(addrs))
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range min(r.cfg.Concurrency, len(addrs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				got, err := r.balancesOf(ctx, hash, common.HexToAddress(addrs[i]))
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("balances of %s: %w", addrs[i], err)
					}
					mu.Unlock()
					cancel()
					continue
				}
				onChain[i] = got
			}
		}()
	}
feed:
	for i := range addrs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return nil, first
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	var lines []coffer.ChainReconLine
	for i, a := range addrs {
		for j, asset := range r.assets {
			ledger := held[[2]string{a, asset.Code}]
			if ledger == nil {
				ledger = new(big.Int)
			}
			if onChain[i][j].Cmp(ledger) == 0 {
				continue
			}
			lines = append(lines, coffer.ChainReconLine{Kind: coffer.ChainReconBalance, Address: a, Asset: asset.Code,
				OnChain: onChain[i][j], Ledger: ledger, Difference: new(big.Int).Sub(onChain[i][j], ledger)})
		}
	}
	return lines, nil
}

// balancesOf reads the address's balance of each asset at the block hash.
func (r *Reconciler) balancesOf(ctx context.Context, hash common.Hash, addr common.Address) ([]*big.Int, error) {
	out := make([]*big.Int, len(r.assets))
	for j, a := range r.assets {
		err := r.call(ctx, func(ctx context.Context) error {
			if a.Native() {
				b, err := r.cfg.Client.BalanceAtHash(ctx, addr, hash)
				out[j] = b
				return err
			}
			data, err := r.cfg.Client.CallContractAtHash(ctx, ethereum.CallMsg{To: a.Contract, Data: erc20.PackBalanceOf(addr)}, hash)
			if err != nil {
				return err
			}
			if len(data) == 0 {
				// No code at the contract's address at that block: the token was not yet
				// deployed there (a new chain), and nobody held any of it.
				out[j] = new(big.Int)
				return nil
			}
			if len(data) != 32 {
				return fmt.Errorf("%s's balanceOf answered %d bytes, not 32: is %s an ERC-20 token?", a.Code, len(data), a.Contract.Hex())
			}
			out[j] = new(big.Int).SetBytes(data)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.Code, err)
		}
	}
	return out, nil
}

// heldAt returns what the ledger holds at each address in each asset as of the block: its
// custody now, less what it booked for transfers mined after the block (deposits confirmed,
// intents ended), which the chain's state at the block does not show yet. The bookings after
// the block are read before and after the custody; should they differ (the watcher or the sender
// booked one meanwhile), it is read again, a few times at most.
func (r *Reconciler) heldAt(ctx context.Context, block uint64, addrs, codes []string) (map[[2]string]*big.Int, error) {
	const tries = 3
	for try := 1; ; try++ {
		before, err := r.bookedAfter(ctx, block)
		if err != nil {
			return nil, err
		}
		held := map[[2]string]*big.Int{}
		// The ledger's side is read in pages of addresses, so that a large chain does not make
		// one query of a million parameters.
		const page = coffer.ListRowsMax
		for i := 0; i < len(addrs); i += page {
			hs, err := r.cfg.Books.Custody(ctx, r.cfg.Chain.Name, addrs[i:min(i+page, len(addrs))], codes)
			if err != nil {
				return nil, fmt.Errorf("custody: %w", err)
			}
			for _, h := range hs {
				k := [2]string{h.Address, h.Asset}
				if held[k] == nil {
					held[k] = new(big.Int)
				}
				held[k].Add(held[k], h.Amount)
			}
		}
		after, err := r.bookedAfter(ctx, block)
		if err != nil {
			return nil, err
		}
		if !sameTally(before, after) && try < tries {
			continue
		}
		for m, v := range after {
			k := [2]string{m.address, m.asset}
			if held[k] == nil {
				held[k] = new(big.Int)
			}
			held[k].Sub(held[k], v)
		}
		return held, nil
	}
}

// bookedAfter is what the ledger booked for transfers mined after the block: the deposits it
// credited (the watcher's confirmed ones, and pending ones whose credit the watcher has not
// recorded yet) and the sender's ended intents, as booked counts them.
func (r *Reconciler) bookedAfter(ctx context.Context, block uint64) (tally, error) {
	t, err := r.booked(ctx, block+1, math.MaxInt64, []coffer.DepositStatus{coffer.DepositConfirmed}, nil)
	if err != nil {
		return nil, err
	}
	pending, err := r.cfg.Store.Deposits(ctx, coffer.DepositFilter{Chain: r.cfg.Chain.Name, Status: coffer.DepositPending, BlockFrom: block + 1})
	if err != nil {
		return nil, fmt.Errorf("deposits: %w", err)
	}
	if len(pending) == 0 {
		return t, nil
	}
	keys := make([]string, len(pending))
	for i, d := range pending {
		keys[i] = d.Key
	}
	credited, err := r.cfg.Books.Credited(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("credited deposits: %w", err)
	}
	for _, d := range pending {
		if credited[d.Key] && d.BlockNumber > block {
			t.add(move{hexLower(d.TxHash), hexLower(d.To), d.Asset}, d.Amount)
		}
	}
	return t, nil
}

func sameTally(a, b tally) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || v.Cmp(w) != 0 {
			return false
		}
	}
	return true
}
