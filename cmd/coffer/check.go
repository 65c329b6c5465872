package main

import (
	"context"
	"fmt"
	"io"

	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/ledger"
)

// The checks of a running server: whether it is up, and whether its ledger holds together.

func init() {
	registerClient(
		clientCommand{name: "health", summary: "check that the server is up (healthz) and reaches its database (readyz)",
			public: true, setup: noFlags(checkHealth)},
		clientCommand{name: "verify-remote", summary: "check the server's whole ledger's integrity (admin; exits 1 on any violation)",
			setup: noFlags(verifyRemote)},
	)
}

// health is what the server's probes answered.
type health struct {
	Healthz string `json:"healthz"`
	Readyz  string `json:"readyz"`
}

// checkHealth calls healthz, then readyz: a server that is up but cannot reach its database is
// printed so and fails.
func checkHealth(ctx context.Context, cl *client.Client, _ []string) (any, error) {
	if err := cl.Health(ctx); err != nil {
		return nil, err
	}
	h := health{Healthz: "ok", Readyz: "ok"}
	if err := cl.Ready(ctx); err != nil {
		h.Readyz = err.Error()
		return h, printedError{err}
	}
	return h, nil
}

func printHealth(w io.Writer, h health) {
	fmt.Fprintf(w, "healthz\t%s\nreadyz\t%s\n", h.Healthz, h.Readyz)
}

// verifyRemote runs the integrity check on the server; violations are printed and fail.
func verifyRemote(ctx context.Context, cl *client.Client, _ []string) (any, error) {
	rep, err := cl.Verify(ctx)
	if err != nil {
		return nil, err
	}
	if !rep.OK {
		return rep, printedError{fmt.Errorf("%d violations", len(rep.Violations))}
	}
	return rep, nil
}

// reportOf is the server's report as verify prints it.
func reportOf(v *client.VerifyReport) *ledger.Report {
	rep := &ledger.Report{Accounts: v.Accounts, Transfers: v.Transfers, Entries: v.Entries, Events: v.Events,
		HeadSeq: v.HeadSeq, HeadHash: v.HeadHash}
	for _, x := range v.Violations {
		rep.Violations = append(rep.Violations, ledger.Violation{Kind: x.Kind, AccountID: x.AccountID, TransferID: x.TransferID, Seq: x.Seq, Message: x.Message})
	}
	return rep
}
