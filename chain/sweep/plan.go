package sweep

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/send"
	"github.com/cofferhq/coffer/ledger"
)

// ID returns the id of the sweep of asset from the deposit address planned when the address's
// custody account of the asset had the sequence seq: "sweep/<chain>:<address>:<asset>:<seq>".
func ID(chainName, address, asset string, seq uint64) string {
	return fmt.Sprintf("%s%s:%s:%s:%d", Prefix, chainName, strings.ToLower(address), asset, seq)
}

// TopUpID returns the id of the gas top-up of the token sweep id.
func TopUpID(id string) string { return coffer.DerivedID(id, "topup") }

// Kind returns what the send intent id of the sweeps is: ledger.MoveGasTop for a top-up,
// ledger.MoveSweep for a sweep; and the id of the sweep it serves (itself for a sweep).
func Kind(id string) (kind, sweep string) {
	if s, ok := strings.CutSuffix(id, coffer.DerivedSep+"topup"); ok {
		return ledger.MoveGasTop, s
	}
	return ledger.MoveSweep, id
}

// plan queues the sweeps and top-ups due at the deposit addresses that have none in flight,
// and returns how many it queued. It reads the custody accounts of the swept assets, a page
// at a time, rather than each deposit address's: an address that never held one is not read.
func (s *Sweeper) plan(ctx context.Context, f flight) (int, error) {
	if len(s.assets) == 0 {
		return 0, nil
	}
	due, err := s.due(ctx, f)
	if err != nil {
		return 0, err
	}
	addrs := slices.Sorted(maps.Keys(due))
	planned := 0
	var errs []error
	for chunk := range slices.Chunk(addrs, coffer.DepositAddressLookupMax) {
		found, err := s.cfg.Store.LookupDepositAddresses(ctx, s.cfg.Chain.Name, chunk)
		if err != nil {
			return planned, fmt.Errorf("deposit addresses: %w", err)
		}
		slices.SortFunc(found, func(a, b coffer.DepositAddress) int { return cmp.Compare(a.Index, b.Index) })
		for _, d := range found {
			addr := strings.ToLower(d.Address)
			for _, h := range due[addr] {
				queued, err := s.planAsset(ctx, d, h)
				if err != nil {
					errs = append(errs, fmt.Errorf("sweep %s of %s: %w", h.asset.Code, addr, err))
				}
				if queued {
					planned++
					break // one sweep in flight per address
				}
			}
		}
	}
	return planned, errors.Join(errs...)
}

// dueHolding is a custody holding at or above its asset's threshold.
type dueHolding struct {
	asset chain.Asset
	held  *big.Int
	seq   uint64 // the custody account's
}

// due returns, by address (lowercase), the holdings at or above their threshold at the
// addresses with nothing in flight, in the assets' code order. The addresses may be any of
// Coffer's own; plan keeps the deposit addresses.
func (s *Sweeper) due(ctx context.Context, f flight) (map[string][]dueHolding, error) {
	out := map[string][]dueHolding{}
	for _, a := range s.assets {
		after := ""
		for {
			page, err := s.cfg.Store.Accounts(ctx, coffer.AccountFilter{Kind: coffer.KindSystem, Asset: a.Code, AfterID: after,
				Limit: coffer.ListRowsMax})
			if err != nil {
				return nil, fmt.Errorf("custody accounts of %s: %w", a.Code, err)
			}
			for i := range page {
				addr, ok := ledger.IsCustodyAccount(page[i].ID)
				if !ok || f.busy(addr) {
					continue
				}
				held := ledger.CustodyHolding(&page[i]).Big()
				if held.Cmp(s.cfg.Thresholds[a.Code]) >= 0 {
					out[addr] = append(out[addr], dueHolding{asset: a, held: held, seq: page[i].Seq})
				}
			}
			if len(page) < coffer.ListRowsMax {
				break
			}
			after = page[len(page)-1].ID
		}
	}
	return out, nil
}

// holding returns what the ledger holds at addr in asset; zero for an address without an
// account.
func (s *Sweeper) holding(ctx context.Context, addr, asset string) (*big.Int, error) {
	acc, err := s.cfg.Store.Account(ctx, ledger.CustodyAccountID(addr, asset))
	if coffer.ErrorCode(err) == coffer.ENOTFOUND {
		return new(big.Int), nil
	}
	if err != nil {
		return nil, err
	}
	return ledger.CustodyHolding(&acc).Big(), nil
}

// planAsset queues the next step of the sweep of asset a from the deposit address d, if one is
// due: the sweep itself, or for a token whose gas the address cannot pay, its top-up. It
// reports whether it queued.
func (s *Sweeper) planAsset(ctx context.Context, d coffer.DepositAddress, h dueHolding) (bool, error) {
	addr, a, held := strings.ToLower(d.Address), h.asset, h.held
	id := ID(s.cfg.Chain.Name, addr, a.Code, h.seq)
	done, err := s.ended(ctx, id)
	if err != nil || done {
		return false, err
	}
	if a.Native() {
		// The fee cap is fixed in the transaction: it can cost no more than this, and the
		// amount leaves exactly that at the address.
		amount := new(big.Int).Sub(held, new(big.Int).Mul(big.NewInt(gasNative), s.cfg.FeeCap))
		if amount.Sign() <= 0 {
			return false, nil
		}
		return s.queue(ctx, addr, send.Payout{ID: id, To: s.cfg.To, Asset: a.Code, Amount: amount})
	}
	sweep := send.Payout{ID: id, To: s.cfg.To, Asset: a.Code, Amount: held}
	top, err := s.cfg.Store.SendIntent(ctx, TopUpID(id))
	switch {
	case err == nil && top.State == coffer.SendConfirmed:
		// The top-up is confirmed at the chain's confirmations: the gas is there.
		return s.queue(ctx, addr, sweep)
	case err == nil:
		// Failed or cancelled (one in flight makes the address busy): left to an operator.
		s.logFailed(TopUpID(id), top.Reason)
		return false, nil
	case coffer.ErrorCode(err) != coffer.ENOTFOUND:
		return false, err
	}
	need := new(big.Int).Mul(new(big.Int).SetUint64(s.cfg.GasToken), s.cfg.FeeCap)
	ether, err := s.holding(ctx, addr, s.native.Code)
	if err != nil {
		return false, err
	}
	if ether.Cmp(need) >= 0 {
		return s.queue(ctx, addr, sweep)
	}
	_, err = s.gas.Queue(ctx, send.Payout{ID: TopUpID(id), To: common.HexToAddress(addr), Asset: s.native.Code,
		Amount: need.Sub(need, ether)})
	if coffer.ErrorCode(err) == coffer.ECONFLICT {
		return false, nil
	}
	return err == nil, err
}

// ended reports whether the sweep id exists, and logs it once if it failed.
func (s *Sweeper) ended(ctx context.Context, id string) (bool, error) {
	in, err := s.cfg.Store.SendIntent(ctx, id)
	switch {
	case coffer.ErrorCode(err) == coffer.ENOTFOUND:
		return false, nil
	case err != nil:
		return false, err
	}
	if in.State == coffer.SendFailed || in.State == coffer.SendCancelled {
		s.logFailed(id, in.Reason)
	}
	return true, nil
}

// queue queues the sweep p from the deposit address addr.
func (s *Sweeper) queue(ctx context.Context, addr string, p send.Payout) (bool, error) {
	snd, err := s.depositSender(ctx, addr)
	if err != nil {
		return false, err
	}
	_, err = snd.Queue(ctx, p)
	if coffer.ErrorCode(err) == coffer.ECONFLICT {
		return false, nil
	}
	return err == nil, err
}

// logFailed logs a failed sweep or top-up once per process: it is not tried again until the
// address's holding changes.
func (s *Sweeper) logFailed(id, reason string) {
	if s.failed[id] {
		return
	}
	s.failed[id] = true
	s.cfg.Logger.Error("sweep: a sweep or top-up failed; the address is swept again once its holding changes",
		"chain", s.cfg.Chain.Name, "intent", id, "reason", reason)
}
