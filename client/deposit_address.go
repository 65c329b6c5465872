package client

import (
	"context"
	"net/http"
	"net/url"
)

// DepositAddress is an owner's address on one EVM chain: money sent there is the owner's
// deposit. An owner has the same address, at the same Index, on every chain.
type DepositAddress struct {
	// Chain is the configured chain's name: "ethereum", "bsc", "dev".
	Chain string `json:"chain"`
	// Address is 0x and 40 hex digits in EIP-55's mixed case, whose checksum wallets check.
	Address string `json:"address"`
	// Owner is the ledger owner the deposits are credited to.
	Owner string `json:"owner"`
	// Index is the owner's derivation index: the address is m/44'/60'/0'/0/Index.
	Index uint32 `json:"index"`
	// CreatedAt is when the address was given to the owner on this chain.
	CreatedAt Time `json:"created_at"`
}

// AssignDepositAddressRequest is the body of POST /v1/owners/{owner}/addresses: a chain, or
// an asset, which names its chain, or both if they agree.
type AssignDepositAddressRequest struct {
	// Chain is a configured chain's name.
	Chain string `json:"chain,omitempty"`
	// Asset is a configured chain asset's code: it names its chain.
	Asset string `json:"asset,omitempty"`
}

// DepositAddressPage is a page of deposit addresses, oldest first.
type DepositAddressPage struct {
	// Addresses are the page's addresses.
	Addresses []DepositAddress `json:"addresses"`
	// HasMore says whether more follow this page.
	HasMore bool `json:"has_more"`
	// NextCursor is the Cursor of the next page, set only when HasMore.
	NextCursor string `json:"next_cursor,omitempty"`
}

// DepositAddressesQuery selects a page of an owner's deposit addresses.
type DepositAddressesQuery struct {
	// Cursor is a NextCursor of the page before; empty for the first page.
	Cursor string
	// Limit is the most addresses on the page; 0 is the server's default.
	Limit int
}

// AssignDepositAddress returns the owner's deposit address on the chain req names, giving the
// owner one if it has none there yet (operator or admin). Asking again answers the same address.
func (c *Client) AssignDepositAddress(ctx context.Context, owner string, req AssignDepositAddressRequest) (*DepositAddress, error) {
	return call[DepositAddress](ctx, c, http.MethodPost, "/v1/owners/"+pathID(owner)+"/addresses", nil, req)
}

// DepositAddresses lists a page of the owner's deposit addresses, one per chain, oldest first.
func (c *Client) DepositAddresses(ctx context.Context, owner string, q DepositAddressesQuery) (*DepositAddressPage, error) {
	return call[DepositAddressPage](ctx, c, http.MethodGet, "/v1/owners/"+pathID(owner)+"/addresses", pageQuery(url.Values{}, q.Cursor, q.Limit), nil)
}
