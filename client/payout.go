package client

import (
	"context"
	"net/http"
	"net/url"
)

// Payout is a withdrawal or payment Coffer sends on a chain from its hot wallet.
type Payout struct {
	// ID is the request's id: the hold's transfer id and the send intent's.
	ID string `json:"id"`
	// Kind is withdrawal or payment.
	Kind string `json:"kind"`
	// Owner is the wallet's owner.
	Owner string `json:"owner"`
	// Chain is the configured chain's name.
	Chain string `json:"chain"`
	// From is the hot wallet, EIP-55 checksummed.
	From string `json:"from"`
	// To is the destination, EIP-55 checksummed.
	To string `json:"to"`
	// Asset is the asset's code.
	Asset string `json:"asset"`
	// Amount is in the asset's major unit, exact.
	Amount string `json:"amount"`
	// NetworkFee is what the owner was charged for the network on top of Amount; absent when
	// none.
	NetworkFee string `json:"network_fee,omitempty"`
	// OrderID is a payment's order.
	OrderID string `json:"order_id,omitempty"`
	// State is requested (held, its send intent not yet queued), queued, waiting_funds (the
	// hot wallet cannot cover it yet), signed, broadcast, confirmed, failed or cancelled.
	State string `json:"state"`
	// HoldState is the ledger's hold: pending, posted (confirmed) or voided.
	HoldState string `json:"hold_state"`
	// Nonce is the transaction's nonce, once signed.
	Nonce *uint64 `json:"nonce,omitempty"`
	// TxHash is the mined transaction's hash, once it ended.
	TxHash string `json:"tx_hash,omitempty"`
	// BlockNumber is the block that mined it.
	BlockNumber uint64 `json:"block_number,omitempty"`
	// Confirmations counts its block and those on top, as far as the chain's watcher read.
	Confirmations uint64 `json:"confirmations"`
	// ConfirmationsRequired is the chain's depth of a confirmed payout.
	ConfirmationsRequired uint64 `json:"confirmations_required"`
	// Fee is the gas the chain charged the hot wallet, in FeeAsset's major unit.
	Fee string `json:"fee,omitempty"`
	// FeeAsset is the chain's coin.
	FeeAsset string `json:"fee_asset,omitempty"`
	// Reason says why it failed.
	Reason string `json:"reason,omitempty"`
	// CreatedAt is when it was requested.
	CreatedAt Time `json:"created_at"`
	// UpdatedAt is when it last changed.
	UpdatedAt Time `json:"updated_at"`
}

// PayoutPage is a page of payouts, newest first.
type PayoutPage struct {
	// Payouts are the page's payouts.
	Payouts []Payout `json:"payouts"`
	// HasMore says whether more follow this page.
	HasMore bool `json:"has_more"`
	// NextCursor is the Cursor of the next page, set only when HasMore.
	NextCursor string `json:"next_cursor,omitempty"`
}

// PayoutsQuery selects a page of payouts; each field left empty matches all.
type PayoutsQuery struct {
	// State is one of Payout's states but requested.
	State string
	// Chain is a configured chain's name.
	Chain string
	// Cursor is a NextCursor of the page before; empty for the first page.
	Cursor string
	// Limit is the page size; the server's default when zero.
	Limit int
}

// Payouts lists a page of the payouts, newest first.
func (c *Client) Payouts(ctx context.Context, q PayoutsQuery) (*PayoutPage, error) {
	v := url.Values{}
	setIf(v, "state", q.State)
	setIf(v, "chain", q.Chain)
	return call[PayoutPage](ctx, c, http.MethodGet, "/v1/payouts", pageQuery(v, q.Cursor, q.Limit), nil)
}

// Payout returns the payout id.
func (c *Client) Payout(ctx context.Context, id string) (*Payout, error) {
	return call[Payout](ctx, c, http.MethodGet, "/v1/payouts/"+url.PathEscape(id), nil, nil)
}

// CancelPayout cancels the payout id while it is queued or waiting for funds, and releases its
// hold; one already signed is a conflict. Repeating it answers the same.
func (c *Client) CancelPayout(ctx context.Context, id string) (*Payout, error) {
	return call[Payout](ctx, c, http.MethodPost, "/v1/payouts/"+url.PathEscape(id)+"/cancel", nil, nil)
}
