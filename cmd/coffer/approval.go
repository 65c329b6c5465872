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
		clientCommand{name: "approvals", summary: "list requests for approval of manual money moves, the waiting first (admin)",
			setup: func(fs *pflag.FlagSet) action {
				var q client.ApprovalsQuery
				fs.StringVar(&q.Status, "status", "", "waiting, approved or rejected")
				pageFlags(fs, &q.Limit, &q.Cursor)
				return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
					return cl.Approvals(ctx, q)
				}
			}},
		clientCommand{name: "approval", args: []string{"ID"}, summary: "show a request for approval (admin)",
			setup: argCall((*client.Client).Approval)},
		clientCommand{name: "approve", args: []string{"ID"},
			summary: "approve a waiting request and apply its move (admin; another key than the one that asked)",
			setup:   argCall((*client.Client).Approve)},
		clientCommand{name: "reject", args: []string{"ID"}, summary: "reject a waiting request: its move is never applied (admin)",
			required: []string{"reason"},
			setup: func(fs *pflag.FlagSet) action {
				var req client.RejectApprovalRequest
				fs.StringVar(&req.Reason, "reason", "", "why, for the record")
				return func(ctx context.Context, cl *client.Client, args []string) (any, error) {
					return cl.Reject(ctx, args[0], req)
				}
			}},
	)
}

func printApprovals(w io.Writer, as ...client.Approval) {
	fmt.Fprintln(w, "ID\tKIND\tSTATUS\tREQUESTED BY\tREQUESTED AT\tDECIDED BY\tDECIDED AT\tOUTCOME")
	for _, a := range as {
		outcome := a.Reason
		switch {
		case a.Transfer != nil:
			outcome = "transfer " + a.Transfer.ID + " " + a.Transfer.State
		case a.Error != nil:
			outcome = a.Error.Code + ": " + a.Error.Message
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Kind, a.Status, a.RequestedBy, when(&a.RequestedAt),
			dash(a.DecidedBy), when(a.DecidedAt), dash(outcome))
	}
}

// printAdjustment prints an adjustment's transfer, or the request that waits for approval.
func printAdjustment(w io.Writer, r *client.AdjustmentResult) {
	if r.Approval != nil {
		fmt.Fprintf(w, "waiting for approval by another admin key: coffer approve %s\n", r.Approval.ID)
		printApprovals(w, *r.Approval)
		return
	}
	printTransferResult(w, &r.TransferResult)
}

// dash is s, or "-" for none.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
