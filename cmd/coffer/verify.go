package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer"
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
		headFile := cmd.Flags().String("head-file", "", "check the event chain against the head exported to this file "+
			"(by --export-head): the event of its seq must still have its hash")
		exportHead := cmd.Flags().String("export-head", "", "when the ledger verifies clean, write the chain head "+
			"(\"<seq> <hash>\") to this file, - for stdout, for a later --head-file; keep it outside the database")
		cmd.RunE = func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			var o ledger.VerifyOptions
			if *headFile != "" {
				b, err := os.ReadFile(*headFile)
				if err != nil {
					return fmt.Errorf("read the exported head: %w", err)
				}
				h, err := coffer.ParseChainHead(string(b))
				if err != nil {
					return fmt.Errorf("%s: %w", *headFile, err)
				}
				o.Head = &h
			}
			store, err := openStore(ctx, cfg.Database, 0, false)
			if err != nil {
				return err
			}
			defer store.Close()
			rep, err := ledger.VerifyWith(ctx, store, o)
			if err != nil {
				return err
			}
			if err := printReport(a.stdout, rep, *asJSON); err != nil {
				return err
			}
			if !rep.OK() {
				return fmt.Errorf("%d violations", len(rep.Violations))
			}
			if *exportHead != "" {
				return writeHead(a.stdout, *exportHead, fmt.Sprintf("%d %s\n", rep.HeadSeq, rep.HeadHash))
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
	fmt.Fprintf(w, "checked %d accounts, %d transfers, %d entries, %d events; chain head %d %s\n",
		rep.Accounts, rep.Transfers, rep.Entries, rep.Events, rep.HeadSeq, rep.HeadHash)
	for _, v := range rep.Violations {
		fmt.Fprintf(w, "VIOLATION %s account=%s transfer=%s seq=%d: %s\n", v.Kind, v.AccountID, v.TransferID, v.Seq, v.Message)
	}
	if rep.OK() {
		fmt.Fprintln(w, "ok: no violations")
	}
	return nil
}

// writeHead writes an exported chain head to path, or to w if path is "-".
func writeHead(w io.Writer, path, head string) error {
	if path == "-" {
		_, err := io.WriteString(w, head)
		return err
	}
	if err := os.WriteFile(path, []byte(head), 0o644); err != nil {
		return fmt.Errorf("export the chain head: %w", err)
	}
	return nil
}
