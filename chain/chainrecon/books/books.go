// Package books gives chain reconciliation the ledger's side: what the ledger holds at each of
// Coffer's chain addresses (its custody accounts) and which chain deposits it has credited.
package books

import (
	"context"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/chainrecon"
	"github.com/cofferhq/coffer/ledger"
)

// Ledger reads the ledger's custody accounts (ledger.CustodyAccountID): what the ledger holds
// at each address in each asset is ledger.CustodyHolding of its account. It is the Books of a
// chainrecon.Config.
type Ledger struct{ Store coffer.Store }

// Custody returns the ledger's holding at each address in each asset that has an account.
func (b Ledger) Custody(ctx context.Context, _ string, addrs, assets []string) ([]chainrecon.Holding, error) {
	var out []chainrecon.Holding
	for _, a := range addrs {
		for _, asset := range assets {
			acc, err := b.Store.Account(ctx, ledger.CustodyAccountID(a, asset))
			if coffer.ErrorCode(err) == coffer.ENOTFOUND {
				continue
			}
			if err != nil {
				return nil, err
			}
			out = append(out, chainrecon.Holding{Address: a, Asset: asset, Amount: ledger.CustodyHolding(&acc).Big()})
		}
	}
	return out, nil
}

// Credited reports, for each chain deposit key the ledger has a transfer of, whether it is
// credited (posted).
func (b Ledger) Credited(ctx context.Context, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, k := range keys {
		t, err := b.Store.Transfer(ctx, ledger.ChainDepositID(k))
		if coffer.ErrorCode(err) == coffer.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[k] = t.State == coffer.StatePosted
	}
	return out, nil
}

// Settled reports, for each intent id whose end the ledger has booked, how: a payout (a
// withdrawal or a payment) posted or voided, a custody move (ledger.MoveCustody: a sweep or a
// gas top-up) booked, or the gas alone of a move that failed; with the gas recorded as
// ledger.PayoutGasID.
func (b Ledger) Settled(ctx context.Context, ids []string) (map[string]chainrecon.Settlement, error) {
	out := map[string]chainrecon.Settlement{}
	for _, id := range ids {
		var s chainrecon.Settlement
		t, err := b.Store.Transfer(ctx, id)
		switch {
		case err == nil && (t.Type == coffer.TypeWithdrawal || t.Type == coffer.TypePayment):
			if t.State == coffer.StatePending {
				continue
			}
			s.Moved = t.State == coffer.StatePosted
		case err == nil && t.Type == coffer.TypeTransfer && (t.Metadata["kind"] == ledger.MoveSweep || t.Metadata["kind"] == ledger.MoveGasTop):
			s.Moved = true
		case err == nil:
			continue // not an intent's
		case coffer.ErrorCode(err) != coffer.ENOTFOUND:
			return nil, err
		}
		g, err := b.Store.Transfer(ctx, ledger.PayoutGasID(id))
		switch {
		case err == nil:
			s.Fee = g.Amount.Big()
		case coffer.ErrorCode(err) != coffer.ENOTFOUND:
			return nil, err
		case !s.Moved && t.ID == "":
			continue // neither an end nor its gas: nothing booked
		}
		out[id] = s
	}
	return out, nil
}
