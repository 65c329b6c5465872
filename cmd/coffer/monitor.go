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
		clientCommand{name: "monitor-create", args: []string{"ID"},
			summary:  "watch an account (--account) or every account of an asset (--asset) for a condition (operator)",
			required: []string{"condition"},
			setup: func(fs *pflag.FlagSet) action {
				var req client.MonitorRequest
				fs.StringVar(&req.AccountID, "account", "", "the account watched")
				fs.StringVar(&req.Asset, "asset", "", "the asset whose every account is watched")
				fs.StringVar(&req.Condition, "condition", "", "balance_below, balance_above, available_below, available_above, held_above or no_movement")
				fs.StringVar(&req.Threshold, "threshold", "", "an amount of the asset, in major units (not for no_movement)")
				fs.Var(seconds{&req.PeriodSeconds}, "period", "no_movement's period, a `duration` such as 24h")
				fs.StringVar(&req.Description, "description", "", "free text")
				return func(ctx context.Context, cl *client.Client, args []string) (any, error) {
					req.ID = args[0]
					return cl.CreateMonitor(ctx, req)
				}
			}},
		clientCommand{name: "monitors", summary: "list balance monitors",
			setup: func(fs *pflag.FlagSet) action {
				var q client.MonitorsQuery
				fs.StringVar(&q.AccountID, "account", "", "one account's")
				fs.StringVar(&q.Asset, "asset", "", "one asset's")
				pageFlags(fs, &q.Limit, &q.Cursor)
				return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
					return cl.Monitors(ctx, q)
				}
			}},
		clientCommand{name: "monitor", args: []string{"ID"}, summary: "show a monitor and where it stands on each account",
			setup: argCall((*client.Client).Monitor)},
		clientCommand{name: "monitor-update", args: []string{"ID"}, summary: "change a monitor; it is evaluated afresh (operator)",
			setup: func(fs *pflag.FlagSet) action {
				var cond, threshold, description string
				var period int64
				fs.StringVar(&cond, "condition", "", "a new condition")
				fs.StringVar(&threshold, "threshold", "", "a new threshold")
				fs.Var(seconds{&period}, "period", "a new no_movement period, a `duration`")
				fs.StringVar(&description, "description", "", "a new description")
				return func(ctx context.Context, cl *client.Client, args []string) (any, error) {
					var req client.UpdateMonitorRequest
					if fs.Changed("condition") {
						req.Condition = &cond
					}
					if fs.Changed("threshold") {
						req.Threshold = &threshold
					}
					if fs.Changed("period") {
						req.PeriodSeconds = &period
					}
					if fs.Changed("description") {
						req.Description = &description
					}
					return cl.UpdateMonitor(ctx, args[0], req)
				}
			}},
		clientCommand{name: "monitor-delete", args: []string{"ID"}, summary: "delete a monitor (operator)",
			setup: argCall((*client.Client).DeleteMonitor)},
	)
}

func printMonitors(w io.Writer, ms ...client.Monitor) {
	fmt.Fprintln(w, "ID\tACCOUNT\tASSET\tCONDITION\tTHRESHOLD\tPERIOD\tDESCRIPTION")
	for _, m := range ms {
		period := "-"
		if m.PeriodSeconds > 0 {
			period = fmt.Sprintf("%ds", m.PeriodSeconds)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.ID, dash(m.AccountID), m.Asset, m.Condition, m.Threshold, period, dash(m.Description))
		for _, st := range m.States {
			state := "clear"
			if st.Triggered {
				state = "TRIGGERED"
			}
			fmt.Fprintf(w, "  %s\t%s\tsince %s\n", st.AccountID, state, when(&st.ChangedAt))
		}
	}
}
