package client

import (
	"context"
	"net/http"
	"net/url"
)

// Sweep is one transaction of the sweeps between Coffer's own chain addresses: a sweep of a
// deposit address to the hot wallet or a cold address, or the gas top-up a token sweep needs
// first, sent from the sweeps' gas wallet to the deposit address.
type Sweep struct {
	// ID is the send intent's id: "sweep/<chain>:<address>:<asset>:<seq>", and "/topup" after
	// it for a top-up.
	ID string `json:"id"`
	// Kind is sweep or gas_topup.
	Kind string `json:"kind"`
	// Sweep is the id of the sweep a top-up pays the gas of; a sweep's own id for a sweep.
	Sweep string `json:"sweep"`
	// Chain is the configured chain's name.
	Chain string `json:"chain"`
	// From is the deposit address swept, or the gas wallet; lowercase hex.
	From string `json:"from"`
	// To is the address swept to, or the deposit address topped up; lowercase hex.
	To string `json:"to"`
	// Asset is the asset's code.
	Asset string `json:"asset"`
	// Amount is in the asset's major unit, exact.
	Amount string `json:"amount"`
	// State is queued, waiting_funds, signed, broadcast, confirmed, failed or cancelled.
	State string `json:"state"`
	// Nonce is the transaction's nonce, once signed.
	Nonce *uint64 `json:"nonce,omitempty"`
	// TxHash is the mined transaction's hash, once it ended.
	TxHash string `json:"tx_hash,omitempty"`
	// BlockNumber is the block that mined it.
	BlockNumber uint64 `json:"block_number,omitempty"`
	// GasUsed is the gas the mined transaction used.
	GasUsed uint64 `json:"gas_used,omitempty"`
	// Fee is the gas the chain charged the sender, in FeeAsset's major unit.
	Fee string `json:"fee,omitempty"`
	// FeeAsset is the chain's coin.
	FeeAsset string `json:"fee_asset,omitempty"`
	// Reason says why it failed.
	Reason string `json:"reason,omitempty"`
	// CreatedAt is when it was planned.
	CreatedAt Time `json:"created_at"`
	// UpdatedAt is when it last changed.
	UpdatedAt Time `json:"updated_at"`
}

// SweepPage is a page of sweeps and top-ups, newest first.
type SweepPage struct {
	// Sweeps are the page's sweeps and top-ups.
	Sweeps []Sweep `json:"sweeps"`
	// HasMore says whether more follow this page.
	HasMore bool `json:"has_more"`
	// NextCursor is the Cursor of the next page, set only when HasMore.
	NextCursor string `json:"next_cursor,omitempty"`
}

// SweepsQuery selects a page of sweeps; each field left empty matches all.
type SweepsQuery struct {
	// State is one of Sweep's states.
	State string
	// Chain is a configured chain's name.
	Chain string
	// Address keeps the sweeps and top-ups from or to it (0x and 40 hex digits, any case).
	Address string
	// Cursor is a NextCursor of the page before; empty for the first page.
	Cursor string
	// Limit is the page size; the server's default when zero.
	Limit int
}

// Sweeps lists a page of the sweeps and their gas top-ups, newest first.
func (c *Client) Sweeps(ctx context.Context, q SweepsQuery) (*SweepPage, error) {
	v := url.Values{}
	setIf(v, "state", q.State)
	setIf(v, "chain", q.Chain)
	setIf(v, "address", q.Address)
	return call[SweepPage](ctx, c, http.MethodGet, "/v1/sweeps", pageQuery(v, q.Cursor, q.Limit), nil)
}

// Sweep returns the sweep or top-up id.
func (c *Client) Sweep(ctx context.Context, id string) (*Sweep, error) {
	return call[Sweep](ctx, c, http.MethodGet, "/v1/sweeps/"+url.PathEscape(id), nil, nil)
}
