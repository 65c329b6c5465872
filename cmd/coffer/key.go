package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

func init() {
	registerClient(
		clientCommand{name: "key-create", summary: "create an API key and print its secret, this once (admin)",
			required: []string{"name", "role"}, setup: func(fs *pflag.FlagSet) action {
				var req client.CreateKeyRequest
				fs.StringVar(&req.Name, "name", "", "a label for people, without spaces")
				choiceFlag(fs, &req.Role, "role", "what the key may do", "admin", "operator", "reader")
				return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
					return cl.CreateKey(ctx, req)
				}
			}},
		clientCommand{name: "keys", summary: "list the API keys, without secrets (admin)",
			setup: noFlags(func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
				return cl.Keys(ctx, client.KeysQuery{Limit: coffer.PageSizeMax})
			})},
		clientCommand{name: "key-revoke", args: []string{"KEY_ID"}, summary: "revoke an API key (admin)",
			setup: argCall((*client.Client).RevokeKey)},
	)
}

func printCreatedKey(w io.Writer, k *client.CreatedKey) {
	printKeys(w, k.Key)
	fmt.Fprintf(w, "\nsecret: %s\n\nStore the secret now: it is shown only this once, and Coffer keeps only its hash.\n", k.Secret)
}

func printKeys(w io.Writer, ks ...client.Key) {
	fmt.Fprintln(w, "ID\tNAME\tROLE\tCREATED\tREVOKED")
	for _, k := range ks {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Role, when(&k.CreatedAt), when(k.RevokedAt))
	}
}
