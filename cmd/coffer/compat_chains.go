package main

import (
	"context"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/chainview"
	"github.com/cofferhq/coffer/chain/payout"
	"github.com/cofferhq/coffer/compat/walletdemo"
	"github.com/cofferhq/coffer/ledger"
)

// walletDemoDepositsMax bounds the deposits read of one transaction to one owner: one or two
// (a token transfer, and the value sent with it); a page of them is more than any client's
// deposit.
const walletDemoDepositsMax = 100

// walletDemoChains is serve's chain support as the wallet demo's crypto endpoints ask for it:
// the chains' configuration, the watcher's deposits through the chain view, and the payout
// service with the send intents it keeps.
type walletDemoChains struct {
	chains *chains
	sends  coffer.SendStore
}

var _ walletdemo.Chains = walletDemoChains{}

func (c walletDemoChains) ChainOf(asset string) (string, bool) {
	a, ok := c.chains.config.Asset(asset)
	return a.Chain, ok
}

func (c walletDemoChains) Deposits(ctx context.Context, txHash, owner string) ([]walletdemo.ChainDeposit, error) {
	ds, err := c.chains.view.Deposits(ctx, chainview.DepositFilter{TxHash: txHash, Owner: owner, Limit: walletDemoDepositsMax})
	if err != nil {
		return nil, err
	}
	out := make([]walletdemo.ChainDeposit, len(ds))
	for i, d := range ds {
		out[i] = walletdemo.ChainDeposit{Deposit: d.Deposit, Confirmations: d.Confirmations, ConfirmationsRequired: d.ConfirmationsRequired}
		out[i].From, out[i].To = d.From, d.To // checksummed, as people see them
	}
	return out, nil
}

func (c walletDemoChains) Payout(ctx context.Context, p walletdemo.Payout) (coffer.Transfer, error) {
	if c.chains.payouts == nil {
		return coffer.Transfer{}, coffer.Errorf(walletdemo.CodeNotAvailable, "this server sends no payouts on chain: it has no hot wallet")
	}
	res, err := c.chains.payouts.Request(ctx, payout.Request{ID: p.ID, Kind: ledger.PayoutWithdrawal, Owner: p.Owner,
		Chain: p.Chain, Asset: p.Asset, Amount: p.Amount, To: p.To, Metadata: p.Metadata})
	if err != nil {
		return coffer.Transfer{}, err
	}
	return res.Transfers[0], nil
}

func (c walletDemoChains) PayoutTxHash(ctx context.Context, id string) (string, error) {
	in, err := c.sends.SendIntent(ctx, id)
	switch coffer.ErrorCode(err) {
	case "":
		return in.TxHash, nil
	case coffer.ENOTFOUND:
		return "", nil
	}
	return "", err
}
