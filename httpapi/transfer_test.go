package httpapi_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

func TestTransfers(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("d-1", "alice", "USD", "100")
	e.deposit("d-2", "bob", "USD", "1")

	res, err := e.operator.CreateTransfer(ctx, client.TransferRequest{ID: "t-1", DebitAccountID: "wallet:alice:USD",
		CreditAccountID: "wallet:bob:USD", Amount: "12.34", Reference: "rent", Metadata: map[string]string{"note": "march"}})
	if err != nil {
		t.Fatal(err)
	}
	if tr := res.Transfer; tr.Type != "transfer" || tr.State != "posted" || tr.Amount != "12.34" || tr.Reference != "rent" {
		t.Errorf("transfer %+v", tr)
	}
	e.wantBalance("alice", "USD", "87.66", "87.66", "0.00", "0.00")
	e.wantBalance("bob", "USD", "13.34", "13.34", "0.00", "0.00")

	// Pending, then posted in part; pending, then voided.
	if _, err := e.operator.CreateTransfer(ctx, client.TransferRequest{ID: "t-2", DebitAccountID: "wallet:alice:USD",
		CreditAccountID: "wallet:bob:USD", Amount: "10", Pending: true, TimeoutSeconds: 600}); err != nil {
		t.Fatal(err)
	}
	e.wantBalance("bob", "USD", "13.34", "13.34", "0.00", "10.00")
	res, err = e.operator.PostTransfer(ctx, "t-2", client.PostRequest{Amount: "4"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Transfer.State != "posted" || res.Transfer.PostedAmount != "4.00" {
		t.Errorf("posted %+v", res.Transfer)
	}
	if _, err := e.operator.CreateTransfer(ctx, client.TransferRequest{ID: "t-3", DebitAccountID: "wallet:alice:USD",
		CreditAccountID: "wallet:bob:USD", Amount: "5", Pending: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.operator.VoidTransfer(ctx, "t-3", client.VoidRequest{}); err != nil {
		t.Fatal(err)
	}
	e.wantBalance("alice", "USD", "83.66", "83.66", "0.00", "0.00")
	e.wantBalance("bob", "USD", "17.34", "17.34", "0.00", "0.00")

	tr, err := e.reader.Transfer(ctx, "t-3")
	if err != nil {
		t.Fatal(err)
	}
	if tr.State != "voided" || tr.ResolvedAt == nil || tr.Amount != "5.00" {
		t.Errorf("t-3 %+v", tr)
	}
	// Ids may hold ":", "?" and "#"; the client escapes them in paths.
	if _, err := e.operator.CreateTransfer(ctx, client.TransferRequest{ID: "order?9:a#b", DebitAccountID: "wallet:alice:USD",
		CreditAccountID: "wallet:bob:USD", Amount: "1", Pending: true}); err != nil {
		t.Fatal(err)
	}
	if res, err := e.operator.PostTransfer(ctx, "order?9:a#b", client.PostRequest{}); err != nil || res.Transfer.ID != "order?9:a#b" {
		t.Fatalf("post order?9:a#b: %+v, %v", res, err)
	}
	if tr, err := e.reader.Transfer(ctx, "order?9:a#b"); err != nil || tr.State != "posted" {
		t.Fatalf("get order?9:a#b: %+v, %v", tr, err)
	}
	e.wantBalance("bob", "USD", "18.34", "18.34", "0.00", "0.00")
	_, err = e.reader.Transfer(ctx, "t-404")
	wantCode(t, err, coffer.ENOTFOUND)

	// Accounts of two assets do not mix.
	e.deposit("d-3", "bob", "GOLD", "1")
	_, err = e.operator.CreateTransfer(ctx, client.TransferRequest{ID: "t-4", DebitAccountID: "wallet:alice:USD",
		CreditAccountID: "wallet:bob:GOLD", Amount: "1"})
	wantCode(t, err, coffer.EINVALID)
}

func TestListTransfers(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	start := e.clock.Now()
	for i := range 5 {
		e.deposit(fmt.Sprintf("d-%d", i), "alice", "USD", "1")
		e.clock.Advance(time.Minute)
	}
	if _, err := e.operator.Pay(ctx, client.PaymentRequest{ID: "p-1", Owner: "alice", Merchant: "shop", Asset: "USD",
		Amount: "1", OrderID: "order-1"}); err != nil {
		t.Fatal(err)
	}
	// A hold and its capture: the capture's entries do not list the hold a second time.
	if _, err := e.operator.Hold(ctx, client.HoldRequest{ID: "h-1", Owner: "alice", Asset: "USD", Amount: "1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.operator.CaptureHold(ctx, "h-1", client.PostRequest{ID: "h-1-capture"}); err != nil {
		t.Fatal(err)
	}
	list := func(q client.TransfersQuery) []string {
		t.Helper()
		var ids []string
		for pages := 0; ; pages++ {
			p, err := e.reader.Transfers(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, tr := range p.Transfers {
				ids = append(ids, tr.ID)
			}
			if p.NextCursor == "" || pages > 10 {
				return ids
			}
			q.Cursor = p.NextCursor
		}
	}
	if got := fmt.Sprint(list(client.TransfersQuery{AccountID: "wallet:alice:USD", Limit: 2})); got != "[d-0 d-1 d-2 d-3 d-4 p-1 h-1]" {
		t.Errorf("asc %s", got)
	}
	if got := fmt.Sprint(list(client.TransfersQuery{AccountID: "wallet:alice:USD", Type: "deposit", Desc: true,
		From: start.Add(time.Minute), Limit: 2})); got != "[d-4 d-3 d-2 d-1]" {
		t.Errorf("deposits since a time, desc %s", got)
	}
	if got := fmt.Sprint(list(client.TransfersQuery{AccountID: "wallet:alice:USD", Desc: true, Limit: 4})); got != "[h-1 p-1 d-4 d-3 d-2 d-1 d-0]" {
		t.Errorf("desc %s", got)
	}
	if got := fmt.Sprint(list(client.TransfersQuery{Type: "payment"})); got != "[p-1]" {
		t.Errorf("payments %s", got)
	}
	if got := fmt.Sprint(list(client.TransfersQuery{Reference: "order-1"})); got != "[p-1]" {
		t.Errorf("by reference %s", got)
	}
	got := list(client.TransfersQuery{From: start.Add(time.Minute), To: start.Add(3 * time.Minute)})
	if fmt.Sprint(got) != "[d-1 d-2]" {
		t.Errorf("time range %v", got)
	}
}
