package chainrecon

import (
	"context"
	"fmt"
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
func (r *Reconciler) balances(ctx context.Context, hash common.Hash, addrs []string) ([]coffer.ChainReconLine, error) {
	codes := make([]string, len(r.assets))
	for i, a := range r.assets {
		codes[i] = a.Code
	}
	held := map[[2]string]*big.Int{}
	// The ledger's side is read in pages of addresses, so that a large chain does not make one
	// query of a million parameters.
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
