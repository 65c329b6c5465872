package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/cofferhq/coffer/client"
)

func init() {
	registerClient(
		clientCommand{name: "history", args: []string{"ACCOUNT_ID"}, summary: "list an account's entries with its balances before and after each",
			setup: func(fs *pflag.FlagSet) action {
				var q client.EntriesQuery
				timeFlag(fs, &q.From, "from", "only those created at or after")
				timeFlag(fs, &q.To, "to", "only those created before")
				fs.StringVar(&q.Type, "type", "", "only those of transfers of this type, such as deposit")
				orderFlag(fs, &q.Desc)
				pageFlags(fs, &q.Limit, &q.Cursor)
				return func(ctx context.Context, cl *client.Client, args []string) (any, error) {
					// The account, for the asset code the entries' amounts are in.
					a, err := cl.Account(ctx, args[0])
					if err != nil {
						return nil, err
					}
					page, err := cl.Entries(ctx, args[0], q)
					return accountHistory{account: a, page: page}, err
				}
			}},
		clientCommand{name: "balance-at", args: []string{"ACCOUNT_ID"},
			summary: "show an account's balance, available and held at a past moment (--at) or after one of its entries (--seq)",
			setup: func(fs *pflag.FlagSet) action {
				var at time.Time
				timeFlag(fs, &at, "at", "the moment, an RFC 3339 time such as 2026-12-01T00:00:00Z")
				seq := fs.Uint64("seq", 0, "an entry's seq: the balances right after it; 0 for before the first")
				return func(ctx context.Context, cl *client.Client, args []string) (any, error) {
					switch {
					case fs.Changed("at") && fs.Changed("seq"):
						return nil, usageErr("give --at or --seq, not both")
					case fs.Changed("seq"):
						return cl.BalanceAtSeq(ctx, args[0], *seq)
					case !fs.Changed("at"):
						at = time.Now()
					}
					return cl.BalanceAt(ctx, args[0], at)
				}
			}},
		clientCommand{name: "statement", args: []string{"ACCOUNT_ID"},
			summary:  "show an account's statement for [--from, --to): opening balance, entries, closing balance, totals; --csv FILE saves the whole period as CSV",
			required: []string{"from", "to"},
			setup: func(fs *pflag.FlagSet) action {
				var q client.StatementQuery
				timeFlag(fs, &q.From, "from", "the period's start")
				timeFlag(fs, &q.To, "to", "the period's end, not included")
				file := fs.String("csv", "", "save the whole period as CSV to this file (- for stdout), streamed")
				pageFlags(fs, &q.Limit, &q.Cursor)
				return func(ctx context.Context, cl *client.Client, args []string) (any, error) {
					if *file == "" {
						return cl.Statement(ctx, args[0], q)
					}
					return savedCSV{}, saveStatementCSV(ctx, cl, args[0], q, *file)
				}
			}},
		clientCommand{name: "events", summary: "list the committed changes, oldest first", setup: func(fs *pflag.FlagSet) action {
			after := fs.Uint64("after", 0, "only events with a seq above this one")
			var limit int
			intFlag(fs, &limit, "limit", "most events on the page (default: the server's)")
			return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
				return cl.Events(ctx, *after, limit)
			}
		}},
	)
}

// accountHistory is a page of an account's entries and the account. Its JSON is the page's, as
// the server sent it.
type accountHistory struct {
	account *client.Account
	page    *client.EntryPage
}

func (h accountHistory) MarshalJSON() ([]byte, error) { return json.Marshal(h.page) }

func printHistory(w io.Writer, h accountHistory) {
	asset := h.account.Asset
	fmt.Fprintf(w, "account %s, balance %s, available %s\n", h.account.ID, money(h.account.Balance, asset), money(h.account.Available, asset))
	fmt.Fprintln(w, "SEQ\tTIME\tTRANSFER\tTYPE\tPHASE\tSIDE\tAMOUNT\tBALANCE\tAVAILABLE")
	for _, e := range h.page.Entries {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s -> %s\t%s -> %s\n", e.Seq, when(&e.CreatedAt), e.TransferID,
			e.Type, e.Phase, e.Side, money(e.Amount, asset), e.BalanceBefore, money(e.BalanceAfter, asset),
			e.AvailableBefore, money(e.AvailableAfter, asset))
	}
	printCursor(w, h.page.NextCursor)
}

func printEvents(w io.Writer, p *client.EventPage) {
	fmt.Fprintln(w, "SEQ\tTYPE\tSUBJECT\tCREATED")
	for _, e := range p.Events {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", e.Seq, e.Type, e.Subject, when(&e.CreatedAt))
	}
	if p.HasMore {
		fmt.Fprintf(w, "more: --after %d\n", p.NextAfter)
	}
}

func printBalanceAt(w io.Writer, b *client.BalanceAt) {
	fmt.Fprintln(w, "ACCOUNT\tAT\tSEQ\tENTRY AT\tBALANCE\tAVAILABLE\tHELD")
	fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", b.AccountID, when(b.At), b.Seq, when(b.EntryAt),
		money(b.Balance, b.Asset), money(b.Available, b.Asset), money(b.Held, b.Asset))
}

// savedCSV is the answer of statement --csv: the CSV went to its file, nothing else to print.
type savedCSV struct{}

func (savedCSV) MarshalJSON() ([]byte, error) { return []byte("{}"), nil }

// saveStatementCSV streams the statement's CSV into file (stdout for -), through a temporary
// file renamed at the end, so a failure leaves no half statement behind.
func saveStatementCSV(ctx context.Context, cl *client.Client, accountID string, q client.StatementQuery, file string) error {
	if file == "-" {
		return cl.StatementCSV(ctx, accountID, q.From, q.To, os.Stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := cl.StatementCSV(ctx, accountID, q.From, q.To, tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}

func printStatement(w io.Writer, st *client.Statement) {
	fmt.Fprintf(w, "account %s, %s to %s\n", st.AccountID, when(&st.From), when(&st.To))
	fmt.Fprintf(w, "opening balance %s, available %s (after entry %d)\n", money(st.Opening.Balance, st.Asset), money(st.Opening.Available, st.Asset), st.Opening.Seq)
	fmt.Fprintln(w, "SEQ\tTIME\tTRANSFER\tTYPE\tPHASE\tSIDE\tAMOUNT\tBALANCE")
	for _, e := range st.Entries {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, when(&e.CreatedAt), e.TransferID, e.Type, e.Phase, e.Side,
			money(e.Amount, st.Asset), money(e.BalanceAfter, st.Asset))
	}
	printCursor(w, st.NextCursor)
	fmt.Fprintf(w, "closing balance %s, available %s (after entry %d)\n", money(st.Closing.Balance, st.Asset), money(st.Closing.Available, st.Asset), st.Closing.Seq)
	for _, t := range st.Totals {
		fmt.Fprintf(w, "%s: in %s, out %s\n", t.Type, money(t.In, st.Asset), money(t.Out, st.Asset))
	}
}
