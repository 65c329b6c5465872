package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// clientCommand is a subcommand that calls the API. Every one takes --addr, --key and --json;
// setup defines the command's own flags and returns what to do once they are parsed.
type clientCommand struct {
	name     string
	aliases  []string
	args     []string // names of the positional arguments, each required
	summary  string
	required []string // flags that must be given
	public   bool     // the endpoints it calls need no key
	setup    func(fs *pflag.FlagSet) action
}

// stderrKey keys the run's stderr in an action's context, for progress shown while it waits.
type stderrKey struct{}

// action calls the API with the positional arguments and returns the answer to print.
type action func(ctx context.Context, cl *client.Client, args []string) (any, error)

// printedError is an error whose answer is printed before it is reported: the answer says what
// went wrong (a verification's violations, a batch's failed items).
type printedError struct{ error }

func (e printedError) Unwrap() error { return e.error }

// registerClient registers client subcommands.
func registerClient(cs ...clientCommand) {
	for _, c := range cs {
		register(c.command)
	}
}

// command builds the cobra command of c.
func (c clientCommand) command(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     strings.Join(append([]string{c.name}, c.args...), " "),
		Aliases: c.aliases,
		Short:   c.summary,
		Args:    exactArgs(c.args...),
	}
	fs := cmd.Flags()
	cfg := a.settled(cmd, clientSettings...)
	asJSON := fs.Bool("json", false, "print the server's JSON answer (an error's too, on stdout)")
	act := c.setup(fs)
	for _, name := range c.required {
		fs.Lookup(name).Usage += " (required)"
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		for _, name := range c.required {
			if f := fs.Lookup(name); !f.Changed || f.Value.String() == "" {
				_, usage := pflag.UnquoteUsage(f)
				return &usageError{msg: fmt.Sprintf("--%s is required: %s", name, strings.TrimSuffix(usage, " (required)")), hint: true}
			}
		}
		if cfg.APIKey == "" && !c.public {
			return usageErr("no API key: give --key, set COFFER_API_KEY, or set client.key in the --config file")
		}
		// A transport of its own, whose connections close when the command is done rather than
		// stay open for a next command that, in a process, never comes.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		defer tr.CloseIdleConnections()
		rec := &errorRecorder{next: tr}
		cl := client.New(cfg.Server, cfg.APIKey)
		cl.HTTP.Transport = rec
		answer, err := act(context.WithValue(cmd.Context(), stderrKey{}, a.stderr), cl, args)
		if err != nil && !errors.As(err, new(printedError)) {
			if *asJSON && !errors.As(err, new(*usageError)) {
				if perr := rec.printError(a.stdout, err); perr != nil {
					return perr
				}
			}
			return err
		}
		if *asJSON {
			if perr := printJSON(a.stdout, answer); perr != nil {
				return perr
			}
		} else if perr := printText(a.stdout, answer); perr != nil {
			return perr
		}
		return err
	}
	return cmd
}

// errorRecorderBytesMax caps the error answer kept for --json: the API's errors are a few
// hundred bytes.
const errorRecorderBytesMax = 64 << 10

// errorRecorder keeps the body of the last error the server answered, so that --json can print
// it as the server sent it.
type errorRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	body []byte
}

func (r *errorRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil || resp.StatusCode < 400 {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, errorRecorderBytesMax))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	r.mu.Lock()
	r.body = body
	r.mu.Unlock()
	return resp, nil
}

// printError writes the error as JSON: the server's answer if it sent one, else the same
// envelope made here (the server could not be reached, say).
func (r *errorRecorder) printError(w io.Writer, err error) error {
	r.mu.Lock()
	body := r.body
	r.mu.Unlock()
	var out bytes.Buffer
	if body = bytes.TrimSpace(body); json.Valid(body) && json.Indent(&out, body, "", "  ") == nil {
		out.WriteByte('\n')
		_, werr := w.Write(out.Bytes())
		return werr
	}
	return printJSON(w, client.ErrorResponse{Error: client.ErrorBody{Code: coffer.ErrorCode(err), Message: coffer.ErrorMessage(err)}})
}

// noFlags is the setup of a command without flags of its own.
func noFlags(act action) func(*pflag.FlagSet) action {
	return func(*pflag.FlagSet) action { return act }
}

// argCall is the setup of a command without flags of its own that passes its one argument to a
// client method, such as account ACCOUNT_ID.
func argCall[T any](call func(*client.Client, context.Context, string) (T, error)) func(*pflag.FlagSet) action {
	return noFlags(func(ctx context.Context, cl *client.Client, args []string) (any, error) {
		return call(cl, ctx, args[0])
	})
}

// printText writes an answer for a person, in aligned columns.
func printText(w io.Writer, answer any) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	switch v := answer.(type) {
	case *client.Asset:
		printAssets(tw, *v)
	case *client.AssetPage:
		printAssets(tw, v.Assets...)
	case *client.Account:
		printAccount(tw, v)
	case *client.AccountPage:
		printAccounts(tw, v)
	case *client.Balances:
		printBalances(tw, v)
	case *client.Transfer:
		printTransfer(tw, v)
	case *client.TransferResult:
		printTransferResult(tw, v)
	case *client.TransferPage:
		printTransfers(tw, v.Transfers...)
		printCursor(tw, v.NextCursor)
	case *client.BatchResponse:
		printBatch(tw, v)
	case accountHistory:
		printHistory(tw, v)
	case *client.EventPage:
		printEvents(tw, v)
	case *client.Operation:
		printOperations(tw, *v)
	case *client.OperationPage:
		printOperations(tw, v.Operations...)
		printCursor(tw, v.NextCursor)
	case *client.CreatedKey:
		printCreatedKey(tw, v)
	case *client.Key:
		printKeys(tw, *v)
	case *client.KeyPage:
		printKeys(tw, v.Keys...)
	case *client.DepositAddress:
		printDepositAddresses(tw, *v)
	case *client.DepositAddressPage:
		printDepositAddresses(tw, v.Addresses...)
		printCursor(tw, v.NextCursor)
	case *client.Monitor:
		printMonitors(tw, *v)
	case *client.MonitorPage:
		printMonitors(tw, v.Monitors...)
		printCursor(tw, v.NextCursor)
	case *client.AdjustmentResult:
		printAdjustment(tw, v)
	case *client.Approval:
		printApprovals(tw, *v)
	case *client.ApprovalPage:
		printApprovals(tw, v.Approvals...)
	case *client.StatementImport:
		printStatementImport(tw, v)
	case *client.StatementException:
		printExceptions(tw, *v)
	case *client.StatementMatchPage:
		printMatches(tw, v.Matches...)
		printCursor(tw, v.NextCursor)
	case *client.StatementExceptionPage:
		printExceptions(tw, v.Exceptions...)
		printCursor(tw, v.NextCursor)
	case *client.Reconciliation:
		printReconciliations(tw, *v)
	case *client.ReconciliationPage:
		printReconciliations(tw, v.Reconciliations...)
		printCursor(tw, v.NextCursor)
	case *client.ChainReconciliation:
		printChainReconciliation(tw, v)
	case *client.ChainReconciliationPage:
		printChainReconciliations(tw, v.Reconciliations...)
		printCursor(tw, v.NextCursor)
	case *client.Statement:
		printStatement(tw, v)
	case savedCSV:
		return nil
	case *client.BalanceAt:
		printBalanceAt(tw, v)
	case *client.DevFunding:
		printDevFunding(tw, v)
	case *client.ChainDepositPage:
		printChainDeposits(tw, v.Deposits...)
		printCursor(tw, v.NextCursor)
	case *client.ChainList:
		printChains(tw, v.Chains...)
	case *client.Payout:
		printPayouts(tw, *v)
	case *client.PayoutPage:
		printPayouts(tw, v.Payouts...)
		printCursor(tw, v.NextCursor)
	case *client.Sweep:
		printSweeps(tw, *v)
	case *client.SweepPage:
		printSweeps(tw, v.Sweeps...)
		printCursor(tw, v.NextCursor)
	case *client.VerifyReport:
		return printReport(w, reportOf(v), false)
	case health:
		printHealth(tw, v)
	case *client.Overview:
		printOverview(tw, v)
	default:
		return fmt.Errorf("no text form for a %T; use --json", answer)
	}
	return tw.Flush()
}

// money is an amount with its asset code, as people read it.
func money(amount, asset string) string { return amount + " " + asset }

// printCursor tells how to get the next page, if there is one.
func printCursor(w io.Writer, next string) {
	if next != "" {
		fmt.Fprintf(w, "more: --cursor %s\n", next)
	}
}

// when formats an API time for people; nil is "-".
func when(t *client.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// printRows writes label-value pairs, one a line.
func printRows(w io.Writer, rows [][2]string) {
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\n", r[0], r[1])
	}
}
