package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
)

// TestTakenTransferIDs sends, among honest deposits and all at once, requests that would create a
// transfer whose id another transfer already has: a deposit, a payment or a hold named after an
// item of an atomic batch, a batch item so named, an atomic batch with an existing transfer among
// its items, and two atomic batches that create the same new transfer. Each such request is a
// conflict of its own; every honest request is answered 201, round after round, on every store.
func TestTakenTransferIDs(t *testing.T) {
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			e := setupOn(t, kind.Open(t))
			ctx := context.Background()
			const rounds, honest = 10, 40
			e.deposit("fund", "offender", "USD", "1000")
			// An atomic batch whose items are transfers without an operation of their own.
			taken := make([]client.TransferRequest, 5*rounds)
			for i := range taken {
				taken[i] = client.TransferRequest{ID: fmt.Sprint("taken-", i), DebitAccountID: "wallet:offender:USD",
					CreditAccountID: "system:world:USD", Amount: "0.01"}
			}
			if _, err := e.operator.CreateTransfers(ctx, client.BatchRequest{Mode: client.BatchAtomic, ID: "taken", Transfers: taken}); err != nil {
				t.Fatal(err)
			}
			item := func(id string) client.TransferRequest {
				return client.TransferRequest{ID: id, DebitAccountID: "wallet:offender:USD", CreditAccountID: "system:world:USD", Amount: "0.01"}
			}
			for r := range rounds {
				tk := func(k int) string { return fmt.Sprint("taken-", 5*r+k) }
				type outcome struct {
					what string
					code string
				}
				offenders := []func() outcome{
					func() outcome {
						_, err := e.operator.Deposit(ctx, client.DepositRequest{ID: tk(0), Owner: "offender", Asset: "USD", Amount: "1"})
						return outcome{"deposit " + tk(0), coffer.ErrorCode(err)}
					},
					func() outcome {
						_, err := e.operator.Pay(ctx, client.PaymentRequest{ID: tk(1), Owner: "offender", Merchant: "shop", Asset: "USD", Amount: "1", OrderID: "o"})
						return outcome{"payment " + tk(1), coffer.ErrorCode(err)}
					},
					func() outcome {
						_, err := e.operator.Hold(ctx, client.HoldRequest{ID: tk(2), Owner: "offender", Asset: "USD", Amount: "1"})
						return outcome{"hold " + tk(2), coffer.ErrorCode(err)}
					},
					func() outcome {
						res, err := e.operator.CreateTransfers(ctx, client.BatchRequest{Mode: client.BatchIndependent,
							Transfers: []client.TransferRequest{item(tk(3))}})
						if err != nil {
							return outcome{"independent item " + tk(3), coffer.ErrorCode(err)}
						}
						code := ""
						if res.Results[0].Error != nil {
							code = res.Results[0].Error.Code
						}
						return outcome{"independent item " + tk(3), code}
					},
					func() outcome {
						_, err := e.operator.CreateTransfers(ctx, client.BatchRequest{Mode: client.BatchAtomic, ID: fmt.Sprint("group-", r),
							Transfers: []client.TransferRequest{item(fmt.Sprint("fresh-", r)), item(tk(4))}})
						return outcome{"atomic batch with " + tk(4), coffer.ErrorCode(err)}
					},
				}
				// Two groups, each new, that create the same new transfer: one wins.
				twins := make([]func() outcome, 2)
				for k := range twins {
					twins[k] = func() outcome {
						_, err := e.operator.CreateTransfers(ctx, client.BatchRequest{Mode: client.BatchAtomic, ID: fmt.Sprintf("twin-%d-%d", r, k),
							Transfers: []client.TransferRequest{item(fmt.Sprint("twin-item-", r)), item(fmt.Sprintf("twin-%d-%d-b", r, k))}})
						return outcome{"twin " + fmt.Sprint(k), coffer.ErrorCode(err)}
					}
				}
				start := make(chan struct{})
				var wg sync.WaitGroup
				honestCodes := make([]string, honest)
				offenderOut := make([]outcome, len(offenders))
				twinOut := make([]outcome, len(twins))
				for i := range honest {
					wg.Go(func() {
						<-start
						_, err := e.operator.Deposit(ctx, client.DepositRequest{ID: fmt.Sprintf("honest-%d-%d", r, i),
							Owner: fmt.Sprint("user-", i), Asset: "USD", Amount: "1"})
						honestCodes[i] = coffer.ErrorCode(err)
						if err != nil {
							t.Logf("round %d: honest deposit %d: %v", r, i, err)
						}
					})
					// Interleave the offenders with the honest clients.
					if i%8 == 0 && i/8 < len(offenders) {
						k := i / 8
						wg.Go(func() { <-start; offenderOut[k] = offenders[k]() })
					}
				}
				for k := range twins {
					wg.Go(func() { <-start; twinOut[k] = twins[k]() })
				}
				close(start)
				wg.Wait()
				failed := 0
				for _, c := range honestCodes {
					if c != "" {
						failed++
					}
				}
				if failed > 0 {
					t.Errorf("round %d: %d of %d honest deposits failed", r, failed, honest)
				}
				for _, o := range offenderOut {
					if o.code != coffer.ECONFLICT {
						t.Errorf("round %d: %s answered %q, want conflict", r, o.what, o.code)
					}
				}
				if a, b := twinOut[0].code, twinOut[1].code; !(a == "" && b == coffer.ECONFLICT || a == coffer.ECONFLICT && b == "") {
					t.Errorf("round %d: the twin groups answered %q and %q; want one success and one conflict", r, a, b)
				}
				if t.Failed() {
					return
				}
			}
			// The offenders' groups left nothing; the honest deposits are all there.
			for r := range rounds {
				if _, err := e.reader.Transfer(ctx, fmt.Sprint("fresh-", r)); coffer.ErrorCode(err) != coffer.ENOTFOUND {
					t.Errorf("fresh-%d of a refused group: %v", r, err)
				}
			}
			for i := range honest {
				e.wantBalance(fmt.Sprint("user-", i), "USD", fmt.Sprintf("%d.00", rounds), fmt.Sprintf("%d.00", rounds), "0.00", "0.00")
			}
			rep, err := ledger.Verify(ctx, e.store)
			if err != nil || !rep.OK() {
				t.Fatalf("verify: %v %+v", err, rep)
			}
			// A refused id stays refused: the offender's replay is the same conflict.
			status, body := e.rawJSON("POST", "/v1/deposits", e.operatorKey, client.DepositRequest{ID: "taken-0", Owner: "offender", Asset: "USD", Amount: "1"})
			wantEnvelope(t, status, body, http.StatusConflict, coffer.ECONFLICT)
		})
	}
}
