package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/cofferhq/coffer/httpapi"
)

// serverDefault is where the client subcommands look for the server when neither --addr nor
// COFFER_ADDR says: the address serve listens on by default.
const serverDefault = "http://" + addrDefault

// clientCommand is a subcommand that calls the API. Every one takes --addr, --key and --json;
// setup defines the command's own flags and returns what to do once they are parsed.
type clientCommand struct {
	name     string
	args     []string // names of the positional arguments, each required
	summary  string
	required []string // flags that must be given
	setup    func(fs *flag.FlagSet) action
}

// action calls the API with the positional arguments and returns the answer to print.
type action func(ctx context.Context, cl *httpapi.Client, args []string) (any, error)

// printedError is an error whose answer is printed before it is reported: the answer says what
// went wrong (a verification's violations, a batch's failed items).
type printedError struct{ error }

func (e printedError) Unwrap() error { return e.error }

// registerClient registers client subcommands.
func registerClient(cs ...clientCommand) {
	for _, c := range cs {
		register(command{name: c.name, summary: c.summary, run: c.run})
	}
}

func (c clientCommand) run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags(c.name, stdout)
	addr := fs.String("addr", env("COFFER_ADDR", serverDefault), "the server: a URL or host:port (env COFFER_ADDR)")
	// The key's default is read after parsing, so that -h never prints it.
	key := fs.String("key", "", "the API key (default: env COFFER_API_KEY)")
	asJSON := fs.Bool("json", false, "print the server's JSON answer")
	act := c.setup(fs)
	for _, name := range c.required {
		fs.Lookup(name).Usage += " (required)"
	}
	synopsis := strings.Join(append([]string{"coffer", c.name}, c.args...), " ") + " [flags]"
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s\n\n  %s\n\nFlags:\n", synopsis, c.summary)
		fs.PrintDefaults()
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != len(c.args) {
		return usageErr("%s (got %d arguments: %q)", synopsis, len(pos), pos)
	}
	for _, name := range c.required {
		if f := fs.Lookup(name); f.Value.String() == "" {
			_, usage := flag.UnquoteUsage(f)
			return usageErr("--%s is required (%s)", name, strings.TrimSuffix(usage, " (required)"))
		}
	}
	if *key == "" {
		*key = os.Getenv("COFFER_API_KEY")
	}
	answer, err := act(ctx, httpapi.NewClient(serverURL(*addr), *key), pos)
	if err != nil && !errors.As(err, new(printedError)) {
		return err
	}
	if *asJSON {
		if perr := printJSON(stdout, answer); perr != nil {
			return perr
		}
	} else if perr := printText(stdout, answer); perr != nil {
		return perr
	}
	return err
}

// noFlags is the setup of a command without flags of its own.
func noFlags(act action) func(*flag.FlagSet) action {
	return func(*flag.FlagSet) action { return act }
}

// argCall is the setup of a command without flags of its own that passes its one argument to a
// client method, such as account ACCOUNT_ID.
func argCall[T any](call func(*httpapi.Client, context.Context, string) (T, error)) func(*flag.FlagSet) action {
	return noFlags(func(ctx context.Context, cl *httpapi.Client, args []string) (any, error) {
		return call(cl, ctx, args[0])
	})
}

// serverURL turns an address into the server's base URL: host:port means plain HTTP.
func serverURL(addr string) string {
	if strings.Contains(addr, "://") {
		return addr
	}
	return "http://" + addr
}

// printText writes an answer for a person, in aligned columns.
func printText(w io.Writer, answer any) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	switch v := answer.(type) {
	case *httpapi.Asset:
		printAssets(tw, *v)
	case *httpapi.AssetPage:
		printAssets(tw, v.Assets...)
	case *httpapi.Account:
		printAccount(tw, v)
	case *httpapi.AccountPage:
		printAccounts(tw, v)
	case *httpapi.Balances:
		printBalances(tw, v)
	case *httpapi.Transfer:
		printTransfer(tw, v)
	case *httpapi.TransferResult:
		printTransferResult(tw, v)
	case *httpapi.TransferPage:
		printTransfers(tw, v.Transfers...)
		printCursor(tw, v.NextCursor)
	case *httpapi.BatchResponse:
		printBatch(tw, v)
	case accountHistory:
		printHistory(tw, v)
	case *httpapi.EventPage:
		printEvents(tw, v)
	case *httpapi.CreatedKey:
		printCreatedKey(tw, v)
	case *httpapi.Key:
		printKeys(tw, *v)
	case *httpapi.KeyPage:
		printKeys(tw, v.Keys...)
	case *httpapi.VerifyReport:
		return printReport(w, reportOf(v), false)
	case health:
		printHealth(tw, v)
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
func when(t *httpapi.Time) string {
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
