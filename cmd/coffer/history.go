package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
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
