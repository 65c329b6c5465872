package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/cofferhq/coffer/client"
)

func init() {
	registerClient(
		clientCommand{name: "payouts", summary: "list the payouts sent on the chains, newest first",
			setup: func(fs *pflag.FlagSet) action {
				var q client.PayoutsQuery
				fs.StringVar(&q.State, "state", "", "only payouts in this state: queued, waiting_funds, signed, broadcast, confirmed, failed or cancelled")
				fs.StringVar(&q.Chain, "chain", "", "only payouts on this chain")
				pageFlags(fs, &q.Limit, &q.Cursor)
				return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
					return cl.Payouts(ctx, q)
				}
			}},
		clientCommand{name: "payout", args: []string{"ID"}, summary: "show a payout: its state, transaction and confirmations",
			setup: noFlags(func(ctx context.Context, cl *client.Client, args []string) (any, error) {
				return cl.Payout(ctx, args[0])
			})},
		clientCommand{name: "payout-cancel", args: []string{"ID"}, summary: "cancel a payout not yet sent (queued or waiting for funds), releasing its hold",
			setup: noFlags(func(ctx context.Context, cl *client.Client, args []string) (any, error) {
				return cl.CancelPayout(ctx, args[0])
			})},
	)
}

func printPayouts(w io.Writer, ps ...client.Payout) {
	fmt.Fprintln(w, "ID\tKIND\tSTATE\tCONFIRMATIONS\tAMOUNT\tOWNER\tCHAIN\tTO\tTX\tREASON")
	for _, p := range ps {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d/%d\t%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Kind, p.State, p.Confirmations,
			p.ConfirmationsRequired, money(p.Amount, p.Asset), p.Owner, p.Chain, p.To, orNone(p.TxHash), orNone(p.Reason))
	}
}

// orNone writes "-" for an empty field.
func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
