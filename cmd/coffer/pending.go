package main

import (
	"context"

	"github.com/spf13/pflag"

	"github.com/cofferhq/coffer/client"
)

func init() {
	registerClient(clientCommand{name: "pending",
		summary: "list the holds and withdrawals still pending that will expire, soonest first",
		setup: func(fs *pflag.FlagSet) action {
			var q client.PendingQuery
			fs.StringVar(&q.Type, "type", "", "only pending transfers of this type: hold or withdrawal")
			pageFlags(fs, &q.Limit, &q.Cursor)
			return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
				return cl.Pending(ctx, q)
			}
		}})
}
