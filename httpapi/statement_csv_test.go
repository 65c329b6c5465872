package httpapi_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// TestStatementCSVChunks: a CSV statement of more entries than the server reads at a time, and
// of more bytes than it writes at a time, on each store: every entry once, in seq order, each
// balance_before the balance_after of the row above, each posted row's balance moved by its
// amount, and the closing row's balance the last entry's.
func TestStatementCSVChunks(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			e := setupOn(t, kind.Open(t))
			ctx := context.Background()
			from := e.clock.Now()
			e.openSeesaw()
			const transfers = 2600 // two of the server's chunks of 1,000 and a part
			specs := seesaw("t", transfers, func(i int) int64 { return int64(1 + 97*(i/2)%1000) })
			e.clock.Advance(time.Minute)
			if _, err := e.ledger.Do(ctx, ledger.CreateTransfers{ID: "many", Transfers: specs}); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Minute)
			var csv strings.Builder
			if err := e.reader.StatementCSV(ctx, "wallet:1001:USD", from, e.clock.Now(), &csv); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(csv.String(), "\n"), "\n")
			if len(lines) != 1+1+(1+transfers)+1 {
				t.Fatalf("%d lines; want a header, an opening row, %d entries and a closing row", len(lines), 1+transfers)
			}
			minor := func(s string) coffer.Amount {
				t.Helper()
				a, err := coffer.ParseAmount(s, 2)
				if err != nil {
					t.Fatal(err)
				}
				return a
			}
			// seq,created_at,transfer_id,type,phase,side,amount,balance_before,balance_after,available_after
			balance := minor(strings.Split(lines[1], ",")[8])
			for i, line := range lines[2 : len(lines)-1] {
				f := strings.Split(line, ",")
				if len(f) != 10 || f[0] != strconv.Itoa(i+1) || f[4] != "posted" {
					t.Fatalf("entry %d: %q", i+1, line)
				}
				amount, before, after := minor(f[6]), minor(f[7]), minor(f[8])
				want := before.Add
				if f[5] == "debit" {
					want = before.Sub
				}
				if moved, _ := want(amount); before != balance || after != moved {
					t.Fatalf("entry %d: %q after a balance of %s", i+1, line, balance)
				}
				balance = after
			}
			closing := strings.Split(lines[len(lines)-1], ",")
			if closing[3] != "closing" || minor(closing[8]) != balance {
				t.Fatalf("closing %q after a balance of %s", lines[len(lines)-1], balance)
			}
		})
	}
}

// openSeesaw deposits 1,000.00 USD to owner 1001 and opens owner 1002's USD wallet: the two
// wallets of seesaw's transfers.
func (e *env) openSeesaw() {
	e.t.Helper()
	e.deposit("fund", "1001", "USD", "1000.00")
	if _, err := e.admin.CreateAccount(context.Background(), client.CreateAccountRequest{Kind: "wallet", Owner: "1002", Asset: "USD"}); err != nil {
		e.t.Fatal(err)
	}
}

// seesaw returns n transfers of USD from wallet 1001 to 1002 and back in turn, the i-th of
// amount(i) cents with the id prefix followed by i.
func seesaw(prefix string, n int, amount func(i int) int64) []ledger.TransferSpec {
	specs := make([]ledger.TransferSpec, n)
	for i := range specs {
		debit, credit := "wallet:1001:USD", "wallet:1002:USD"
		if i%2 == 1 {
			debit, credit = credit, debit
		}
		specs[i] = ledger.TransferSpec{ID: fmt.Sprint(prefix, i), DebitAccountID: debit, CreditAccountID: credit,
			Amount: coffer.AmountFromInt64(amount(i))}
	}
	return specs
}
