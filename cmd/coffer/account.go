package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/cofferhq/coffer/client"
)

func init() {
	registerClient(
		clientCommand{name: "account-create", summary: "create an account; its id is KIND:OWNER:ASSET",
			required: []string{"kind", "owner", "asset"}, setup: accountCreate},
		clientCommand{name: "account", args: []string{"ACCOUNT_ID"}, summary: "show an account",
			setup: argCall((*client.Client).Account)},
		clientCommand{name: "accounts", summary: "list accounts", setup: func(fs *pflag.FlagSet) action {
			var q client.AccountsQuery
			fs.StringVar(&q.Owner, "owner", "", "only this owner's")
			fs.StringVar(&q.Asset, "asset", "", "only in this asset")
			kindFlag(fs, &q.Kind, "only of this kind")
			pageFlags(fs, &q.Limit, &q.Cursor)
			return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
				return cl.Accounts(ctx, q)
			}
		}},
		clientCommand{name: "lock", args: []string{"ACCOUNT_ID"}, summary: "lock an account for debits, credits or both",
			required: []string{"id", "reason"}, setup: func(fs *pflag.FlagSet) action {
				var req client.LockAccountRequest
				idFlag(fs, &req.ID)
				fs.StringVar(&req.Reason, "reason", "", "why, for the record")
				fs.BoolVar(&req.Debits, "debits", false, "refuse debits (with neither --debits nor --credits: both)")
				fs.BoolVar(&req.Credits, "credits", false, "refuse credits (with neither --debits nor --credits: both)")
				return func(ctx context.Context, cl *client.Client, args []string) (any, error) {
					if !req.Debits && !req.Credits {
						req.Debits, req.Credits = true, true
					}
					return cl.LockAccount(ctx, args[0], req)
				}
			}},
		clientCommand{name: "unlock", args: []string{"ACCOUNT_ID"}, summary: "lift an account's locks",
			required: []string{"id"}, setup: func(fs *pflag.FlagSet) action {
				var req client.UnlockAccountRequest
				idFlag(fs, &req.ID)
				return func(ctx context.Context, cl *client.Client, args []string) (any, error) {
					return cl.UnlockAccount(ctx, args[0], req)
				}
			}},
		clientCommand{name: "balances", args: []string{"OWNER"}, summary: "show every wallet balance of an owner",
			setup: argCall((*client.Client).Balances)},
	)
}

// kindFlag defines --kind, an account kind.
func kindFlag(fs *pflag.FlagSet, p *string, usage string) {
	choiceFlag(fs, p, "kind", usage, "wallet", "merchant", "system")
}

// accountCreate takes --overdraft-limit or --overdraft-unlimited, not both.
func accountCreate(fs *pflag.FlagSet) action {
	var req client.CreateAccountRequest
	kindFlag(fs, &req.Kind, "the account's kind")
	fs.StringVar(&req.Owner, "owner", "", "the account's owner")
	fs.StringVar(&req.Asset, "asset", "", "the asset it holds, such as USD")
	fs.StringVar(&req.OverdraftLimit, "overdraft-limit", "", "how far below zero it may go, in major units (default: not at all)")
	fs.BoolVar(&req.OverdraftUnlimited, "overdraft-unlimited", false, "let it go below zero without limit")
	return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
		if req.OverdraftLimit != "" && req.OverdraftUnlimited {
			return nil, usageErr("give --overdraft-limit or --overdraft-unlimited, not both")
		}
		return cl.CreateAccount(ctx, req)
	}
}

func printAccount(w io.Writer, a *client.Account) {
	overdraft := money(a.OverdraftLimit, a.Asset)
	if a.OverdraftUnlimited {
		overdraft = "unlimited"
	}
	rows := [][2]string{
		{"account", a.ID}, {"kind", a.Kind}, {"owner", a.Owner},
		{"balance", money(a.Balance, a.Asset)}, {"available", money(a.Available, a.Asset)},
		{"held", money(a.Held, a.Asset)}, {"incoming", money(a.Incoming, a.Asset)},
		{"overdraft", overdraft}, {"locked", locks(a)},
		{"created", when(&a.CreatedAt)}, {"updated", when(&a.UpdatedAt)},
	}
	printRows(w, rows)
}

// locks says what an account refuses, and why.
func locks(a *client.Account) string {
	var refused []string
	if a.LockedDebits {
		refused = append(refused, "debits")
	}
	if a.LockedCredits {
		refused = append(refused, "credits")
	}
	if len(refused) == 0 {
		return "no"
	}
	return strings.Join(refused, " and ") + ": " + a.LockReason
}

func printAccounts(w io.Writer, p *client.AccountPage) {
	fmt.Fprintln(w, "ID\tKIND\tOWNER\tBALANCE\tAVAILABLE\tHELD\tLOCKED")
	for _, a := range p.Accounts {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Kind, a.Owner, money(a.Balance, a.Asset),
			money(a.Available, a.Asset), money(a.Held, a.Asset), locks(&a))
	}
	printCursor(w, p.NextCursor)
}

func printBalances(w io.Writer, b *client.Balances) {
	if len(b.Balances) == 0 {
		fmt.Fprintf(w, "owner %s has no wallets\n", b.Owner)
		return
	}
	fmt.Fprintln(w, "ACCOUNT\tBALANCE\tAVAILABLE\tHELD\tINCOMING")
	for _, x := range b.Balances {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", x.AccountID, money(x.Balance, x.Asset), money(x.Available, x.Asset),
			money(x.Held, x.Asset), money(x.Incoming, x.Asset))
	}
}
