package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cofferhq/coffer/client"
)

func init() {
	register(func(a *app) *cobra.Command {
		cmd := &cobra.Command{
			Use:   "dev",
			Short: "the embedded dev chain of a server started with --chain dev",
			Args:  unknownCommand,
			RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		}
		fund := clientCommand{name: "fund",
			summary:  "send ETH or USDT to an address on the dev chain, a real signed transaction from its faucet (admin)",
			required: []string{"to", "asset", "amount"},
			setup: func(fs *pflag.FlagSet) action {
				var req client.DevFundRequest
				fs.StringVar(&req.To, "to", "", "the address to pay, such as a deposit address")
				fs.StringVar(&req.Asset, "asset", "", "ETH or USDT")
				fs.StringVar(&req.Amount, "amount", "", "how much, in the asset's major unit, such as 25 or 0.5")
				return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
					return cl.DevFund(ctx, req)
				}
			}}
		cmd.AddCommand(fund.command(a))
		return cmd
	})
}

func printDevFunding(w io.Writer, f *client.DevFunding) {
	fmt.Fprintf(w, "sent %s to %s on the %s chain\ntransaction %s\n", money(f.Amount, f.Asset), f.To, f.Chain, f.TxHash)
}
