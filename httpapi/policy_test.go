package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// TestOperatorPowers tries, with an operator key, what only an admin may do with system money,
// and checks that the wallet verbs, which move it by the ledger's own rules, still work.
func TestOperatorPowers(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("dep-1", "alice", "USD", "100")
	e.deposit("dep-2", "bob", "USD", "1")
	before := e.state("alice", "bob")
	item := func(id, debit, credit, typ string) client.TransferRequest {
		return client.TransferRequest{ID: id, DebitAccountID: debit, CreditAccountID: credit, Amount: "1", Type: typ}
	}
	for _, tt := range []struct {
		name, path string
		body       any
	}{
		{"lock the world account", "/v1/accounts/system:world:USD/lock", client.LockAccountRequest{ID: "l-1", Debits: true, Reason: "halt"}},
		{"lock the fee account", "/v1/accounts/system:fees:USD/lock", client.LockAccountRequest{ID: "l-2", Credits: true, Reason: "halt"}},
		{"unlock the exchange pool", "/v1/accounts/system:exchange:USD/unlock", client.UnlockAccountRequest{ID: "u-1"}},
		{"transfer out of the world account", "/v1/transfers", item("t-1", "system:world:USD", "wallet:bob:USD", "")},
		{"transfer out of the fee account", "/v1/transfers", item("t-2", "system:fees:USD", "wallet:bob:USD", "transfer")},
		{"pending transfer out of the exchange pool", "/v1/transfers", client.TransferRequest{ID: "t-3",
			DebitAccountID: "system:exchange:USD", CreditAccountID: "wallet:bob:USD", Amount: "1", Pending: true}},
		{"transfer typed adjustment", "/v1/transfers", item("t-4", "wallet:alice:USD", "wallet:bob:USD", "adjustment")},
		{"atomic batch out of the world account", "/v1/transfers/batch", client.BatchRequest{Mode: client.BatchAtomic, ID: "g-1",
			Transfers: []client.TransferRequest{item("g-1a", "wallet:alice:USD", "wallet:bob:USD", ""), item("g-1b", "system:world:USD", "wallet:bob:USD", "")}}},
		{"atomic batch typed adjustment", "/v1/transfers/batch", client.BatchRequest{Mode: client.BatchAtomic, ID: "g-2",
			Transfers: []client.TransferRequest{item("g-2a", "wallet:alice:USD", "wallet:bob:USD", "adjustment"), item("g-2b", "wallet:alice:USD", "wallet:bob:USD", "")}}},
		{"system account", "/v1/accounts", client.CreateAccountRequest{Kind: "system", Owner: "treasury", Asset: "USD"}},
		{"merchant that may overdraw without limit", "/v1/accounts", client.CreateAccountRequest{Kind: "merchant", Owner: "m1", Asset: "USD", OverdraftUnlimited: true}},
		{"wallet with an overdraft", "/v1/accounts", client.CreateAccountRequest{Kind: "wallet", Owner: "w1", Asset: "USD", OverdraftLimit: "50"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := e.rawJSON("POST", tt.path, e.operatorKey, tt.body)
			wantEnvelope(t, status, body, http.StatusForbidden, coffer.EFORBIDDEN)
		})
	}
	// An independent batch refuses the item, and only it.
	res, err := e.operator.CreateTransfers(ctx, client.BatchRequest{Mode: client.BatchIndependent, Transfers: []client.TransferRequest{
		item("i-1", "system:world:USD", "wallet:bob:USD", ""), item("i-2", "wallet:alice:USD", "wallet:bob:USD", "adjustment")}})
	if err != nil || res.Results[0].Status != http.StatusForbidden || res.Results[1].Status != http.StatusForbidden {
		t.Errorf("independent batch: %+v, %v", res, err)
	}
	if after := e.state("alice", "bob"); after != before {
		t.Errorf("refused requests changed the state:\n%s\n%s", before, after)
	}
	// What an admin does instead, and what stays an operator's.
	if _, err := e.admin.LockAccount(ctx, "system:world:USD", client.LockAccountRequest{ID: "l-3", Credits: true, Reason: "audit"}); err != nil {
		t.Errorf("admin lock of the world account: %v", err)
	}
	if _, err := e.admin.UnlockAccount(ctx, "system:world:USD", client.UnlockAccountRequest{ID: "u-2"}); err != nil {
		t.Errorf("admin unlock of the world account: %v", err)
	}
	if _, err := e.admin.CreateTransfer(ctx, item("t-5", "system:world:USD", "wallet:bob:USD", "adjustment")); err != nil {
		t.Errorf("admin transfer out of the world account: %v", err)
	}
	if _, err := e.operator.LockAccount(ctx, "wallet:alice:USD", client.LockAccountRequest{ID: "l-4", Debits: true, Reason: "review"}); err != nil {
		t.Errorf("operator lock of a wallet: %v", err)
	}
	if _, err := e.operator.UnlockAccount(ctx, "wallet:alice:USD", client.UnlockAccountRequest{ID: "u-3"}); err != nil {
		t.Errorf("operator unlock of a wallet: %v", err)
	}
	if _, err := e.operator.CreateTransfer(ctx, item("t-6", "wallet:alice:USD", "system:world:USD", "")); err != nil {
		t.Errorf("operator transfer into the world account: %v", err)
	}
	if _, err := e.operator.CreateAccount(ctx, client.CreateAccountRequest{Kind: "merchant", Owner: "m2", Asset: "USD"}); err != nil {
		t.Errorf("operator creation of a merchant: %v", err)
	}
	if _, err := e.operator.Pay(ctx, client.PaymentRequest{ID: "p-1", Owner: "alice", Merchant: "m2", Asset: "USD",
		Amount: "10", Fee: "1", OrderID: "o-1"}); err != nil {
		t.Errorf("operator payment with a fee: %v", err)
	}
	if _, err := e.operator.Withdraw(ctx, client.WithdrawalRequest{ID: "w-1", Owner: "alice", Asset: "USD",
		Amount: "1", Destination: "bank"}); err != nil {
		t.Errorf("operator withdrawal: %v", err)
	}
}

// TestExchangeBounds checks the exchange policy of the test server: USD/GOLD between 0.5 and 200
// GOLD per USD, GOLD/USD between 0.005 and 2, no other pair, and pools that pay out only what
// they hold.
func TestExchangeBounds(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("dep-1", "alice", "USD", "100")
	e.deposit("dep-2", "alice", "ETH", "1")
	ex := func(id, from, to, amount, rate, counter string) error {
		_, err := e.operator.Exchange(ctx, client.ExchangeRequest{ID: id, Owner: "alice", From: from, To: to,
			Amount: amount, Rate: rate, CounterAmount: counter})
		return err
	}
	before := e.state("alice")
	for _, tt := range []struct {
		name                            string
		from, to, amount, rate, counter string
		code                            string
		says                            string
	}{
		{"above the band", "USD", "GOLD", "1", "201", "", coffer.EINVALID, "between 0.5 and 200 GOLD per USD"},
		{"below the band", "USD", "GOLD", "1", "0.4", "", coffer.EINVALID, "between 0.5 and 200 GOLD per USD"},
		{"a counter amount above the band", "USD", "GOLD", "0.01", "", "100000000000000000000000000000000000", coffer.EINVALID, "between 0.5 and 200"},
		{"a counter amount below the band", "USD", "GOLD", "10", "", "1", coffer.EINVALID, "this exchange's is 0.1"},
		{"a pair that is not configured", "USD", "ETH", "1", "0.0003", "", coffer.EINVALID, "not configured"},
		{"the pool holds nothing", "USD", "GOLD", "1", "100", "", coffer.EINSUFFICIENTFUNDS, "system:exchange:GOLD"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := ex("x-1", tt.from, tt.to, tt.amount, tt.rate, tt.counter)
			wantCode(t, err, tt.code)
			if !strings.Contains(coffer.ErrorMessage(err), tt.says) {
				t.Errorf("message %q does not say %q", coffer.ErrorMessage(err), tt.says)
			}
		})
	}
	if after := e.state("alice"); after != before {
		t.Errorf("refused exchanges changed the state:\n%s\n%s", before, after)
	}
	// An admin funds the pool from the world account; it then pays out what it holds, no more.
	if _, err := e.admin.Adjust(ctx, client.AdjustmentRequest{ID: "fund-gold", AccountID: "system:exchange:GOLD",
		Direction: "credit", Amount: "250", Reason: "fund the GOLD pool"}); err != nil {
		t.Fatal(err)
	}
	// The band refusals used no id: x-2 refused for the band is x-2 applied once in it.
	if err := ex("x-2", "USD", "GOLD", "1", "500", ""); coffer.ErrorCode(err) != coffer.EINVALID {
		t.Fatalf("x-2 above the band: %v", err)
	}
	if err := ex("x-2", "USD", "GOLD", "2", "100", ""); err != nil {
		t.Fatalf("x-2 in the band: %v", err)
	}
	if err := ex("x-3", "USD", "GOLD", "1", "", "51"); coffer.ErrorCode(err) != coffer.EINSUFFICIENTFUNDS {
		t.Fatalf("x-3 for 51 GOLD from a pool of 50: %v", err)
	}
	if err := ex("x-4", "USD", "GOLD", "1", "", "50"); err != nil {
		t.Fatalf("x-4 for the pool's last 50 GOLD: %v", err)
	}
	if p := e.account("system:exchange:GOLD"); p.Balance != "0" {
		t.Errorf("GOLD pool %s, want 0", p.Balance)
	}
	e.wantBalance("alice", "GOLD", "250", "250", "0", "0")
	// The way back refills the pool; the USD pool has 3.00 from the two exchanges.
	if err := ex("x-5", "GOLD", "USD", "100", "0.03", ""); err != nil {
		t.Fatalf("x-5 back to USD: %v", err)
	}
	if err := ex("x-6", "GOLD", "USD", "100", "0.005", ""); coffer.ErrorCode(err) != coffer.EINSUFFICIENTFUNDS {
		t.Fatalf("x-6 for more USD than the pool holds: %v", err)
	}
}
