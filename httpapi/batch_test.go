package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
)

func TestTransferBatch(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("d-1", "alice", "USD", "10")
	e.deposit("d-2", "bob", "USD", "0.01")
	item := func(id, dr, cr, amount string) client.TransferRequest {
		return client.TransferRequest{ID: id, DebitAccountID: "wallet:" + dr + ":USD", CreditAccountID: "wallet:" + cr + ":USD", Amount: amount}
	}

	// Atomic: all or none.
	res, err := e.operator.CreateTransfers(ctx, client.BatchRequest{Mode: "atomic", ID: "g-1", Transfers: []client.TransferRequest{
		item("g-1.a", "alice", "bob", "3"), item("g-1.b", "bob", "alice", "1")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Results) != 2 || res.Results[0].Status != http.StatusCreated || res.Results[1].Transfer.Group != "g-1" {
		t.Errorf("atomic %+v", res)
	}
	e.wantBalance("alice", "USD", "8.00", "8.00", "0.00", "0.00")
	before := e.state("alice", "bob")
	_, err = e.operator.CreateTransfers(ctx, client.BatchRequest{Mode: "atomic", ID: "g-2", Transfers: []client.TransferRequest{
		item("g-2.a", "alice", "bob", "1"), item("g-2.b", "bob", "alice", "500")}})
	wantCode(t, err, coffer.EINSUFFICIENTFUNDS)
	if after := e.state("alice", "bob"); after != before {
		t.Errorf("a rejected atomic batch changed\n%s\nto\n%s", before, after)
	}
	_, err = e.reader.Transfer(ctx, "g-2.a")
	wantCode(t, err, coffer.ENOTFOUND)

	// Independent: each on its own; a bad item does not stop the others.
	res, err = e.operator.CreateTransfers(ctx, client.BatchRequest{Mode: "independent", Transfers: []client.TransferRequest{
		item("i-1", "alice", "bob", "1"), item("i-2", "bob", "alice", "999"), item("i-3", "alice", "bob", "1.001"),
		item("i-4", "alice", "nobody", "1"), item("i-5", "alice", "bob", "2")}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Results {
		code := ""
		if r.Error != nil {
			code = r.Error.Code
		}
		got = append(got, fmt.Sprintf("%s:%d:%s", r.ID, r.Status, code))
	}
	if fmt.Sprint(got) != "[i-1:201: i-2:402:insufficient_funds i-3:400:invalid i-4:404:not_found i-5:201:]" {
		t.Errorf("independent results %v", got)
	}
	e.wantBalance("alice", "USD", "5.00", "5.00", "0.00", "0.00")

	// Replayed, the same outcomes.
	again, err := e.operator.CreateTransfers(ctx, client.BatchRequest{Mode: "independent", Transfers: []client.TransferRequest{
		item("i-1", "alice", "bob", "1"), item("i-2", "bob", "alice", "999"), item("i-3", "alice", "bob", "1.001"),
		item("i-4", "alice", "nobody", "1"), item("i-5", "alice", "bob", "2")}})
	if err != nil || !reflect.DeepEqual(again, res) {
		t.Errorf("replay %+v, %v\nfirst %+v", again, err, res)
	}
	e.wantBalance("alice", "USD", "5.00", "5.00", "0.00", "0.00")
}

func TestTransferBatchLimit(t *testing.T) {
	t.Parallel()
	e := setup(t)
	items := make([]client.TransferRequest, httpapi.BatchItemsMax+1)
	for i := range items {
		items[i] = client.TransferRequest{ID: fmt.Sprint("b-", i), DebitAccountID: "system:world:USD", CreditAccountID: "system:fees:USD", Amount: "1"}
	}
	before := e.state()
	_, err := e.operator.CreateTransfers(context.Background(), client.BatchRequest{Mode: "independent", Transfers: items})
	wantCode(t, err, coffer.EINVALID)
	if e.state() != before {
		t.Error("a batch over the limit changed something")
	}
}

// TestBatchTurns holds the one turn of a server that runs one batch request at a time: a batch
// waits, its body unread, without being applied, and goes through once the turn is free. A
// client that gives up while waiting gets an error; since the server reads no body before its
// turn, it cannot tell that client is gone, so the batch may still be applied, once, under its
// ids, and the client's retry gets that outcome.
func TestBatchTurns(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.deposit("d-1", "alice", "USD", "10")
	e.deposit("d-2", "bob", "USD", "1")
	h := httpapi.New(httpapi.Config{Ledger: e.ledger, AdminKey: adminKey, BatchRequestsMax: 1})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cl := client.New(srv.URL, adminKey)
	turns := httpapi.BatchTurns(h)
	batch := func(id string) client.BatchRequest {
		return client.BatchRequest{Mode: "independent", Transfers: []client.TransferRequest{{ID: id,
			DebitAccountID: "wallet:alice:USD", CreditAccountID: "wallet:bob:USD", Amount: "1"}}}
	}
	if !turns.TryAcquire(1) {
		t.Fatal("the turn is taken before any request")
	}

	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	_, err := cl.CreateTransfers(ctx, batch("gave-up"))
	cancel()
	if err == nil {
		t.Fatal("a batch went through while the only turn was held")
	}

	done := make(chan error, 1)
	go func() {
		res, err := cl.CreateTransfers(t.Context(), batch("waited"))
		if err == nil && res.Results[0].Status != http.StatusCreated {
			err = fmt.Errorf("result %+v", res.Results[0])
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("a batch finished while the only turn was held: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	for _, id := range []string{"waited", "gave-up"} {
		if _, err := e.store.Transfer(t.Context(), id); coffer.ErrorCode(err) != coffer.ENOTFOUND {
			t.Fatalf("batch %s was applied before its turn: %v", id, err)
		}
	}
	turns.Release(1)
	if err := <-done; err != nil {
		t.Fatalf("the waiting batch after its turn came: %v", err)
	}
	if _, err := e.store.Transfer(t.Context(), "waited"); err != nil {
		t.Fatalf("the batch that waited: %v", err)
	}
	res, err := cl.CreateTransfers(t.Context(), batch("gave-up"))
	if err != nil || res.Results[0].Status != http.StatusCreated {
		t.Fatalf("the retry of the batch given up: %+v, %v", res, err)
	}
	e.wantBalance("alice", "USD", "8.00", "8.00", "0.00", "0.00")
}
