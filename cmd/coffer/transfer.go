package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"

	"github.com/spf13/pflag"

	"github.com/cofferhq/coffer/client"
)

// batchFileBytesMax caps a batch file read, well above what a server accepts in one batch
// (httpapi.BatchBodyBytesMaxDefault); the server enforces its own limit.
const batchFileBytesMax = 64 << 20

func init() {
	registerClient(
		clientCommand{name: "transfer", summary: "move money between two accounts",
			required: []string{"id", "from", "to", "amount"}, setup: func(fs *pflag.FlagSet) action {
				var req client.TransferRequest
				idFlag(fs, &req.ID)
				fs.StringVar(&req.DebitAccountID, "from", "", "the account debited")
				fs.StringVar(&req.CreditAccountID, "to", "", "the account credited")
				amountFlag(fs, &req.Amount, "how much")
				fs.StringVar(&req.Type, "type", "", "what the transfer is for (default: transfer)")
				fs.BoolVar(&req.Pending, "pending", false, "reserve the amount until transfer-post or transfer-void")
				timeoutFlag(fs, &req.TimeoutSeconds, "void a pending transfer not posted within this time")
				fs.StringVar(&req.Reference, "reference", "", "a reference of yours")
				metadataFlag(fs, &req.Metadata)
				return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
					return cl.CreateTransfer(ctx, req)
				}
			}},
		postCommand("transfer-post", "TRANSFER_ID", "post a pending transfer, all or part", (*client.Client).PostTransfer),
		voidCommand("transfer-void", "TRANSFER_ID", "void a pending transfer", (*client.Client).VoidTransfer),
		clientCommand{name: "transfer-get", args: []string{"TRANSFER_ID"}, summary: "show a transfer",
			setup: argCall((*client.Client).Transfer)},
		clientCommand{name: "transfers", summary: "list transfers", setup: func(fs *pflag.FlagSet) action {
			var q client.TransfersQuery
			fs.StringVar(&q.AccountID, "account", "", "only those debiting or crediting this account, in the order they reached it")
			fs.StringVar(&q.Type, "type", "", "only of this type, such as deposit")
			fs.StringVar(&q.Reference, "reference", "", "only with this reference")
			timeFlag(fs, &q.From, "from", "only those created at or after")
			timeFlag(fs, &q.To, "to", "only those created before")
			orderFlag(fs, &q.Desc)
			pageFlags(fs, &q.Limit, &q.Cursor)
			return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
				return cl.Transfers(ctx, q)
			}
		}},
		clientCommand{name: "transfer-batch", summary: "create the transfers listed in a JSON file, atomically or each on its own",
			required: []string{"file"}, setup: transferBatch},
	)
}

// postCommand is a verb that posts a pending transfer: capture, withdraw-complete, transfer-post.
func postCommand(name, arg, summary string, post func(*client.Client, context.Context, string, client.PostRequest) (*client.TransferResult, error)) clientCommand {
	return clientCommand{name: name, args: []string{arg}, summary: summary, required: []string{"id"}, setup: func(fs *pflag.FlagSet) action {
		var req client.PostRequest
		idFlag(fs, &req.ID)
		amountFlag(fs, &req.Amount, "how much to post (default: all)")
		return func(ctx context.Context, cl *client.Client, args []string) (any, error) {
			return post(cl, ctx, args[0], req)
		}
	}}
}

// voidCommand is a verb that voids a pending transfer: release, withdraw-fail, transfer-void.
func voidCommand(name, arg, summary string, void func(*client.Client, context.Context, string, client.VoidRequest) (*client.TransferResult, error)) clientCommand {
	return clientCommand{name: name, args: []string{arg}, summary: summary, required: []string{"id"}, setup: func(fs *pflag.FlagSet) action {
		var req client.VoidRequest
		idFlag(fs, &req.ID)
		return func(ctx context.Context, cl *client.Client, args []string) (any, error) {
			return void(cl, ctx, args[0], req)
		}
	}}
}

// transferBatch sends a file's transfers in one batch. An independent batch with failed items
// prints every outcome and fails.
func transferBatch(fs *pflag.FlagSet) action {
	file := fs.String("file", "", "a JSON list of transfers as POST /v1/transfers takes them; - for stdin")
	atomic := fs.Bool("atomic", false, "all or none, under --id (default: each on its own, under its own id)")
	var req client.BatchRequest
	idFlag(fs, &req.ID)
	return func(ctx context.Context, cl *client.Client, _ []string) (any, error) {
		req.Mode = client.BatchIndependent
		switch {
		case *atomic && req.ID == "":
			return nil, usageErr("--id is required with --atomic: the batch's operation id")
		case *atomic:
			req.Mode = client.BatchAtomic
		case req.ID != "":
			return nil, usageErr("--id is for --atomic batches; otherwise each transfer's id is its operation id")
		}
		var err error
		if req.Transfers, err = readTransfers(*file); err != nil {
			return nil, err
		}
		res, err := cl.CreateTransfers(ctx, req)
		if err != nil {
			return nil, err
		}
		failed := 0
		for _, r := range res.Results {
			if r.Error != nil {
				failed++
			}
		}
		if failed > 0 {
			return res, printedError{fmt.Errorf("%d of %d transfers failed", failed, len(res.Results))}
		}
		return res, nil
	}
}

// readTransfers reads a batch file; name "-" is stdin. Unknown fields are refused, so that a
// misspelt one is not silently left out.
func readTransfers(name string) ([]client.TransferRequest, error) {
	f := os.Stdin
	if name != "-" {
		var err error
		if f, err = os.Open(name); err != nil {
			return nil, err
		}
		defer f.Close()
	}
	dec := json.NewDecoder(io.LimitReader(f, batchFileBytesMax))
	dec.DisallowUnknownFields()
	var ts []client.TransferRequest
	if err := dec.Decode(&ts); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return ts, nil
}

// printTransfers writes transfers as a table.
func printTransfers(w io.Writer, ts ...client.Transfer) {
	fmt.Fprintln(w, "ID\tTYPE\tSTATE\tAMOUNT\tPOSTED\tFROM\tTO\tCREATED")
	for _, t := range ts {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Type, t.State, money(t.Amount, t.Asset),
			posted(&t), t.DebitAccountID, t.CreditAccountID, when(&t.CreatedAt))
	}
}

// posted is what of the transfer was posted: all of a plain one, what was captured of a pending one.
func posted(t *client.Transfer) string { return money(t.PostedAmount, t.Asset) }

// printTransferResult writes the transfer a write is about and those it moved with it.
func printTransferResult(w io.Writer, r *client.TransferResult) {
	ts := []client.Transfer{r.Transfer}
	for _, t := range []*client.Transfer{r.Fee, r.Counter, r.Payment} {
		if t != nil {
			ts = append(ts, *t)
		}
	}
	printTransfers(w, ts...)
	if r.Transfer.ExpiresAt != nil && r.Transfer.State == "pending" {
		fmt.Fprintf(w, "expires %s\n", when(r.Transfer.ExpiresAt))
	}
	if r.Rate != "" && r.Counter != nil {
		fmt.Fprintf(w, "rate %s %s per %s\n", r.Rate, r.Counter.Asset, r.Transfer.Asset)
	}
	if p := r.Payment; p != nil {
		fmt.Fprintf(w, "payment %s: %s of %s refunded\n", p.ID, money(p.Refunded, p.Asset), money(p.Amount, p.Asset))
	}
}

// printTransfer writes one transfer, a field a line; those that do not apply are left out.
func printTransfer(w io.Writer, t *client.Transfer) {
	rows := [][2]string{
		{"transfer", t.ID}, {"type", t.Type}, {"state", t.State}, {"amount", money(t.Amount, t.Asset)},
		{"from", t.DebitAccountID}, {"to", t.CreditAccountID}, {"created", when(&t.CreatedAt)},
	}
	if t.Pending {
		rows = append(rows, [2]string{"posted", money(t.PostedAmount, t.Asset)}, [2]string{"expires", when(t.ExpiresAt)},
			[2]string{"resolved", when(t.ResolvedAt)})
	}
	if t.Type == "payment" {
		rows = append(rows, [2]string{"refunded", money(t.Refunded, t.Asset)})
	}
	for _, r := range [][2]string{{"group", t.Group}, {"reference", t.Reference}} {
		if r[1] != "" {
			rows = append(rows, r)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(t.Metadata)) {
		rows = append(rows, [2]string{"meta " + k, t.Metadata[k]})
	}
	printRows(w, rows)
}

func printBatch(w io.Writer, b *client.BatchResponse) {
	fmt.Fprintln(w, "ID\tOUTCOME\tDETAIL")
	for _, r := range b.Results {
		if r.Error != nil {
			fmt.Fprintf(w, "%s\t%s\t%s\n", r.ID, r.Error.Code, r.Error.Message)
			continue
		}
		t := r.Transfer
		fmt.Fprintf(w, "%s\t%s\t%s from %s to %s\n", r.ID, t.State, money(t.Amount, t.Asset), t.DebitAccountID, t.CreditAccountID)
	}
}
