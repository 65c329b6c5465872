package chainrecon

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer"
)

// transferTopic is the ERC-20 Transfer event's topic.
var transferTopic = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))

// move is what one transaction moved at one custody address in one asset.
type move struct {
	tx, address, asset string
}

// tally sums the moves of one side, positive into the address, negative out of it.
type tally map[move]*big.Int

func (t tally) add(m move, v *big.Int) {
	if t[m] == nil {
		t[m] = new(big.Int)
	}
	t[m].Add(t[m], v)
}

// transfers compares the transfers of the blocks from to to at the custody addresses, on the
// chain and as Coffer booked them, and returns a line for each transaction, address and asset
// whose amounts differ.
func (r *Reconciler) transfers(ctx context.Context, from, to uint64, addrs []string) ([]coffer.ChainReconLine, error) {
	custody := make(map[common.Address]bool, len(addrs))
	for _, a := range addrs {
		custody[common.HexToAddress(a)] = true
	}
	chainSide := tally{}
	if err := r.tokenMoves(ctx, from, to, custody, chainSide); err != nil {
		return nil, err
	}
	if err := r.nativeMoves(ctx, from, to, custody, chainSide); err != nil {
		return nil, err
	}
	booked, err := r.booked(ctx, from, to, []coffer.DepositStatus{coffer.DepositPending, coffer.DepositConfirmed}, custody)
	if err != nil {
		return nil, err
	}
	keys := map[move]bool{}
	for k := range chainSide {
		keys[k] = true
	}
	for k := range booked {
		keys[k] = true
	}
	var lines []coffer.ChainReconLine
	for k := range keys {
		c, l := chainSide[k], booked[k]
		if c == nil {
			c = new(big.Int)
		}
		if l == nil {
			l = new(big.Int)
		}
		if c.Cmp(l) == 0 {
			continue
		}
		kind := coffer.ChainReconChainOnly
		if c.Sign() == 0 {
			kind = coffer.ChainReconLedgerOnly
		}
		lines = append(lines, coffer.ChainReconLine{Kind: kind, Address: k.address, Asset: k.asset, TxHash: k.tx,
			OnChain: c, Ledger: l, Difference: new(big.Int).Sub(c, l)})
	}
	slices.SortFunc(lines, func(a, b coffer.ChainReconLine) int {
		return cmp.Or(cmp.Compare(a.TxHash, b.TxHash), cmp.Compare(a.Address, b.Address), cmp.Compare(a.Asset, b.Asset))
	})
	return lines, nil
}

// tokenMoves adds the tokens' Transfer logs into and out of custody addresses, read in ranges of
// the chain's BlockRangeMax.
func (r *Reconciler) tokenMoves(ctx context.Context, from, to uint64, custody map[common.Address]bool, t tally) error {
	var contracts []common.Address
	code := map[common.Address]string{}
	for _, a := range r.assets {
		if !a.Native() {
			contracts = append(contracts, *a.Contract)
			code[*a.Contract] = a.Code
		}
	}
	if len(contracts) == 0 {
		return nil
	}
	for lo := from; lo <= to; lo += r.cfg.Chain.BlockRangeMax {
		hi := min(lo+r.cfg.Chain.BlockRangeMax-1, to)
		var logs []types.Log
		err := r.call(ctx, func(ctx context.Context) (err error) {
			logs, err = r.cfg.Client.FilterLogs(ctx, ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(lo),
				ToBlock: new(big.Int).SetUint64(hi), Addresses: contracts, Topics: [][]common.Hash{{transferTopic}}})
			return err
		})
		if err != nil {
			return fmt.Errorf("token logs of blocks %d to %d: %w", lo, hi, err)
		}
		for _, l := range logs {
			if l.Removed || len(l.Topics) != 3 || len(l.Data) != 32 {
				continue
			}
			src, dst := common.BytesToAddress(l.Topics[1].Bytes()), common.BytesToAddress(l.Topics[2].Bytes())
			v := new(big.Int).SetBytes(l.Data)
			tx := hexLower(l.TxHash.Hex())
			if custody[src] {
				t.add(move{tx, hexLower(src.Hex()), code[l.Address]}, new(big.Int).Neg(v))
			}
			if custody[dst] {
				t.add(move{tx, hexLower(dst.Hex()), code[l.Address]}, v)
			}
		}
	}
	return nil
}

// nativeMoves adds the native coin the blocks' transactions moved into and out of custody
// addresses, and the gas a custody address paid for a transaction it sent (reverted ones too).
// A transfer made inside a contract's execution is not a transaction's value and is not seen
// here: it shows as a balance difference.
func (r *Reconciler) nativeMoves(ctx context.Context, from, to uint64, custody map[common.Address]bool, t tally) error {
	native := ""
	for _, a := range r.assets {
		if a.Native() {
			native = a.Code
		}
	}
	if native == "" {
		return nil
	}
	for n := from; n <= to; n++ {
		var b *types.Block
		err := r.call(ctx, func(ctx context.Context) (err error) {
			b, err = r.cfg.Client.BlockByNumber(ctx, new(big.Int).SetUint64(n))
			return err
		})
		if err != nil {
			return fmt.Errorf("block %d: %w", n, err)
		}
		signer := types.LatestSignerForChainID(new(big.Int).SetUint64(r.cfg.Chain.ID))
		for _, tx := range b.Transactions() {
			sender, err := types.Sender(signer, tx)
			if err != nil {
				return fmt.Errorf("block %d: transaction %s: sender: %w", n, tx.Hash().Hex(), err)
			}
			in := tx.To() != nil && custody[*tx.To()]
			out := custody[sender]
			if !in && !out {
				continue
			}
			var rc *types.Receipt
			err = r.call(ctx, func(ctx context.Context) (err error) {
				rc, err = r.cfg.Client.TransactionReceipt(ctx, tx.Hash())
				return err
			})
			if err != nil {
				return fmt.Errorf("receipt of %s: %w", tx.Hash().Hex(), err)
			}
			h := hexLower(tx.Hash().Hex())
			moved := rc.Status == types.ReceiptStatusSuccessful && tx.Value().Sign() > 0
			if out {
				spent := new(big.Int).Mul(new(big.Int).SetUint64(rc.GasUsed), rc.EffectiveGasPrice)
				if moved {
					spent.Add(spent, tx.Value())
				}
				t.add(move{h, hexLower(sender.Hex()), native}, spent.Neg(spent))
			}
			if in && moved {
				t.add(move{h, hexLower(tx.To().Hex()), native}, tx.Value())
			}
		}
	}
	return nil
}

// booked returns what Coffer booked for the blocks from to to: the watcher's deposits in the
// statuses, in a block of the range, and the sender's intents mined in the range (the amount out
// of the sender and, when the recipient is a custody address, into it; the fee out of the sender
// in the native coin), those the ledger booked before the sender recorded their end included.
// custody nil counts every recipient of an intent as one: a caller that passes nil reads the
// figures of custody addresses only.
func (r *Reconciler) booked(ctx context.Context, from, to uint64, statuses []coffer.DepositStatus, custody map[common.Address]bool) (tally, error) {
	t := tally{}
	deposited := map[move]bool{}
	for _, st := range statuses {
		ds, err := r.cfg.Store.Deposits(ctx, coffer.DepositFilter{Chain: r.cfg.Chain.Name, Status: st, BlockFrom: from})
		if err != nil {
			return nil, fmt.Errorf("deposits: %w", err)
		}
		for _, d := range ds {
			if d.BlockNumber == 0 || d.BlockNumber > to {
				continue
			}
			m := move{hexLower(d.TxHash), hexLower(d.To), d.Asset}
			t.add(m, d.Amount)
			deposited[m] = true
		}
	}
	// The settled intents in flight are read before the mined ones: one that ends in between
	// is then in both, and counted once, rather than in neither.
	settled, err := r.settledInFlight(ctx, from, to)
	if err != nil {
		return nil, err
	}
	ins, err := r.cfg.Store.MinedSendIntents(ctx, r.cfg.Chain.Name, from, to)
	if err != nil {
		return nil, fmt.Errorf("mined intents: %w", err)
	}
	for _, in := range settled {
		if !slices.ContainsFunc(ins, func(m coffer.SendIntent) bool { return m.ID == in.ID }) {
			ins = append(ins, in)
		}
	}
	native := ""
	for _, a := range r.assets {
		if a.Native() {
			native = a.Code
		}
	}
	for _, in := range ins {
		tx, src, dst := hexLower(in.TxHash), hexLower(in.From), hexLower(in.To)
		if in.Fee != nil && native != "" {
			t.add(move{tx, src, native}, new(big.Int).Neg(in.Fee))
		}
		if in.State != coffer.SendConfirmed {
			continue
		}
		t.add(move{tx, src, in.Asset}, new(big.Int).Neg(in.Amount))
		// A transfer between custody addresses (a sweep, a gas top-up) is booked once on the
		// recipient's side, even where the watcher recorded it as a deposit too.
		if (custody == nil || custody[common.HexToAddress(in.To)]) && !deposited[move{tx, dst, in.Asset}] {
			t.add(move{tx, dst, in.Asset}, in.Amount)
		}
	}
	return t, nil
}

// settledInFlight returns the chain's intents in flight (signed or broadcast) whose end the
// ledger has already booked (Books.Settled), mined in the blocks from to to, as the sender is
// about to record them: confirmed when the amount moved, failed when not, with the mined
// attempt's hash and block (from the node's receipt) and the fee the ledger recorded. Without
// them a run between the ledger's booking and the sender's record would find the custody short
// of the chain by the amount and its gas.
func (r *Reconciler) settledInFlight(ctx context.Context, from, to uint64) ([]coffer.SendIntent, error) {
	flying, err := coffer.ListSendIntentsIn(ctx, r.cfg.Store, coffer.SendIntentQuery{Chain: r.cfg.Chain.Name},
		coffer.SendSigned, coffer.SendBroadcast)
	if err != nil {
		return nil, fmt.Errorf("intents in flight: %w", err)
	}
	if len(flying) == 0 {
		return nil, nil
	}
	ids := make([]string, len(flying))
	for i, in := range flying {
		ids[i] = in.ID
	}
	settled, err := r.cfg.Books.Settled(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("settled intents: %w", err)
	}
	var out []coffer.SendIntent
	for _, in := range flying {
		s, ok := settled[in.ID]
		if !ok {
			continue
		}
		rc, err := r.minedAttempt(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		if rc == nil || rc.BlockNumber.Uint64() < from || rc.BlockNumber.Uint64() > to {
			// Not in the range, or no attempt the node knows mined: the ledger settled it at
			// depth, so a node that has lost it shows as a difference, as it should.
			continue
		}
		in.State = coffer.SendFailed
		if s.Moved {
			in.State = coffer.SendConfirmed
		}
		in.TxHash, in.BlockNumber, in.Fee = hexLower(rc.TxHash.Hex()), rc.BlockNumber.Uint64(), s.Fee
		out = append(out, in)
	}
	return out, nil
}

// minedAttempt returns the receipt of the intent's attempt the node has mined, or nil.
func (r *Reconciler) minedAttempt(ctx context.Context, id string) (*types.Receipt, error) {
	as, err := r.cfg.Store.SendAttempts(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("attempts of %s: %w", id, err)
	}
	for _, a := range as {
		var rc *types.Receipt
		err := r.call(ctx, func(ctx context.Context) (err error) {
			rc, err = r.cfg.Client.TransactionReceipt(ctx, common.HexToHash(a.TxHash))
			return err
		})
		if errors.Is(err, ethereum.NotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("receipt of %s: %w", a.TxHash, err)
		}
		return rc, nil
	}
	return nil, nil
}

func hexLower(s string) string { return strings.ToLower(s) }
