package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/testdb"
)

// TestRejectedOperationsFindable refuses a few operations and finds them again through the API,
// on every store: by id, by owner, by account on either side, by code and kind, by time, page by
// page; and each as an operation.rejected event.
func TestRejectedOperationsFindable(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			e := setupOn(t, kind.Open(t))
			ctx := context.Background()
			e.deposit("dep-1", "alice", "USD", "10")
			e.deposit("dep-2", "bob", "USD", "10")
			start := e.clock.Now()
			e.clock.Advance(time.Minute)
			_, err := e.operator.Pay(ctx, client.PaymentRequest{ID: "pay-1", Owner: "alice", Merchant: "shop", Asset: "USD",
				Amount: "50", OrderID: "o-1"})
			wantCode(t, err, coffer.EINSUFFICIENTFUNDS)
			if _, err := e.operator.LockAccount(ctx, "wallet:bob:USD", client.LockAccountRequest{ID: "lock-1", Credits: true, Reason: "kyc"}); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Minute)
			_, err = e.operator.Deposit(ctx, client.DepositRequest{ID: "dep-3", Owner: "bob", Asset: "USD", Amount: "1"})
			wantCode(t, err, coffer.ELOCKED)
			_, err = e.operator.CreateTransfer(ctx, client.TransferRequest{ID: "t-1", DebitAccountID: "wallet:alice:USD",
				CreditAccountID: "wallet:bob:USD", Amount: "1"})
			wantCode(t, err, coffer.ELOCKED)
			e.clock.Advance(time.Minute)
			_, err = e.operator.Exchange(ctx, client.ExchangeRequest{ID: "ex-1", Owner: "alice", From: "USD", To: "GOLD",
				Amount: "1", Rate: "100"})
			wantCode(t, err, coffer.EINSUFFICIENTFUNDS)

			// By id, rejected and done.
			op, err := e.reader.Operation(ctx, "pay-1")
			if err != nil {
				t.Fatal(err)
			}
			want := client.Operation{ID: "pay-1", Kind: "payment", Status: "rejected", Owner: "alice",
				Error:     &client.ErrorBody{Code: coffer.EINSUFFICIENTFUNDS, Message: coffer.ErrorMessage(err)},
				AccountID: "wallet:alice:USD", CounterAccountID: "merchant:shop:USD", Asset: "USD", Amount: "50.00",
				CreatedAt: op.CreatedAt}
			if op.Error == nil || op.Error.Code != want.Error.Code || op.Error.Message == "" {
				t.Errorf("pay-1 error %+v", op.Error)
			}
			want.Error = op.Error
			if *op != want || !op.CreatedAt.Equal(start.Add(time.Minute)) {
				t.Errorf("pay-1:\n got %+v\nwant %+v", *op, want)
			}
			if op, err := e.reader.Operation(ctx, "dep-1"); err != nil || op.Status != "done" || op.Error != nil || op.Amount != "10.00" {
				t.Errorf("dep-1: %+v, %v", op, err)
			}
			// Derived ids are found with '/' escaped in the path.
			if op, err := e.reader.Operation(ctx, "/asset/USD"); err != nil || op.Kind != "asset.create" || op.Asset != "USD" {
				t.Errorf("/asset/USD: %+v, %v", op, err)
			}
			if status, body := e.raw("GET", "/v1/operations/%2Faccount%2Fwallet:nobody:USD", e.readerKey, ""); status != http.StatusNotFound {
				t.Errorf("unknown operation: %d %s", status, body)
			}
			_, err = e.reader.Operation(ctx, "nope")
			wantCode(t, err, coffer.ENOTFOUND)

			list := func(q client.OperationsQuery) []string {
				t.Helper()
				var ids []string
				for pages := 0; pages < 20; pages++ {
					p, err := e.reader.Operations(ctx, q)
					if err != nil {
						t.Fatalf("%+v: %v", q, err)
					}
					for _, o := range p.Operations {
						ids = append(ids, o.ID)
					}
					if p.HasMore != (p.NextCursor != "") {
						t.Fatalf("has_more %v with next_cursor %q", p.HasMore, p.NextCursor)
					}
					if !p.HasMore {
						return ids
					}
					q.Cursor = p.NextCursor
				}
				t.Fatal("more than 20 pages")
				return nil
			}
			for _, tt := range []struct {
				name string
				q    client.OperationsQuery
				want string
			}{
				{"rejected", client.OperationsQuery{Status: "rejected"}, "pay-1 dep-3 t-1 ex-1"},
				{"rejected, a page at a time", client.OperationsQuery{Status: "rejected", Limit: 1}, "pay-1 dep-3 t-1 ex-1"},
				{"rejected, newest first", client.OperationsQuery{Status: "rejected", Desc: true, Limit: 3}, "ex-1 t-1 dep-3 pay-1"},
				{"of an owner", client.OperationsQuery{Owner: "alice", Status: "rejected"}, "pay-1 t-1 ex-1"},
				{"of an account, either side", client.OperationsQuery{AccountID: "wallet:bob:USD", Status: "rejected", Limit: 1}, "dep-3 t-1"},
				{"of a merchant", client.OperationsQuery{AccountID: "merchant:shop:USD"}, "pay-1"},
				{"by code", client.OperationsQuery{Code: coffer.ELOCKED}, "dep-3 t-1"},
				{"by code and kind", client.OperationsQuery{Code: coffer.EINSUFFICIENTFUNDS, Kind: "exchange"}, "ex-1"},
				{"by time", client.OperationsQuery{Status: "rejected", From: start.Add(2 * time.Minute), To: start.Add(3 * time.Minute)}, "dep-3 t-1"},
				{"done, of an owner", client.OperationsQuery{Owner: "bob", Status: "done"}, "dep-2 lock-1"},
			} {
				t.Run(tt.name, func(t *testing.T) {
					if got := strings.Join(list(tt.q), " "); got != tt.want {
						t.Errorf("got %s, want %s", got, tt.want)
					}
				})
			}

			// A page that is exactly the rest says so: no cursor to an empty page.
			p, err := e.reader.Operations(ctx, client.OperationsQuery{Status: "rejected", Limit: 4})
			if err != nil || len(p.Operations) != 4 || p.HasMore || p.NextCursor != "" {
				t.Errorf("a full last page: %+v, %v", p, err)
			}
			for _, q := range []string{"status=bogus", "code=invalid&status=done", "from=yesterday", "limit=0", "order=up", "cursor=Zm9v"} {
				status, body := e.raw("GET", "/v1/operations?"+q, e.readerKey, "")
				wantEnvelope(t, status, body, http.StatusBadRequest, coffer.EINVALID)
			}
			if status, body := e.raw("GET", "/v1/operations", "", ""); status != http.StatusUnauthorized {
				t.Errorf("no key: %d %s", status, body)
			}

			// Each rejection is an event, in commit order with the rest.
			var rejected []string
			var after uint64
			for {
				page, err := e.reader.Events(ctx, after, coffer.PageSizeMax)
				if err != nil {
					t.Fatal(err)
				}
				for _, ev := range page.Events {
					if ev.Type != coffer.EventOperationRejected {
						continue
					}
					var data struct {
						ID, Kind, Code, Message, Owner, Amount string
						AccountID                              string `json:"account_id"`
					}
					if err := json.Unmarshal(ev.Data, &data); err != nil {
						t.Fatal(err)
					}
					if data.ID != ev.Subject || data.Code == "" || data.Message == "" || data.Kind == "" {
						t.Errorf("event %s: %s", ev.ID, ev.Data)
					}
					if data.ID == "pay-1" && (data.Owner != "alice" || data.AccountID != "wallet:alice:USD" || data.Amount != "5000") {
						t.Errorf("pay-1's event: %s", ev.Data)
					}
					rejected = append(rejected, ev.Subject)
				}
				if !page.HasMore {
					break
				}
				after = page.NextAfter
			}
			if got := strings.Join(rejected, " "); got != "pay-1 dep-3 t-1 ex-1" {
				t.Errorf("operation.rejected events for %s, want pay-1 dep-3 t-1 ex-1", got)
			}
		})
	}
}
