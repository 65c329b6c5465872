package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/cofferhq/coffer/client"
)

func init() {
	registerClient(
		clientCommand{name: "deposits", summary: "list the deposits the chain watchers saw, newest first",
			setup: func(fs *pflag.FlagSet) action {
				var q client.ChainDepositsQuery
				fs.StringVar(&q.Owner, "owner", "", "only deposits credited to this owner")
				fs.StringVar(&q.Address, "address", "", "only deposits into this deposit address (any case; a mixed-case one must have a right EIP-55 checksum)")
				fs.StringVar(&q.Status, "status", "", "only deposits in this status: pending, confirmed, orphaned or refused")
				fs.StringVar(&q.TxHash, "tx", "", "only the deposits of this transaction hash")
				fs.StringVar(&q.Chain, "chain", "", "only deposits on this chain")
				fs.StringVar(&q.Asset, "asset", "", "only deposits of this asset")
				pageFlags(fs, &q.Limit, &q.Cursor)
				return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
					return cl.Deposits(ctx, q)
				}
			}},
		clientCommand{name: "chains", summary: "show each chain's watcher: cursor, the node's head, lag, last error (admin)",
			setup: noFlags(func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
				return cl.Chains(ctx)
			})},
	)
}

func printChainDeposits(w io.Writer, ds ...client.ChainDeposit) {
	fmt.Fprintln(w, "SEEN\tCHAIN\tSTATUS\tCONFIRMATIONS\tAMOUNT\tOWNER\tTO\tTX")
	for _, d := range ds {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d/%d\t%s\t%s\t%s\t%s\n", when(&d.CreatedAt), d.Chain, d.Status, d.Confirmations,
			d.ConfirmationsRequired, money(d.Amount, d.Asset), d.Owner, d.To, d.TxHash)
	}
}

func printChains(w io.Writer, cs ...client.Chain) {
	fmt.Fprintln(w, "CHAIN\tID\tCURSOR\tHEAD\tLAG\tWATCHER\tREPORTED\tLAST ERROR")
	for _, c := range cs {
		cursor := "-"
		if c.Cursor != nil {
			cursor = strconv.FormatUint(c.Cursor.Number, 10)
		}
		watcher := "stopped"
		if c.Watcher.Running {
			watcher = "running on " + c.Watcher.Holder
		}
		lastError := "-"
		if c.LastError != "" {
			lastError = when(c.LastErrorAt) + " " + c.LastError
		}
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.ChainID, cursor, orDash(c.Head), orDash(c.Lag),
			watcher, when(c.Watcher.ReportedAt), lastError)
	}
}

// orDash writes a number that may be unknown.
func orDash(n *uint64) string {
	if n == nil {
		return "-"
	}
	return strconv.FormatUint(*n, 10)
}
