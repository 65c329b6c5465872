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
		clientCommand{name: "sweeps", summary: "list the sweeps of deposit addresses and their gas top-ups, newest first",
			setup: func(fs *pflag.FlagSet) action {
				var q client.SweepsQuery
				fs.StringVar(&q.State, "state", "", "only sweeps in this state: queued, waiting_funds, signed, broadcast, confirmed, failed or cancelled")
				fs.StringVar(&q.Chain, "chain", "", "only sweeps on this chain")
				fs.StringVar(&q.Address, "address", "", "only sweeps and top-ups from or to this address")
				pageFlags(fs, &q.Limit, &q.Cursor)
				return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
					return cl.Sweeps(ctx, q)
				}
			}},
		clientCommand{name: "sweep", args: []string{"ID"}, summary: "show a sweep or gas top-up: its state, transaction and fee",
			setup: noFlags(func(ctx context.Context, cl *client.Client, args []string) (any, error) {
				return cl.Sweep(ctx, args[0])
			})},
	)
}

func printSweeps(w io.Writer, ss ...client.Sweep) {
	fmt.Fprintln(w, "ID\tKIND\tSTATE\tAMOUNT\tCHAIN\tFROM\tTO\tTX\tFEE\tREASON")
	for _, s := range ss {
		fee := "-"
		if s.Fee != "" {
			fee = money(s.Fee, s.FeeAsset)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Kind, s.State, money(s.Amount, s.Asset), s.Chain,
			s.From, s.To, orNone(s.TxHash), fee, orNone(s.Reason))
	}
}
