package sweep

import (
	"context"
	"fmt"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/send"
	"github.com/cofferhq/coffer/ledger"
)

// Confirmed books a confirmed sweep or top-up: the senders' send.Ledger. A repeat is answered
// from the first.
func (s *Sweeper) Confirmed(ctx context.Context, in coffer.SendIntent, out send.Outcome) error {
	amount, ok := coffer.AmountFromBig(in.Amount)
	if !ok {
		return fmt.Errorf("sweep %s: amount %s is past 2^127-1", in.ID, in.Amount)
	}
	return s.book(ctx, in, out, amount)
}

// Failed books the gas of a failed sweep or top-up: the senders' send.Ledger. Nothing moved.
func (s *Sweeper) Failed(ctx context.Context, in coffer.SendIntent, out send.Outcome) error {
	s.logFailed(in.ID, out.Reason)
	if out.Fee == nil || out.Fee.Sign() == 0 {
		return nil
	}
	return s.book(ctx, in, out, coffer.Amount{})
}

func (s *Sweeper) book(ctx context.Context, in coffer.SendIntent, out send.Outcome, amount coffer.Amount) error {
	kind := ledger.MoveSweep
	if in.From == s.gasHex {
		kind = ledger.MoveGasTop
	}
	gas := ledger.PayoutGas{NativeAsset: s.native.Code, From: in.From, TxHash: out.TxHash, BlockNumber: out.BlockNumber,
		GasUsed: out.GasUsed}
	if out.Fee != nil && out.Fee.Sign() > 0 {
		fee, ok := coffer.AmountFromBig(out.Fee)
		if !ok {
			return fmt.Errorf("sweep %s: fee %s wei is past 2^127-1", in.ID, out.Fee)
		}
		gas.Fee = fee
	}
	_, err := s.cfg.Ledger.Do(ctx, ledger.MoveCustody{ID: in.ID, Kind: kind, Chain: in.Chain, From: in.From, To: in.To,
		Asset: in.Asset, Amount: amount, Gas: gas})
	return err
}
