package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

func init() {
	registerClient(
		clientCommand{name: "assets", summary: "list the assets",
			setup: noFlags(func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
				return cl.Assets(ctx, client.AssetsQuery{Limit: coffer.PageSizeMax})
			})},
		clientCommand{name: "asset-create", summary: "create an asset (admin)", required: []string{"code", "scale"},
			setup: func(fs *pflag.FlagSet) action {
				var req client.CreateAssetRequest
				fs.StringVar(&req.Code, "code", "", "the asset's code, such as USD")
				// A string, so that a scale left out is told from scale 0.
				scale := fs.String("scale", "", "decimals of the minor unit: 2 for cents, 0 for whole units")
				return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
					var err error
					if req.Scale, err = strconv.Atoi(*scale); err != nil {
						return nil, &usageError{msg: fmt.Sprintf("--scale: %q is not a whole number", *scale), hint: true}
					}
					return cl.CreateAsset(ctx, req)
				}
			}},
	)
}

func printAssets(w io.Writer, as ...client.Asset) {
	fmt.Fprintln(w, "CODE\tSCALE\tCREATED")
	for _, a := range as {
		fmt.Fprintf(w, "%s\t%d\t%s\n", a.Code, a.Scale, when(&a.CreatedAt))
	}
}
