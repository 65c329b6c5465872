package main

import (
	"context"
	"slices"

	"github.com/spf13/pflag"

	"github.com/cofferhq/coffer/client"
)

// The wallet verbs. Each names an owner's wallet by --owner and --asset, and prints the
// transfers it made.

func init() {
	registerClient(
		clientCommand{name: "deposit", summary: "credit an owner's wallet from outside",
			required: walletRequired(), setup: walletSetup("how much comes in", func(fs *pflag.FlagSet, op *walletOp) action {
				var req client.DepositRequest
				fs.StringVar(&req.Source, "source", "", "where the money came from, for the record")
				return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
					req.ID, req.Owner, req.Asset, req.Amount, req.Metadata = op.id, op.owner, op.asset, op.amount, op.metadata
					return cl.Deposit(ctx, req)
				}
			})},
		clientCommand{name: "withdraw", summary: "start a withdrawal: the amount is held until it completes or fails",
			required: walletRequired("destination"), setup: walletSetup("how much goes out", func(fs *pflag.FlagSet, op *walletOp) action {
				var req client.WithdrawalRequest
				fs.StringVar(&req.Destination, "destination", "", "where the money goes, such as a bank account or an address")
				timeoutFlag(fs, &req.TimeoutSeconds, "fail the withdrawal if it is not completed within this time")
				fs.StringVar(&req.Chain, "chain", "", "pay it out on this chain from the hot wallet: --destination is then the address (see coffer payouts)")
				return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
					req.ID, req.Owner, req.Asset, req.Amount, req.Metadata = op.id, op.owner, op.asset, op.amount, op.metadata
					return cl.Withdraw(ctx, req)
				}
			})},
		postCommand("withdraw-complete", "TRANSFER_ID", "complete a withdrawal once the payout is made", (*client.Client).CompleteWithdrawal),
		voidCommand("withdraw-fail", "TRANSFER_ID", "fail a withdrawal whose payout failed, giving the money back", (*client.Client).FailWithdrawal),
		clientCommand{name: "pay", summary: "pay a merchant from an owner's wallet",
			required: walletRequired("merchant", "order"), setup: walletSetup("how much the owner pays", func(fs *pflag.FlagSet, op *walletOp) action {
				var req client.PaymentRequest
				fs.StringVar(&req.Merchant, "merchant", "", "who is paid")
				fs.StringVar(&req.OrderID, "order", "", "the merchant's order id")
				fs.StringVar(&req.Fee, "fee", "", "the merchant's fee, taken out of the amount, in major units (default: none)")
				fs.StringVar(&req.Chain, "chain", "", "pay the merchant on this chain from the hot wallet, at --to")
				fs.StringVar(&req.To, "to", "", "the merchant's address on --chain")
				return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
					req.ID, req.Owner, req.Asset, req.Amount, req.Metadata = op.id, op.owner, op.asset, op.amount, op.metadata
					return cl.Pay(ctx, req)
				}
			})},
		clientCommand{name: "refund", args: []string{"PAYMENT_ID"}, summary: "refund all or part of a payment",
			required: []string{"id"}, setup: func(fs *pflag.FlagSet) action {
				var req client.RefundRequest
				idFlag(fs, &req.ID)
				amountFlag(fs, &req.Amount, "how much to give back (default: all not yet refunded)")
				fs.StringVar(&req.Reason, "reason", "", "why, for the record")
				metadataFlag(fs, &req.Metadata)
				return func(ctx context.Context, cl *client.Client, args []string) (any, error) {
					return cl.Refund(ctx, args[0], req)
				}
			}},
		clientCommand{name: "exchange", summary: "sell one asset of an owner's for another, at --rate or for --counter-amount",
			required: []string{"id", "owner", "from", "to", "amount"}, setup: exchange},
		clientCommand{name: "hold", summary: "reserve an amount on an owner's wallet until it is captured, released or expires",
			required: walletRequired(), setup: walletSetup("how much to reserve", func(fs *pflag.FlagSet, op *walletOp) action {
				var req client.HoldRequest
				fs.StringVar(&req.Merchant, "merchant", "", "who a capture pays (default: spent in the app)")
				timeoutFlag(fs, &req.TimeoutSeconds, "release the hold if it is not captured within this time")
				fs.StringVar(&req.Reference, "reference", "", "a reference of yours, such as a booking")
				return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
					req.ID, req.Owner, req.Asset, req.Amount, req.Metadata = op.id, op.owner, op.asset, op.amount, op.metadata
					return cl.Hold(ctx, req)
				}
			})},
		postCommand("capture", "HOLD_ID", "take all or part of a hold", (*client.Client).CaptureHold),
		voidCommand("release", "HOLD_ID", "give a hold back", (*client.Client).ReleaseHold),
		clientCommand{name: "adjust", args: []string{"ACCOUNT_ID"}, summary: "correct an account against a system account (admin)",
			required: []string{"id", "direction", "amount", "reason"}, setup: func(fs *pflag.FlagSet) action {
				var req client.AdjustmentRequest
				idFlag(fs, &req.ID)
				choiceFlag(fs, &req.Direction, "direction", "credit adds to the account, debit takes from it", "credit", "debit")
				amountFlag(fs, &req.Amount, "how much, in the account's asset")
				fs.StringVar(&req.Reason, "reason", "", "why, for the record")
				fs.StringVar(&req.CounterAccountID, "counter", "", "the system account on the other side (default: the asset's world account)")
				return func(ctx context.Context, cl *client.Client, args []string) (any, error) {
					req.AccountID = args[0]
					return cl.Adjust(ctx, req)
				}
			}},
	)
}

// walletOp is what every wallet verb names: the operation id, whose wallet, the asset, how much,
// and metadata to keep with the transfer.
type walletOp struct {
	id, owner, asset, amount string
	metadata                 map[string]string
}

// walletRequired lists the wallet verbs' required flags and the verb's own.
func walletRequired(own ...string) []string {
	return slices.Concat([]string{"id", "owner", "asset", "amount"}, own)
}

// walletSetup defines the wallet verbs' shared flags, then the verb's own with setup.
func walletSetup(amountUsage string, setup func(fs *pflag.FlagSet, op *walletOp) action) func(fs *pflag.FlagSet) action {
	return func(fs *pflag.FlagSet) action {
		op := &walletOp{}
		idFlag(fs, &op.id)
		fs.StringVar(&op.owner, "owner", "", "the wallet's owner")
		fs.StringVar(&op.asset, "asset", "", "the asset, such as USD")
		amountFlag(fs, &op.amount, amountUsage)
		metadataFlag(fs, &op.metadata)
		return setup(fs, op)
	}
}

// exchange takes --rate or --counter-amount, exactly one.
func exchange(fs *pflag.FlagSet) action {
	var req client.ExchangeRequest
	idFlag(fs, &req.ID)
	fs.StringVar(&req.Owner, "owner", "", "whose wallets")
	fs.StringVar(&req.From, "from", "", "the asset sold, such as USD")
	fs.StringVar(&req.To, "to", "", "the asset bought, such as EUR")
	amountFlag(fs, &req.Amount, "how much of --from is sold")
	fs.StringVar(&req.Rate, "rate", "", "units of --to per unit of --from; the amount bought is rounded down")
	fs.StringVar(&req.CounterAmount, "counter-amount", "", "exactly how much of --to is bought, in major units")
	metadataFlag(fs, &req.Metadata)
	return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
		if (req.Rate == "") == (req.CounterAmount == "") {
			return nil, usageErr("give exactly one of --rate and --counter-amount")
		}
		return cl.Exchange(ctx, req)
	}
}
