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
		clientCommand{name: "address", args: []string{"OWNER"},
			summary: "show the owner's deposit address on a chain, giving it one on first use (operator)",
			setup: func(fs *pflag.FlagSet) action {
				var req client.AssignDepositAddressRequest
				fs.StringVar(&req.Chain, "chain", "", "the chain's name, such as ethereum (or give --asset)")
				fs.StringVar(&req.Asset, "asset", "", "a chain asset, such as USDT, which names its chain")
				return func(ctx context.Context, cl *client.Client, args []string) (any, error) {
					return cl.AssignDepositAddress(ctx, args[0], req)
				}
			}},
		clientCommand{name: "addresses", args: []string{"OWNER"}, summary: "list the owner's deposit addresses, one per chain",
			setup: func(fs *pflag.FlagSet) action {
				var q client.DepositAddressesQuery
				pageFlags(fs, &q.Limit, &q.Cursor)
				return func(ctx context.Context, cl *client.Client, args []string) (any, error) {
					return cl.DepositAddresses(ctx, args[0], q)
				}
			}},
	)
}

func printDepositAddresses(w io.Writer, as ...client.DepositAddress) {
	fmt.Fprintln(w, "CHAIN\tADDRESS\tOWNER\tINDEX\tCREATED")
	for _, a := range as {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\n", a.Chain, a.Address, a.Owner, a.Index, when(&a.CreatedAt))
	}
}
