package client

import (
	"context"
	"net/http"
)

// DevFundRequest is the body of POST /v1/dev/fund: money for an address on the embedded dev
// chain, sent by its faucet.
type DevFundRequest struct {
	// To is the address to pay, in any case; a mixed-case one must have its EIP-55 checksum.
	To string `json:"to"`
	// Asset is a dev chain asset: ETH or USDT.
	Asset string `json:"asset"`
	// Amount is in the asset's major unit, a decimal string: "25" or "0.5".
	Amount string `json:"amount"`
}

// DevFunding is a dev chain transaction the faucet sent: mined in the chain's next block.
type DevFunding struct {
	// Chain is "dev".
	Chain string `json:"chain"`
	// TxHash is the transaction's hash.
	TxHash string `json:"tx_hash"`
	// To is the address paid, EIP-55 checksummed.
	To string `json:"to"`
	// Asset is what was sent.
	Asset string `json:"asset"`
	// Amount is how much, in the asset's major unit.
	Amount string `json:"amount"`
}

// DevFund has the embedded dev chain's faucet send a real signed transaction to an address
// (admin; only a server started with --chain dev has it).
func (c *Client) DevFund(ctx context.Context, req DevFundRequest) (*DevFunding, error) {
	return call[DevFunding](ctx, c, http.MethodPost, "/v1/dev/fund", nil, req)
}
