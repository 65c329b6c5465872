package watch

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/cofferhq/coffer"
)

// transferTopic is topic0 of an ERC-20 Transfer(address,address,uint256) log.
var transferTopic = common.HexToHash("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")

// Errors within a pass that make it read a range again.
var (
	errRaced = errors.New("the chain moved while a range was read")
	errEmpty = errors.New("a block's bloom has a watched Transfer but the node gave no log")
)

// reorgError is a block whose parent is not the stored block below it.
type reorgError struct{ number uint64 }

func (e reorgError) Error() string {
	return fmt.Sprintf("block %d's parent is not the stored block", e.number)
}

// Pass scans the blocks from the cursor to the node's head once, then confirms or orphans the
// pending deposits. A head below the cursor is a lagging node, not a reorg: the pass then does
// nothing. An error leaves the cursor at the last block fully read; the next pass goes on
// from there.
func (w *Watcher) Pass(ctx context.Context) error {
	name := w.cfg.Chain.Name
	if !w.checked {
		var id *big.Int
		if err := w.call(ctx, func(ctx context.Context) (err error) { id, err = w.cfg.Client.ChainID(ctx); return err }); err != nil {
			return fmt.Errorf("watch %s: chain id: %w", name, err)
		}
		if !id.IsUint64() || id.Uint64() != w.cfg.Chain.ID {
			return fmt.Errorf("watch %s: the node's chain id is %s, not %d", name, id, w.cfg.Chain.ID)
		}
		w.checked = true
	}
	head, err := w.header(ctx, nil)
	if err != nil {
		return fmt.Errorf("watch %s: head: %w", name, err)
	}
	w.head = head.Number.Uint64()
	races, empties, reorgs := 0, 0, 0
	for {
		prev, next, err := w.cursor(ctx)
		if err != nil {
			return err
		}
		if prev != nil && head.Number.Uint64() >= prev.Number {
			// The top may have been replaced by a branch no longer than it: check it first.
			h, err := w.header(ctx, new(big.Int).SetUint64(prev.Number))
			if err != nil {
				return fmt.Errorf("watch %s: header %d: %w", name, prev.Number, err)
			}
			if hexHash(h.Hash()) != prev.Hash {
				if reorgs++; reorgs > RacesMax {
					return fmt.Errorf("watch %s: more than %d reorgs in one pass", name, RacesMax)
				}
				if err := w.reorg(ctx); err != nil {
					return err
				}
				continue
			}
		}
		if head.Number.Uint64() < next {
			break
		}
		to := min(next+w.rng-1, head.Number.Uint64())
		err = w.scan(ctx, prev, next, to, empties >= BloomRetriesMax)
		var re reorgError
		switch {
		case err == nil:
			if err := w.settle(ctx); err != nil {
				return err
			}
		case tooLarge(err) && to > next:
			w.rng = max((to-next+1)/2, 1)
			w.cfg.Logger.Info("log range refused; halved", "chain", name, "from", next, "to", to, "range", w.rng, "err", err)
		case errors.As(err, &re) && reorgs < RacesMax:
			reorgs++
			if err := w.reorg(ctx); err != nil {
				return err
			}
		case errors.Is(err, errRaced) && races < RacesMax:
			races++
		case errors.Is(err, errEmpty):
			empties++
		default:
			return fmt.Errorf("watch %s: blocks %d to %d: %w", name, next, to, err)
		}
	}
	if err := w.settle(ctx); err != nil {
		return err
	}
	// A range refused is tried again only next pass, doubled: growing within the pass would
	// ask the node for what it just refused at every other range.
	w.rng = min(2*w.rng, w.cfg.Chain.BlockRangeMax)
	return w.prune(ctx)
}

// cursor returns the stored top block (nil before the first) and the next block to scan.
func (w *Watcher) cursor(ctx context.Context) (*coffer.ChainBlock, uint64, error) {
	top, err := w.cfg.Store.ChainTop(ctx, w.cfg.Chain.Name)
	if coffer.ErrorCode(err) == coffer.ENOTFOUND {
		return nil, w.cfg.From, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("watch %s: cursor: %w", w.cfg.Chain.Name, err)
	}
	return &top, top.Number + 1, nil
}

// header reads a canonical header; nil is the head.
func (w *Watcher) header(ctx context.Context, number *big.Int) (*types.Header, error) {
	var h *types.Header
	err := w.call(ctx, func(ctx context.Context) (err error) { h, err = w.cfg.Client.HeaderByNumber(ctx, number); return err })
	return h, err
}

// scan reads blocks from to to, above prev, and accepts them one by one, each once fully
// read. With acceptEmpty a block whose bloom disagrees with the node's empty log answer is
// accepted with a warning rather than read again.
func (w *Watcher) scan(ctx context.Context, prev *coffer.ChainBlock, from, to uint64, acceptEmpty bool) error {
	headers := make([]*types.Header, 0, to-from+1)
	for n := from; n <= to; n++ {
		h, err := w.header(ctx, new(big.Int).SetUint64(n))
		if err != nil {
			return fmt.Errorf("header %d: %w", n, err)
		}
		switch {
		case h.Number.Uint64() != n:
			return fmt.Errorf("header %d: the node answered block %d", n, h.Number)
		case n == from && prev != nil && hexHash(h.ParentHash) != prev.Hash:
			return reorgError{n}
		case n > from && h.ParentHash != headers[len(headers)-1].Hash():
			return errRaced
		}
		headers = append(headers, h)
	}
	logs := map[uint64][]types.Log{}
	if len(w.tokens) > 0 {
		q := ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(from), ToBlock: new(big.Int).SetUint64(to),
			Addresses: w.tokenAddresses(), Topics: [][]common.Hash{{transferTopic}}}
		var got []types.Log
		if err := w.call(ctx, func(ctx context.Context) (err error) { got, err = w.cfg.Client.FilterLogs(ctx, q); return err }); err != nil {
			return fmt.Errorf("logs: %w", err)
		}
		for _, l := range got {
			if l.BlockNumber < from || l.BlockNumber > to || l.Removed || l.BlockHash != headers[l.BlockNumber-from].Hash() {
				return errRaced
			}
			logs[l.BlockNumber] = append(logs[l.BlockNumber], l)
		}
		for _, h := range headers {
			if len(logs[h.Number.Uint64()]) > 0 || !w.bloomMay(h) {
				continue
			}
			if !acceptEmpty {
				return errEmpty
			}
			w.cfg.Logger.Warn("block accepted without logs though its bloom may hold a watched Transfer (a false positive, or a node that lost them)",
				"chain", w.cfg.Chain.Name, "block", h.Number, "hash", h.Hash())
		}
	}
	for _, h := range headers {
		if err := w.block(ctx, h, logs[h.Number.Uint64()]); err != nil {
			return err
		}
		b := coffer.ChainBlock{Chain: w.cfg.Chain.Name, Number: h.Number.Uint64(), Hash: hexHash(h.Hash()), ParentHash: hexHash(h.ParentHash)}
		if err := w.cfg.Store.AcceptChainBlock(ctx, b); err != nil {
			return fmt.Errorf("accept block %d: %w", b.Number, err)
		}
		if w.cfg.Accepted != nil {
			w.cfg.Accepted(b)
		}
	}
	return nil
}

func (w *Watcher) tokenAddresses() []common.Address {
	out := make([]common.Address, 0, len(w.tokens))
	for a := range w.tokens {
		out = append(out, a)
	}
	return out
}

// bloomMay reports whether h's bloom may hold a Transfer log of a watched token.
func (w *Watcher) bloomMay(h *types.Header) bool {
	if !types.BloomLookup(h.Bloom, transferTopic) {
		return false
	}
	for a := range w.tokens {
		if types.BloomLookup(h.Bloom, a) {
			return true
		}
	}
	return false
}

// reorg walks back from the stored top to the newest stored block still canonical, takes the
// deposits of the blocks above it out of the canonical chain and abandons those blocks. A
// reorg deeper than the blocks kept stops the watcher: an operator must look.
func (w *Watcher) reorg(ctx context.Context) error {
	name := w.cfg.Chain.Name
	blocks, err := w.cfg.Store.ChainBlocks(ctx, name, 0)
	if err != nil {
		return fmt.Errorf("watch %s: reorg: %w", name, err)
	}
	ancestor := -1
	for i := len(blocks) - 1; i >= 0; i-- {
		h, err := w.header(ctx, new(big.Int).SetUint64(blocks[i].Number))
		if err != nil {
			return fmt.Errorf("watch %s: reorg: header %d: %w", name, blocks[i].Number, err)
		}
		if hexHash(h.Hash()) == blocks[i].Hash {
			ancestor = i
			break
		}
	}
	if ancestor < 0 {
		return fmt.Errorf("watch %s: a reorg deeper than the %d blocks kept (from block %d): the watcher stops until an operator looks",
			name, len(blocks), blocks[0].Number)
	}
	a := blocks[ancestor].Number
	w.cfg.Logger.Warn("chain reorg", "chain", name, "ancestor", a, "abandoned", len(blocks)-1-ancestor)
	return w.abandon(ctx, a, true)
}

// Forget abandons every stored block above ancestor, as a reorg to it would: their pending
// deposits leave the canonical chain (orphaned unless they reappear) and the next pass scans
// from ancestor+1. It is for a chain that began again, such as the dev chain, new at every
// start; confirmed deposits stay credited.
func (w *Watcher) Forget(ctx context.Context, ancestor uint64) error {
	return w.abandon(ctx, ancestor, false)
}

// abandon takes the pending deposits of the stored blocks above a out of the canonical chain
// and deletes those blocks; reorg says whether it is a reorg, whose confirmed deposits in
// them are an operator's matter.
func (w *Watcher) abandon(ctx context.Context, a uint64, reorg bool) error {
	name := w.cfg.Chain.Name
	pending, err := w.cfg.Store.Deposits(ctx, coffer.DepositFilter{Chain: name, Status: coffer.DepositPending, BlockFrom: a + 1})
	if err != nil {
		return fmt.Errorf("watch %s: reorg: %w", name, err)
	}
	for _, d := range pending {
		d.BlockNumber, d.BlockHash, d.ForkedAt, d.UpdatedAt = 0, "", a, w.cfg.Now()
		if err := w.cfg.Store.PutDeposit(ctx, d); err != nil {
			return fmt.Errorf("watch %s: reorg: %w", name, err)
		}
	}
	// A confirmed deposit in an abandoned block means a reorg deeper than the confirmations:
	// it is not reversed automatically, since the money may be gone; an operator decides.
	confirmed, err := w.cfg.Store.Deposits(ctx, coffer.DepositFilter{Chain: name, Status: coffer.DepositConfirmed, BlockFrom: a + 1})
	if err != nil {
		return fmt.Errorf("watch %s: reorg: %w", name, err)
	}
	for _, d := range confirmed {
		if !reorg {
			break
		}
		w.cfg.Logger.Error("a confirmed deposit's block was abandoned by a reorg deeper than the confirmations; it stays credited until an operator looks",
			"chain", name, "deposit", d.Key, "block", d.BlockNumber, "amount", d.Amount, "asset", d.Asset, "owner", d.Owner)
	}
	if err := w.cfg.Store.AbandonChainBlocks(ctx, name, a); err != nil {
		return fmt.Errorf("watch %s: reorg: %w", name, err)
	}
	return nil
}

// settle confirms the pending deposits Confirmations deep below the cursor and orphans those
// out of the canonical chain for Confirmations blocks past their fork point. Confirmations are
// counted from the stored canonical blocks: cursor - block + 1.
func (w *Watcher) settle(ctx context.Context) error {
	name, conf := w.cfg.Chain.Name, w.cfg.Chain.Confirmations
	prev, _, err := w.cursor(ctx)
	if err != nil || prev == nil {
		return err
	}
	pending, err := w.cfg.Store.Deposits(ctx, coffer.DepositFilter{Chain: name, Status: coffer.DepositPending})
	if err != nil {
		return fmt.Errorf("watch %s: settle: %w", name, err)
	}
	for _, d := range pending {
		var to coffer.DepositStatus
		switch {
		case d.BlockHash == "" && prev.Number >= d.ForkedAt+conf:
			to = coffer.DepositOrphaned
			err = w.cfg.Ledger.Orphaned(ctx, d)
		case d.BlockHash != "" && d.BlockNumber <= prev.Number && prev.Number-d.BlockNumber+1 >= conf:
			to = coffer.DepositConfirmed
			err = w.cfg.Ledger.Confirmed(ctx, d)
		default:
			continue
		}
		if err != nil {
			return fmt.Errorf("watch %s: deposit %s %s: %w", name, d.Key, to, err)
		}
		d.Status, d.UpdatedAt = to, w.cfg.Now()
		if err := w.cfg.Store.PutDeposit(ctx, d); err != nil {
			return fmt.Errorf("watch %s: %w", name, err)
		}
	}
	return nil
}

// prune drops the stored blocks older than the kept ones.
func (w *Watcher) prune(ctx context.Context) error {
	prev, _, err := w.cursor(ctx)
	if err != nil || prev == nil || prev.Number < w.keep() {
		return err
	}
	if err := w.cfg.Store.PruneChainBlocks(ctx, w.cfg.Chain.Name, prev.Number-w.keep()+1); err != nil {
		return fmt.Errorf("watch %s: %w", w.cfg.Chain.Name, err)
	}
	return nil
}

// hexHash returns h as stored: lowercase 0x-prefixed hex.
func hexHash(h common.Hash) string { return strings.ToLower(h.Hex()) }
