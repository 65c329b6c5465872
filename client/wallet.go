package client

import (
	"context"
	"net/http"
)

// The wallet verbs: each request's ID is its operation id and the id of the transfer it
// creates, and each is answered with a TransferResult.

// DepositRequest is the body of POST /v1/deposits: money enters the owner's wallet from outside
// (from system:world). The wallet is created on first use.
type DepositRequest struct {
	// ID is the operation id and transfer id.
	ID string `json:"id"`
	// Owner is the wallet's owner.
	Owner string `json:"owner"`
	// Asset is the code of the asset deposited.
	Asset string `json:"asset"`
	// Amount is greater than zero.
	Amount string `json:"amount"`
	// Source is where the money came from, kept as the transfer's reference.
	Source string `json:"source,omitempty"`
	// Metadata is kept with the transfer.
	Metadata map[string]string `json:"metadata,omitempty"`
}

// WithdrawalRequest is the body of POST /v1/withdrawals: the amount is held on the owner's
// wallet, pending until the payout is completed (CompleteWithdrawal) or fails (FailWithdrawal),
// or until TimeoutSeconds pass.
type WithdrawalRequest struct {
	// ID is the operation id and transfer id.
	ID string `json:"id"`
	// Owner is the wallet's owner.
	Owner string `json:"owner"`
	// Asset is the code of the asset withdrawn.
	Asset string `json:"asset"`
	// Amount is greater than zero.
	Amount string `json:"amount"`
	// Destination is required, where the money goes; it is kept as the transfer's reference.
	Destination string `json:"destination"`
	// TimeoutSeconds expires the withdrawal after this long; 0 never. Not with Chain.
	TimeoutSeconds int64 `json:"timeout_seconds,omitempty"`
	// Chain makes the withdrawal, when set, a payout on that chain: Destination is then the
	// address Coffer sends the amount to from its hot wallet (0x and 40 hex digits; EIP-55
	// when mixed-case), and the withdrawal is completed or failed by the chain, never by hand.
	Chain string `json:"chain,omitempty"`
	// Metadata is kept with the transfer.
	Metadata map[string]string `json:"metadata,omitempty"`
}

// PaymentRequest is the body of POST /v1/payments: the owner pays the merchant, and the merchant
// pays Fee, if any, out of it to the asset's fee account; both or neither.
type PaymentRequest struct {
	// ID is the operation id and transfer id; the fee's transfer id is ID and "/fee".
	ID string `json:"id"`
	// Owner is the paying wallet's owner.
	Owner string `json:"owner"`
	// Merchant is the payee; its account is created on first use.
	Merchant string `json:"merchant"`
	// Asset is the code of the asset paid.
	Asset string `json:"asset"`
	// Amount is greater than zero.
	Amount string `json:"amount"`
	// Fee is at most Amount; default 0.
	Fee string `json:"fee,omitempty"`
	// OrderID is required; it is kept as the transfer's reference.
	OrderID string `json:"order_id"`
	// Chain makes the payment, when set with To, a payout on that chain to the merchant's
	// address To, sent from Coffer's hot wallet: held on the wallet until it is confirmed on
	// the chain. Fee is not taken from such a payment.
	Chain string `json:"chain,omitempty"`
	// To is the merchant's address on Chain.
	To string `json:"to,omitempty"`
	// Metadata is kept with the transfer.
	Metadata map[string]string `json:"metadata,omitempty"`
}

// RefundRequest is the body of POST /v1/payments/{id}/refunds: the merchant gives back all or
// part of a payment, never more than the payment in total.
type RefundRequest struct {
	// ID is the operation id and the refund's transfer id.
	ID string `json:"id"`
	// Amount left out refunds all that is not yet refunded.
	Amount string `json:"amount,omitempty"`
	// Reason is why the money is given back, kept with the refund.
	Reason string `json:"reason,omitempty"`
	// Metadata is kept with the transfer.
	Metadata map[string]string `json:"metadata,omitempty"`
}

// ExchangeRequest is the body of POST /v1/exchanges: the owner sells Amount of From for To, at
// Rate (units of To per unit of From; the counter amount is rounded down) or for exactly
// CounterAmount of To. Give one of the two. The pair must be configured on the server, with a
// band the rate must lie in.
type ExchangeRequest struct {
	// ID is the operation id and the first leg's transfer id; the second leg's is ID and
	// "/counter".
	ID string `json:"id"`
	// Owner is the owner of both wallets.
	Owner string `json:"owner"`
	// From is the code of the asset sold.
	From string `json:"from"`
	// To is the code of the asset bought; not From.
	To string `json:"to"`
	// Amount is the amount of From sold, greater than zero.
	Amount string `json:"amount"`
	// Rate is units of To per unit of From, a positive decimal of at most 40 characters.
	Rate string `json:"rate,omitempty"`
	// CounterAmount is exactly how much of To is bought.
	CounterAmount string `json:"counter_amount,omitempty"`
	// Metadata is kept with the transfers.
	Metadata map[string]string `json:"metadata,omitempty"`
}

// HoldRequest is the body of POST /v1/holds: the amount is reserved on the owner's wallet,
// towards the merchant (or spent in the app when Merchant is empty), until it is captured
// (CaptureHold), released (ReleaseHold) or expires.
type HoldRequest struct {
	// ID is the operation id and transfer id.
	ID string `json:"id"`
	// Owner is the wallet's owner.
	Owner string `json:"owner"`
	// Asset is the code of the asset held.
	Asset string `json:"asset"`
	// Amount is greater than zero.
	Amount string `json:"amount"`
	// Merchant is who a capture pays; empty pays system:world (the money leaves the ledger).
	Merchant string `json:"merchant,omitempty"`
	// TimeoutSeconds expires the hold after this long; 0 never.
	TimeoutSeconds int64 `json:"timeout_seconds,omitempty"`
	// Reference is free text kept with the transfer.
	Reference string `json:"reference,omitempty"`
	// Metadata is kept with the transfer.
	Metadata map[string]string `json:"metadata,omitempty"`
}

// AdjustmentRequest is the body of POST /v1/adjustments (admin only): a correction of an account
// against a system account of its asset.
type AdjustmentRequest struct {
	// ID is the operation id and transfer id.
	ID string `json:"id"`
	// AccountID is the account corrected.
	AccountID string `json:"account_id"`
	// Direction is credit, which adds to the account, or debit, which takes from it.
	Direction string `json:"direction"`
	// Amount is in the account's asset, greater than zero.
	Amount string `json:"amount"`
	// CounterAccountID is a system account of the same asset; the asset's world account if
	// empty.
	CounterAccountID string `json:"counter_account_id,omitempty"`
	// Reason is required; it is kept in the transfer's metadata.
	Reason string `json:"reason"`
}

// Deposit credits an owner's wallet from outside.
func (c *Client) Deposit(ctx context.Context, req DepositRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/deposits", nil, req)
}

// Withdraw starts a withdrawal: the amount is held until it completes or fails.
func (c *Client) Withdraw(ctx context.Context, req WithdrawalRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/withdrawals", nil, req)
}

// CompleteWithdrawal posts a withdrawal once the payout is made, all of it or less.
func (c *Client) CompleteWithdrawal(ctx context.Context, id string, req PostRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/withdrawals/"+pathID(id)+"/complete", nil, req)
}

// FailWithdrawal voids a withdrawal whose payout failed, giving the money back.
func (c *Client) FailWithdrawal(ctx context.Context, id string, req VoidRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/withdrawals/"+pathID(id)+"/fail", nil, req)
}

// Pay pays a merchant from an owner's wallet, and the fee, if any, from the merchant to the fee
// account.
func (c *Client) Pay(ctx context.Context, req PaymentRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/payments", nil, req)
}

// Refund refunds all or part of a payment.
func (c *Client) Refund(ctx context.Context, paymentID string, req RefundRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/payments/"+pathID(paymentID)+"/refunds", nil, req)
}

// Exchange exchanges between two of an owner's wallets through the exchange pools.
func (c *Client) Exchange(ctx context.Context, req ExchangeRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/exchanges", nil, req)
}

// Hold reserves an amount on an owner's wallet.
func (c *Client) Hold(ctx context.Context, req HoldRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/holds", nil, req)
}

// CaptureHold takes all or part of a hold, giving the rest back.
func (c *Client) CaptureHold(ctx context.Context, id string, req PostRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/holds/"+pathID(id)+"/capture", nil, req)
}

// ReleaseHold gives a hold back.
func (c *Client) ReleaseHold(ctx context.Context, id string, req VoidRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/holds/"+pathID(id)+"/release", nil, req)
}

// Adjust corrects an account against a system account (admin only). With approvals on, the
// server applies nothing yet: the result's Approval is the request, waiting for another admin
// key (Approve), and its transfer fields are empty.
func (c *Client) Adjust(ctx context.Context, req AdjustmentRequest) (*AdjustmentResult, error) {
	return call[AdjustmentResult](ctx, c, http.MethodPost, "/v1/adjustments", nil, req)
}
