package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/ledger"
)

func init() {
	register(func(a *app) *cobra.Command {
		cmd := &cobra.Command{
			Use:   "verify",
			Short: "check the whole ledger's integrity in the database (exits 1 on any violation)",
			Args:  noArgs,
		}
		cfg := a.settled(cmd, databaseSettings...)
		asJSON := cmd.Flags().Bool("json", false, "print the report as JSON")
		cmd.RunE = func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			store, err := openStore(ctx, cfg.Database, 0, false)
			if err != nil {
				return err
			}
			defer store.Close()
			rep, err := ledger.Verify(ctx, store)
			if err != nil {
				return err
			}
			if err := printReport(a.stdout, rep, *asJSON); err != nil {
				return err
			}
			if !rep.OK() {
				return fmt.Errorf("%d violations", len(rep.Violations))
			}
			return nil
		}
		return cmd
	})
}

func printReport(w io.Writer, rep *ledger.Report, asJSON bool) error {
	if asJSON {
		return printJSON(w, rep)
	}
	fmt.Fprintf(w, "checked %d accounts, %d transfers, %d entries\n", rep.Accounts, rep.Transfers, rep.Entries)
	for _, v := range rep.Violations {
		fmt.Fprintf(w, "VIOLATION %s account=%s transfer=%s: %s\n", v.Kind, v.AccountID, v.TransferID, v.Message)
	}
	if rep.OK() {
		fmt.Fprintln(w, "ok: no violations")
	}
	return nil
}
