package sweep

import (
	"context"
	"fmt"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/send"
	"github.com/cofferhq/coffer/ledger"
)

// Confirmed books a confirmed sweep or top-up, with its sweep.confirmed event: the senders'
// send.Ledger. A repeat is answered from the first.
func (s *Sweeper) Confirmed(ctx context.Context, in coffer.SendIntent, out send.Outcome) error {
	return s.book(ctx, in, out, false)
}

// Failed books the end of a failed sweep or top-up, with its sweep.failed event: the senders'
// send.Ledger. Nothing moved; the gas of a mined one is booked, an abandoned one (a native
// sweep to a contract) books nothing else.
func (s *Sweeper) Failed(ctx context.Context, in coffer.SendIntent, out send.Outcome) error {
	s.logFailed(in.ID, out.Reason)
	return s.book(ctx, in, out, true)
}

func (s *Sweeper) book(ctx context.Context, in coffer.SendIntent, out send.Outcome, failed bool) error {
	amount, ok := coffer.AmountFromBig(in.Amount)
	if !ok {
		return fmt.Errorf("sweep %s: amount %s is past 2^127-1", in.ID, in.Amount)
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
	reason := out.Reason
	if failed && reason == "" {
		reason = "failed"
	}
	_, err := s.cfg.Ledger.Do(ctx, ledger.MoveCustody{ID: in.ID, Kind: s.kind(in), Chain: in.Chain, From: in.From, To: in.To,
		Asset: in.Asset, Amount: amount, Gas: gas, Failed: failed, Reason: reason})
	return err
}

// kind returns the custody move kind of the intent: a top-up when the gas wallet sent it.
func (s *Sweeper) kind(in coffer.SendIntent) string {
	if in.From == s.gasHex {
		return ledger.MoveGasTop
	}
	return ledger.MoveSweep
}
