package loadtest

import (
	"context"
	"net/http"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// stepFunc returns the client's step: one request, or in the mixed workload sometimes two.
func (w *worker) stepFunc() func(context.Context) {
	switch w.b.cfg.Workload {
	case Hot:
		return w.hot
	case Mixed:
		return w.mixed
	case Batch:
		return w.batch
	}
	return w.uniform
}

// uniform sends one transfer between two random wallets.
func (w *worker) uniform(ctx context.Context) {
	req := w.transferRequest()
	w.call("transfer", 1, func() error {
		_, err := w.client.CreateTransfer(ctx, req)
		return err
	})
}

// transferRequest is a transfer of 0.01 to 1.00 between two random wallets.
func (w *worker) transferRequest() client.TransferRequest {
	from, to := w.twoWallets()
	return client.TransferRequest{ID: w.nextID(), DebitAccountID: w.b.wallets[from],
		CreditAccountID: w.b.wallets[to], Amount: formatMinor(w.between(1, 100))}
}

// hot sends one payment with a fee from a random wallet to the one merchant.
func (w *worker) hot(ctx context.Context) {
	amount := w.between(10, 100)
	w.pay(ctx, w.b.merchants[0], amount)
}

// pay pays a merchant from a random wallet, with the fee, and returns the payment's id and
// whether it succeeded.
func (w *worker) pay(ctx context.Context, merchant string, amount int64) (string, bool) {
	id := w.nextID()
	req := client.PaymentRequest{ID: id, Owner: w.b.owners[w.wallet()], Merchant: merchant, Asset: w.b.asset,
		Amount: formatMinor(amount), Fee: formatMinor(fee(amount)), OrderID: "order-" + id}
	err := w.call("payment", 2, func() error {
		_, err := w.client.Pay(ctx, req)
		return err
	})
	return id, err == nil
}

// batch sends Config.BatchSize uniform transfers in one independent batch and counts the items
// that became transfers; the others are counted by their code.
func (w *worker) batch(ctx context.Context) {
	req := client.BatchRequest{Mode: client.BatchIndependent, Transfers: make([]client.TransferRequest, w.b.cfg.BatchSize)}
	for i := range req.Transfers {
		req.Transfers[i] = w.transferRequest()
	}
	var res *client.BatchResponse
	err := w.call("batch", 0, func() error {
		var err error
		res, err = w.client.CreateTransfers(ctx, req)
		return err
	})
	if err != nil {
		return
	}
	for _, r := range res.Results {
		switch {
		case r.Status == http.StatusCreated:
			w.tally.transfers++
		case r.Error != nil:
			w.tally.itemErrors[r.Error.Code]++
		default:
			w.tally.itemErrors["status "+http.StatusText(r.Status)]++
		}
	}
}

// The mixed workload's operations, as percentages of its steps; they add up to 100.
const (
	mixedDeposit    = 20
	mixedPayment    = 35
	mixedHold       = 15
	mixedWithdrawal = 10
	mixedExchange   = 10
	mixedRefund     = 10
)

// mixed takes one step of a wallet service's traffic; the package comment gives the proportions.
func (w *worker) mixed(ctx context.Context) {
	switch r := w.rng.IntN(100); {
	case r < mixedDeposit:
		w.deposit(ctx)
	case r < mixedDeposit+mixedPayment:
		w.mixedPayment(ctx)
	case r < mixedDeposit+mixedPayment+mixedHold:
		w.holdThenEnd(ctx)
	case r < mixedDeposit+mixedPayment+mixedHold+mixedWithdrawal:
		w.withdrawThenEnd(ctx)
	case r < mixedDeposit+mixedPayment+mixedHold+mixedWithdrawal+mixedExchange:
		w.exchange(ctx)
	default:
		w.refund(ctx)
	}
}

// deposit credits a random wallet with 1.00 to 10.00.
func (w *worker) deposit(ctx context.Context) {
	id, amount := w.nextID(), w.between(100, 1000)
	req := client.DepositRequest{ID: id, Owner: w.b.owners[w.wallet()], Asset: w.b.asset,
		Amount: formatMinor(amount), Source: "bench"}
	err := w.call("deposit", 1, func() error {
		_, err := w.client.Deposit(ctx, req)
		return err
	})
	if err == nil {
		w.tally.deposited += amount
	}
	w.noteUnknown(err, id)
}

// mixedPayment pays one of the merchants 0.10 to 5.00 and remembers the payment for a refund.
func (w *worker) mixedPayment(ctx context.Context) {
	amount := w.between(10, 500)
	id, ok := w.pay(ctx, w.b.merchants[w.rng.IntN(len(w.b.merchants))], amount)
	if !ok {
		return
	}
	if len(w.refundable) == refundableMax {
		w.refundable = w.refundable[1:]
	}
	w.refundable = append(w.refundable, payment{id: id, left: amount - fee(amount)})
}

// refund gives back part of the client's latest remembered payment, or pays when there is none.
func (w *worker) refund(ctx context.Context) {
	if len(w.refundable) == 0 {
		w.mixedPayment(ctx)
		return
	}
	p := w.refundable[len(w.refundable)-1]
	w.refundable = w.refundable[:len(w.refundable)-1]
	req := client.RefundRequest{ID: w.nextID(), Amount: formatMinor(w.between(1, p.left)), Reason: "bench"}
	w.call("refund", 1, func() error {
		_, err := w.client.Refund(ctx, p.id, req)
		return err
	})
}

// holdThenEnd holds 0.10 to 5.00 towards a merchant, then, in a second request, captures part of
// it two times in three and releases it otherwise.
func (w *worker) holdThenEnd(ctx context.Context) {
	id, amount := w.nextID(), w.between(10, 500)
	req := client.HoldRequest{ID: id, Owner: w.b.owners[w.wallet()], Asset: w.b.asset, Amount: formatMinor(amount),
		Merchant: w.b.merchants[w.rng.IntN(len(w.b.merchants))]}
	err := w.call("hold", 1, func() error {
		_, err := w.client.Hold(ctx, req)
		return err
	})
	if err != nil || !w.g.pass(ctx) {
		return
	}
	if w.rng.IntN(3) < 2 {
		post := client.PostRequest{ID: id + "-capture", Amount: formatMinor(w.between(1, amount))}
		w.call("capture", 0, func() error {
			_, err := w.client.CaptureHold(ctx, id, post)
			return err
		})
		return
	}
	w.call("release", 0, func() error {
		_, err := w.client.ReleaseHold(ctx, id, client.VoidRequest{ID: id + "-release"})
		return err
	})
}

// withdrawThenEnd withdraws 0.10 to 5.00, then, in a second request, completes the withdrawal
// four times in five (one in ten of those for less than was held) and fails it otherwise.
func (w *worker) withdrawThenEnd(ctx context.Context) {
	id, amount := w.nextID(), w.between(10, 500)
	req := client.WithdrawalRequest{ID: id, Owner: w.b.owners[w.wallet()], Asset: w.b.asset,
		Amount: formatMinor(amount), Destination: "bench-bank"}
	err := w.call("withdrawal", 1, func() error {
		_, err := w.client.Withdraw(ctx, req)
		return err
	})
	if err != nil || !w.g.pass(ctx) {
		return
	}
	if w.rng.IntN(5) == 0 {
		w.call("fail", 0, func() error {
			_, err := w.client.FailWithdrawal(ctx, id, client.VoidRequest{ID: id + "-fail"})
			return err
		})
		return
	}
	post := client.PostRequest{ID: id + "-complete"}
	if w.rng.IntN(10) == 0 {
		post.Amount = formatMinor(w.between(1, amount))
	}
	var res *client.TransferResult
	err = w.call("complete", 0, func() error {
		var err error
		res, err = w.client.CompleteWithdrawal(ctx, id, post)
		return err
	})
	w.noteUnknown(err, id)
	if err != nil {
		return
	}
	if posted, ok := parseMinor(res.Transfer.PostedAmount); ok {
		w.tally.withdrawn += posted
	} else {
		w.noteUnknown(coffer.Errorf(coffer.EINTERNAL, "undecodable posted_amount %q", res.Transfer.PostedAmount), id)
	}
}

// exchange sells 0.10 to 5.00 of the asset from a random wallet for the second asset at MixedRate.
func (w *worker) exchange(ctx context.Context) {
	req := client.ExchangeRequest{ID: w.nextID(), Owner: w.b.owners[w.wallet()], From: w.b.asset, To: w.b.counter,
		Amount: formatMinor(w.between(10, 500)), Rate: MixedRate}
	w.call("exchange", 2, func() error {
		_, err := w.client.Exchange(ctx, req)
		return err
	})
}
