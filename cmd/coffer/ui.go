package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cofferhq/coffer/activity"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ui"
)

// withUI serves the dashboard under /ui/ (and sends /ui there) and everything else to api.
// The dashboard's files need no key: the page asks for one and sends it to the API.
func withUI(api http.Handler) http.Handler {
	dashboard := ui.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, ui.Prefix):
			dashboard.ServeHTTP(w, r)
		case r.URL.Path == strings.TrimSuffix(ui.Prefix, "/"):
			http.Redirect(w, r, ui.Prefix, http.StatusMovedPermanently)
		default:
			api.ServeHTTP(w, r)
		}
	})
}

// activityObserver counts the commands applied for the dashboard's overview, and passes every
// report on to next (the metrics), if any.
type activityObserver struct {
	next ledger.Observer
	rec  *activity.Recorder
}

func (o activityObserver) Command(c ledger.Command, kind, outcome, code string) {
	if outcome == ledger.OutcomeApplied {
		o.rec.Applied(1)
	}
	if o.next != nil {
		o.next.Command(c, kind, outcome, code)
	}
}

func (o activityObserver) Batch(size int, took time.Duration, retries int, failed bool) {
	if o.next != nil {
		o.next.Batch(size, took, retries, failed)
	}
}

func init() {
	registerClient(clientCommand{name: "overview",
		summary: "show what the dashboard's first page shows: the assets' totals by account kind, requests and latency now, the write queue, the sinks' and chains' lag",
		setup: noFlags(func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
			return cl.Overview(ctx)
		})})
}

func printOverview(w io.Writer, o *client.Overview) {
	fmt.Fprintln(w, "ASSET\tWALLETS\tMERCHANTS\tSYSTEM\tSUM\tACCOUNTS")
	for _, a := range o.Assets {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\n", a.Code, a.Wallets, a.Merchants, a.System, a.Sum, a.Accounts)
	}
	if !o.TotalsComplete {
		fmt.Fprintf(w, "(the first %d accounts only)\n", o.AccountsSummed)
	}
	n := o.Now
	fmt.Fprintf(w, "\nlast minute\t%d requests, %d errors, %d commands applied, latency p50 %.1f ms, p99 %.1f ms\n",
		n.Requests, n.Errors, n.Applied, n.LatencyP50Ms, n.LatencyP99Ms)
	fmt.Fprintf(w, "write queue\t%d\n", o.Queued)
	for _, s := range o.Sinks {
		fmt.Fprintf(w, "sink %s\t%d behind, lag %.1f s\n", s.Name, s.Behind, s.LagSeconds)
	}
	for _, c := range o.Chains {
		lag := "unknown"
		if c.Lag != nil {
			lag = fmt.Sprintf("%d blocks", *c.Lag)
		}
		fmt.Fprintf(w, "chain %s\tlag %s, watcher running: %v\n", c.Name, lag, c.Running)
	}
	if v := o.Verify; v != nil {
		fmt.Fprintf(w, "verify\t%d violations at %s\n", v.Violations, when(&v.At))
	}
}
