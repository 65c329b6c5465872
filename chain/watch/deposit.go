package watch

import (
	"context"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/cofferhq/coffer"
)

// block finds the deposits of the block h and records each: its native transfers (when the
// chain has a native asset) and its Transfer logs of watched tokens.
func (w *Watcher) block(ctx context.Context, h *types.Header, logs []types.Log) error {
	var txs []*types.Transaction
	if w.native != nil {
		var b *types.Block
		if err := w.call(ctx, func(ctx context.Context) (err error) { b, err = w.cfg.Client.BlockByNumber(ctx, h.Number); return err }); err != nil {
			return fmt.Errorf("block %d: %w", h.Number, err)
		}
		if b.Hash() != h.Hash() {
			return errRaced
		}
		for _, tx := range b.Transactions() {
			if tx.To() != nil && tx.Value().Sign() > 0 {
				txs = append(txs, tx)
			}
		}
	}
	var candidates []common.Address
	for _, tx := range txs {
		candidates = append(candidates, *tx.To())
	}
	var transfers []types.Log
	for _, l := range logs {
		if _, to, _, ok := decodeTransfer(l); ok {
			transfers = append(transfers, l)
			candidates = append(candidates, to)
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	owners, err := w.cfg.Addresses(ctx, candidates)
	if err != nil {
		return fmt.Errorf("block %d: deposit addresses: %w", h.Number, err)
	}
	receipts := map[common.Hash]*types.Receipt{}
	receipt := func(tx common.Hash) (*types.Receipt, error) {
		if r, ok := receipts[tx]; ok {
			return r, nil
		}
		var r *types.Receipt
		if err := w.call(ctx, func(ctx context.Context) (err error) { r, err = w.cfg.Client.TransactionReceipt(ctx, tx); return err }); err != nil {
			return nil, fmt.Errorf("receipt %s: %w", tx, err)
		}
		if r.BlockHash != h.Hash() {
			return nil, errRaced
		}
		receipts[tx] = r
		return r, nil
	}
	base := coffer.Deposit{Chain: w.cfg.Chain.Name, BlockNumber: h.Number.Uint64(), BlockHash: hexHash(h.Hash())}
	for _, tx := range txs {
		owner, ok := owners[*tx.To()]
		if !ok {
			continue
		}
		r, err := receipt(tx.Hash())
		if err != nil {
			return err
		}
		if r.Status != types.ReceiptStatusSuccessful {
			continue
		}
		d := base
		d.Key = w.key(tx.Hash(), "native")
		d.Asset, d.TxHash, d.To, d.Owner = w.native.Code, hexHash(tx.Hash()), hexAddress(*tx.To()), owner
		d.Amount = new(big.Int).Set(tx.Value())
		if from, err := types.Sender(types.LatestSignerForChainID(new(big.Int).SetUint64(w.cfg.Chain.ID)), tx); err == nil {
			d.From = hexAddress(from)
		}
		if err := w.seen(ctx, d); err != nil {
			return err
		}
	}
	for _, l := range transfers {
		from, to, amount, _ := decodeTransfer(l)
		owner, ok := owners[to]
		// A Transfer of nothing is no deposit: it is how address poisoning spams wallets.
		if !ok || amount.Sign() == 0 {
			continue
		}
		r, err := receipt(l.TxHash)
		if err != nil {
			return err
		}
		position := -1
		for i, rl := range r.Logs {
			if rl.Index == l.Index {
				position = i
			}
		}
		if position < 0 {
			return errRaced
		}
		d := base
		d.Key = w.key(l.TxHash, fmt.Sprint(position))
		d.Asset, d.TxHash, d.To, d.Owner = w.tokens[l.Address].Code, hexHash(l.TxHash), hexAddress(to), owner
		d.From, d.Amount = hexAddress(from), amount
		if err := w.seen(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// key returns a deposit's key: "<chain id>:<tx hash>:<position>".
func (w *Watcher) key(tx common.Hash, position string) string {
	return fmt.Sprintf("%d:%s:%s", w.cfg.Chain.ID, hexHash(tx), position)
}

// seen records d, found in a canonical block. A new deposit is pending (the ledger told first)
// or, for an amount the ledger cannot hold, refused. A known one keeps its key and status and
// takes d's block: a transaction re-included after a reorg; an orphaned one is pending again.
func (w *Watcher) seen(ctx context.Context, d coffer.Deposit) error {
	old, err := w.cfg.Store.Deposit(ctx, d.Key)
	now := w.cfg.Now()
	switch {
	case coffer.ErrorCode(err) == coffer.ENOTFOUND:
		d.Status, d.CreatedAt, d.UpdatedAt = coffer.DepositPending, now, now
		if d.Amount.Cmp(amountMax) > 0 {
			d.Status, d.Reason = coffer.DepositRefused, fmt.Sprintf("the amount %s exceeds the ledger's largest, 2^127-1", d.Amount)
			w.cfg.Logger.Warn("deposit refused", "chain", d.Chain, "deposit", d.Key, "reason", d.Reason)
			return w.put(ctx, d)
		}
		if err := w.cfg.Ledger.Pending(ctx, d); err != nil {
			return fmt.Errorf("deposit %s pending: %w", d.Key, err)
		}
		return w.put(ctx, d)
	case err != nil:
		return err
	}
	if old.Status == coffer.DepositRefused || old.BlockHash == d.BlockHash {
		return nil
	}
	old.BlockNumber, old.BlockHash, old.ForkedAt, old.UpdatedAt = d.BlockNumber, d.BlockHash, 0, now
	if old.Status == coffer.DepositOrphaned {
		old.Status = coffer.DepositPending
		if err := w.cfg.Ledger.Pending(ctx, old); err != nil {
			return fmt.Errorf("deposit %s pending again: %w", d.Key, err)
		}
	}
	return w.put(ctx, old)
}

func (w *Watcher) put(ctx context.Context, d coffer.Deposit) error {
	if err := w.cfg.Store.PutDeposit(ctx, d); err != nil {
		return fmt.Errorf("deposit %s: %w", d.Key, err)
	}
	return nil
}

// hexAddress returns a as stored: lowercase 0x-prefixed hex.
func hexAddress(a common.Address) string { return strings.ToLower(a.Hex()) }

// decodeTransfer reads an ERC-20 Transfer log: ok only with exactly three topics, the first
// Transfer's, and 32 bytes of data (ERC-721 shares the signature with a fourth topic), and
// with addresses as ABI-encoded (12 zero bytes first): anything else is not a transfer of a
// token Coffer credits.
func decodeTransfer(l types.Log) (from, to common.Address, amount *big.Int, ok bool) {
	if len(l.Topics) != 3 || l.Topics[0] != transferTopic || len(l.Data) != 32 {
		return from, to, nil, false
	}
	for _, topic := range l.Topics[1:] {
		if common.BytesToHash(topic[:12]) != (common.Hash{}) {
			return from, to, nil, false
		}
	}
	return common.BytesToAddress(l.Topics[1][12:]), common.BytesToAddress(l.Topics[2][12:]), new(big.Int).SetBytes(l.Data), true
}
