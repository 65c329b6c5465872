package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"

	"github.com/cofferhq/coffer/client"
)

func init() {
	registerClient(
		clientCommand{name: "reconcile",
			summary:  "check an account's balance at a period's end against an outside balance, within a tolerance (operator)",
			required: []string{"id", "period-end", "external"},
			setup: func(fs *pflag.FlagSet) action {
				var req client.ReconciliationRequest
				var start time.Time
				fs.StringVar(&req.ID, "id", "", "the reconciliation's id: the same id and figures answer the first result")
				fs.StringVar(&req.AccountID, "account", "", "the account, such as merchant:shop-7:USD (or --owner and --asset)")
				fs.StringVar(&req.Owner, "owner", "", "the wallet's owner, with --asset")
				fs.StringVar(&req.Asset, "asset", "", "the wallet's asset, with --owner")
				timeFlag(fs, &start, "period-start", "the period's start, for the record")
				timeFlag(fs, &req.PeriodEnd, "period-end", "the moment the outside balance stands at")
				fs.StringVar(&req.ExternalBalance, "external", "", "the outside balance, in major units")
				fs.StringVar(&req.Tolerance, "tolerance", "", "the largest difference still within tolerance, an amount of the asset")
				fs.StringVar(&req.Source, "source", "", "where the outside balance comes from")
				fs.StringVar(&req.Note, "note", "", "free text for the record")
				return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
					if fs.Changed("period-start") {
						req.PeriodStart = &start
					}
					return cl.Reconcile(ctx, req)
				}
			}},
		clientCommand{name: "reconciliation", args: []string{"ID"}, summary: "show a reconciliation",
			setup: argCall((*client.Client).Reconciliation)},
		clientCommand{name: "reconciliations", summary: "list reconciliations, newest first",
			setup: func(fs *pflag.FlagSet) action {
				var q client.ReconciliationsQuery
				fs.StringVar(&q.AccountID, "account", "", "one account's")
				fs.StringVar(&q.Status, "status", "", "matched, within_tolerance or mismatched")
				timeFlag(fs, &q.From, "from", "only those whose period ended at or after")
				timeFlag(fs, &q.To, "to", "only those whose period ended before")
				pageFlags(fs, &q.Limit, &q.Cursor)
				return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
					return cl.Reconciliations(ctx, q)
				}
			}},
	)
}

func printReconciliations(w io.Writer, rs ...client.Reconciliation) {
	fmt.Fprintln(w, "ID\tACCOUNT\tPERIOD END\tLEDGER\tEXTERNAL\tDIFFERENCE\tTOLERANCE\tSTATUS")
	for _, r := range rs {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.AccountID, when(&r.PeriodEnd), money(r.LedgerBalance, r.Asset),
			money(r.ExternalBalance, r.Asset), money(r.Difference, r.Asset), money(r.Tolerance, r.Asset), r.Status)
	}
}
