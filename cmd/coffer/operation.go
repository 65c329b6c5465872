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
		clientCommand{name: "operations", summary: "list operations by their outcome: rejected ones (a refused payment, say) as well as done ones",
			setup: func(fs *pflag.FlagSet) action {
				var q client.OperationsQuery
				fs.StringVar(&q.Owner, "owner", "", "only those of this owner (a user or merchant id)")
				fs.StringVar(&q.AccountID, "account", "", "only those that named this account, on either side")
				fs.StringVar(&q.Code, "code", "", "only rejections with this error code, such as insufficient_funds")
				fs.StringVar(&q.Kind, "kind", "", "only operations of this kind, such as payment or transfer.post")
				fs.StringVar(&q.Status, "status", "", "only done or only rejected operations (default: both)")
				timeFlag(fs, &q.From, "from", "only those applied at or after")
				timeFlag(fs, &q.To, "to", "only those applied before")
				orderFlag(fs, &q.Desc)
				pageFlags(fs, &q.Limit, &q.Cursor)
				return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
					return cl.Operations(ctx, q)
				}
			}},
		clientCommand{name: "operation", args: []string{"OPERATION_ID"}, summary: "show one operation's outcome: done, or rejected and why",
			setup: noFlags(func(ctx context.Context, cl *client.Client, args []string) (any, error) {
				return cl.Operation(ctx, args[0])
			})},
	)
}

func printOperations(w io.Writer, ops ...client.Operation) {
	fmt.Fprintln(w, "ID\tKIND\tSTATUS\tOWNER\tACCOUNT\tAMOUNT\tTIME\tREASON")
	for _, o := range ops {
		reason := ""
		if o.Error != nil {
			reason = o.Error.Code + ": " + o.Error.Message
		}
		amount := o.Amount
		if amount != "" {
			amount = money(amount, o.Asset)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, o.Kind, o.Status, o.Owner, o.AccountID,
			amount, when(&o.CreatedAt), reason)
	}
}
