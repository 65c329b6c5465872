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
		clientCommand{name: "reconcile-chain",
			summary:  "check the ledger's custody of a chain against the chain at a pinned block: balances per address and asset, transfers by hash (operator)",
			required: []string{"id", "chain"},
			setup: func(fs *pflag.FlagSet) action {
				var req client.ChainReconciliationRequest
				fs.StringVar(&req.ID, "id", "", "the reconciliation's id: the same id for the same chain answers the first result")
				fs.StringVar(&req.Chain, "chain", "", "the configured chain's name")
				return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
					return cl.ReconcileChain(ctx, req)
				}
			}},
		clientCommand{name: "chain-reconciliation", args: []string{"ID"}, summary: "show a chain reconciliation and its differences",
			setup: argCall((*client.Client).ChainReconciliation)},
		clientCommand{name: "chain-reconciliations", summary: "list chain reconciliations, newest first",
			setup: func(fs *pflag.FlagSet) action {
				var q client.ChainReconciliationsQuery
				fs.StringVar(&q.Chain, "chain", "", "one chain's")
				fs.StringVar(&q.Status, "status", "", "matched or mismatched")
				pageFlags(fs, &q.Limit, &q.Cursor)
				return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
					return cl.ChainReconciliations(ctx, q)
				}
			}},
	)
}

func printChainReconciliations(w io.Writer, rs ...client.ChainReconciliation) {
	fmt.Fprintln(w, "ID\tCHAIN\tBLOCK\tFROM\tADDRESSES\tDIFFERENCES\tSTATUS\tAT")
	for _, r := range rs {
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", r.ID, r.Chain, r.BlockNumber, r.FromBlock, r.Addresses,
			len(r.Lines)+r.Omitted, r.Status, when(&r.CreatedAt))
	}
}

// printChainReconciliation writes one reconciliation, its pinned block and each difference.
func printChainReconciliation(w io.Writer, r *client.ChainReconciliation) {
	printChainReconciliations(w, *r)
	fmt.Fprintf(w, "block hash\t%s\n", r.BlockHash)
	if len(r.Lines) == 0 {
		return
	}
	fmt.Fprintln(w, "KIND\tADDRESS\tTX\tON CHAIN\tLEDGER\tDIFFERENCE")
	for _, l := range r.Lines {
		tx := l.TxHash
		if tx == "" {
			tx = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", l.Kind, l.Address, tx, money(l.OnChain, l.Asset), money(l.Ledger, l.Asset),
			money(l.Difference, l.Asset))
	}
	if r.Omitted > 0 {
		fmt.Fprintf(w, "and %d more differences not stored\n", r.Omitted)
	}
}
