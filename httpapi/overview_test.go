package httpapi_test

import (
	"context"
	"testing"

	"github.com/cofferhq/coffer/activity"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/httpapi"
	"github.com/cofferhq/coffer/internal/testdb"
)

func TestOverview(t *testing.T) {
	t.Parallel()
	rec := activity.New(nil)
	e := setupWith(t, testdb.SQLite(t), func(c *httpapi.Config) { c.Activity = rec })
	ctx := context.Background()
	e.deposit("d-1", "alice", "USD", "100.00")
	if _, err := e.operator.Pay(ctx, client.PaymentRequest{ID: "p-1", Owner: "alice", Merchant: "shop", Asset: "USD",
		Amount: "25.00", Fee: "0.75", OrderID: "o-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	o, err := e.reader.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if o.Role != "reader" || !o.TotalsComplete || len(o.Assets) != 3 {
		t.Fatalf("overview %+v", o)
	}
	var usd client.AssetTotals
	for _, a := range o.Assets {
		if a.Code == "USD" {
			usd = a
		}
	}
	// The wallet keeps 75.00, the merchant 24.25, the fees 0.75 and the world -100.00.
	want := client.AssetTotals{Code: "USD", Scale: 2, Wallets: "75.00", Merchants: "24.25", System: "-99.25", Sum: "0.00", Accounts: 5}
	if usd != want {
		t.Errorf("USD totals %+v, want %+v", usd, want)
	}
	// The requests so far: two key creations, three assets, the deposit, the payment and
	// verify, and not the overview itself. (Commands applied are counted by the ledger's
	// observer, which serve wires; this server has none.)
	if o.Now.Requests != 8 || o.Now.Errors != 0 {
		t.Errorf("now %+v", o.Now)
	}
	if len(o.Series) != activity.SamplesMax || o.SampleSeconds != 10 {
		t.Errorf("%d samples of %ds", len(o.Series), o.SampleSeconds)
	}
	if o.Verify == nil || o.Verify.Violations != 0 {
		t.Errorf("verify %+v", o.Verify)
	}
	if o.Queued != 0 || len(o.Sinks) != 0 || len(o.Chains) != 0 {
		t.Errorf("queued %d, sinks %v, chains %v", o.Queued, o.Sinks, o.Chains)
	}
}
