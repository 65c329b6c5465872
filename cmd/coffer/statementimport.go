package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// importPollEvery is how often statement-import asks for the import's progress.
const importPollEvery = 500 * time.Millisecond

func init() {
	registerClient(
		clientCommand{name: "statement-import", args: []string{"FILE"},
			summary:  "import an account's statement (CSV or JSON lines) and match it against the account's transfers, showing progress (operator)",
			required: []string{"id", "account"},
			setup: func(fs *pflag.FlagSet) action {
				var req client.StatementImportRequest
				var cols client.StatementColumns
				fs.StringVar(&req.ID, "id", "", "the import's id: the same id and statement answer the first import")
				fs.StringVar(&req.AccountID, "account", "", "the account the statement is of, such as merchant:shop-7:USD")
				fs.StringVar(&req.Format, "format", "csv", "csv or jsonl")
				timeFlag(fs, &req.From, "from", "the period's start (default: the first line's day)")
				timeFlag(fs, &req.To, "to", "the period's end (default: the day after the last line's)")
				fs.DurationVar(&req.Window, "window", 0, "how far apart a line's date and its transfer's may be (default 72h)")
				fs.StringVar(&cols.Date, "date-column", "date", "the CSV column of the date: a header name or a position from 1")
				fs.StringVar(&cols.Amount, "amount-column", "amount", "the CSV column of the amount")
				fs.StringVar(&cols.Direction, "direction-column", "direction", "the CSV column of the direction (credit or debit); empty when amounts are signed")
				fs.StringVar(&cols.Reference, "reference-column", "reference", "the CSV column of the reference; empty for none")
				fs.StringVar(&cols.Description, "description-column", "description", "the CSV column of the description; empty for none")
				fs.BoolVar(&req.NoHeader, "no-header", false, "the CSV has no header line: the columns are positions")
				return func(ctx context.Context, cl *client.Client, args []string) (any, error) {
					req.Columns = &cols
					f, err := os.Open(args[0])
					if err != nil {
						return nil, usageErr("statement file: %v", err)
					}
					defer f.Close()
					imp, err := cl.ImportStatement(ctx, req, f)
					if err != nil {
						return nil, err
					}
					return followImport(ctx, cl, imp)
				}
			}},
		clientCommand{name: "statement-import-status", args: []string{"ID"}, summary: "show a statement import and its progress",
			setup: argCall((*client.Client).StatementImport)},
		clientCommand{name: "exceptions", args: []string{"ID"},
			summary: "list the exceptions of a statement import: lines and transfers no rule matched",
			setup: func(fs *pflag.FlagSet) action {
				var q client.StatementExceptionsQuery
				fs.StringVar(&q.Status, "status", "", "open or resolved (default both)")
				pageFlags(fs, &q.Limit, &q.Cursor)
				return func(ctx context.Context, cl *client.Client, args []string) (any, error) {
					return cl.StatementExceptions(ctx, args[0], q)
				}
			}},
		clientCommand{name: "statement-matches", args: []string{"ID"},
			summary: "list the matched pairs of a statement import: each line, its transfer and the rule that matched them",
			setup: func(fs *pflag.FlagSet) action {
				var q client.StatementMatchesQuery
				pageFlags(fs, &q.Limit, &q.Cursor)
				return func(ctx context.Context, cl *client.Client, args []string) (any, error) {
					return cl.StatementMatches(ctx, args[0], q)
				}
			}},
		clientCommand{name: "resolve-exception", args: []string{"ID", "SEQ"},
			summary:  "resolve an exception of a statement import: match it, explain it, or adjust the account (admin)",
			required: []string{"action"},
			setup: func(fs *pflag.FlagSet) action {
				var req client.ResolveExceptionRequest
				fs.StringVar(&req.Action, "action", "", "match, explain or adjust")
				fs.StringVar(&req.TransferID, "transfer", "", "match: the transfer a line's exception is matched to")
				fs.Int64Var(&req.Line, "line", 0, "match: the line a transfer's exception is matched to")
				fs.StringVar(&req.Note, "note", "", "why: required to explain, and the adjustment's reason")
				fs.StringVar(&req.AdjustmentID, "adjustment-id", "", "adjust: the adjustment's id")
				return func(ctx context.Context, cl *client.Client, args []string) (any, error) {
					var seq int64
					if _, err := fmt.Sscan(args[1], &seq); err != nil || seq <= 0 {
						return nil, usageErr("SEQ %q must be an exception's number", args[1])
					}
					return cl.ResolveException(ctx, args[0], seq, req)
				}
			}},
	)
}

// followImport polls an import until it ends, showing its progress on stderr: a bar redrawn in
// place on a terminal, a line per change otherwise.
func followImport(ctx context.Context, cl *client.Client, imp *client.StatementImport) (*client.StatementImport, error) {
	w, _ := ctx.Value(stderrKey{}).(io.Writer)
	if w == nil {
		w = io.Discard
	}
	term := false
	if f, ok := w.(*os.File); ok {
		// A character device is a terminal (or the like): a bar redrawn in place suits it.
		st, err := f.Stat()
		term = err == nil && st.Mode()&os.ModeCharDevice != 0
	}
	last := ""
	tick := time.NewTicker(importPollEvery)
	defer tick.Stop()
	for {
		line := progressLine(imp, term)
		if term {
			fmt.Fprintf(w, "\r%s", line)
		} else if line != last {
			fmt.Fprintln(w, line)
		}
		last = line
		if imp.Status != string(coffer.ImportRunning) {
			if term {
				fmt.Fprintln(w)
			}
			if imp.Status == string(coffer.ImportFailed) {
				return imp, printedError{fmt.Errorf("statement import %s failed: %s", imp.ID, imp.Error)}
			}
			return imp, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
		next, err := cl.StatementImport(ctx, imp.ID)
		if err != nil {
			return nil, err
		}
		imp = next
	}
}

// progressLine is an import's progress: lines stored of all, and the outcome once done.
func progressLine(imp *client.StatementImport, bar bool) string {
	const width = 30
	pct := int64(100)
	if imp.Lines > 0 {
		pct = imp.LinesRead * 100 / imp.Lines
	}
	text := fmt.Sprintf("%s: %d/%d lines", imp.Status, imp.LinesRead, imp.Lines)
	if imp.Status == string(coffer.ImportDone) {
		text += fmt.Sprintf(", %d matched, %d exceptions", imp.Matched, imp.Exceptions)
	}
	if !bar {
		return text
	}
	n := int(pct * width / 100)
	return fmt.Sprintf("[%s%s] %3d%% %s", strings.Repeat("#", n), strings.Repeat("-", width-n), pct, text)
}

func printStatementImport(w io.Writer, imp *client.StatementImport) {
	fmt.Fprintln(w, "ID\tACCOUNT\tPERIOD\tSTATUS\tLINES\tREAD\tMATCHED\tEXCEPTIONS")
	fmt.Fprintf(w, "%s\t%s\t%s to %s\t%s\t%d\t%d\t%d\t%d\n", imp.ID, imp.AccountID, when(&imp.PeriodFrom), when(&imp.PeriodTo),
		imp.Status, imp.Lines, imp.LinesRead, imp.Matched, imp.Exceptions)
	if imp.Error != "" {
		fmt.Fprintf(w, "error:\t%s\n", imp.Error)
	}
}

func printMatches(w io.Writer, ms ...client.StatementMatch) {
	fmt.Fprintln(w, "LINE\tTRANSFER\tRULE\tMATCHED")
	for _, m := range ms {
		rule := m.Rule
		if m.MatchedBy != "" {
			rule += " (by " + m.MatchedBy + ")"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", m.Line, m.TransferID, rule, when(&m.MatchedAt))
	}
}

func printExceptions(w io.Writer, es ...client.StatementException) {
	fmt.Fprintln(w, "SEQ\tKIND\tLINE/TRANSFER\tAMOUNT\tDIRECTION\tDATE\tSTATUS\tREASON")
	for _, e := range es {
		what := e.TransferID
		if e.Kind == "line" {
			what = fmt.Sprintf("line %d", e.Line)
		}
		status := e.Status
		if e.Resolution != "" {
			status += " (" + e.Resolution + " by " + e.ResolvedBy + ")"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.Kind, what, e.Amount, e.Direction, when(&e.Date), status, e.Reason)
	}
}
