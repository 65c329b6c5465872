// Command coffer is Coffer in one binary: the server (serve, migrate, verify) and a client
// subcommand for every operation of the HTTP API.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK     = 0 // done
	exitFailed = 1 // refused by the server, not reachable, or failed
	exitUsage  = 2 // bad usage: a flag, an argument or a setting
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command line args with the process's environment and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runEnv(ctx, args, os.LookupEnv, stdout, stderr)
}

// runEnv is run with the environment read through getenv.
func runEnv(ctx context.Context, args []string, getenv func(string) (string, bool), stdout, stderr io.Writer) int {
	return runStdin(ctx, args, getenv, os.Stdin, stdout, stderr)
}

// runStdin is runEnv with stdin read from stdin.
func runStdin(ctx context.Context, args []string, getenv func(string) (string, bool), stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	return a.report(cmd, err)
}

// report prints err, if any, on stderr and returns the exit code. Nothing secret is printed:
// the API key, the admin key and a database URL's password are masked wherever they appear.
func (a *app) report(cmd *cobra.Command, err error) int {
	if err == nil {
		return exitOK
	}
	name := "coffer"
	if cmd != nil {
		name = cmd.CommandPath()
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(a.stderr, "%s: %s\n", name, a.mask(ue.msg))
		if ue.hint {
			fmt.Fprintf(a.stderr, "Run '%s --help' for usage.\n", name)
		}
		return exitUsage
	}
	fmt.Fprintf(a.stderr, "%s: %s\n", name, a.mask(err.Error()))
	return exitFailed
}

// secretLengthMin is the shortest secret that mask looks for: the messages printed never hold a
// secret by design, and masking every "k" of a one-letter test key would garble them.
const secretLengthMin = 6

// urlPassword matches the password of a URL's userinfo, whatever URL a message quotes.
var urlPassword = regexp.MustCompile(`(://[^/\s:@]*:)[^@\s/]+@`)

// mask replaces every secret the command was given, and any URL's password, with "***".
func (a *app) mask(s string) string {
	s = urlPassword.ReplaceAllString(s, "${1}***@")
	for _, secret := range a.secrets {
		if len(secret) >= secretLengthMin {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	return s
}

// usageError is a mistake in how the command was called: exit code 2, and no request was made.
type usageError struct {
	msg  string
	hint bool // also point at --help
}

func (e *usageError) Error() string { return e.msg }

func usageErr(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
