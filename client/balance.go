package client

import (
	"context"
	"net/http"
)

// Balance is one wallet of an owner, amounts in major units of its asset.
type Balance struct {
	// Asset is the wallet's asset.
	Asset string `json:"asset"`
	// AccountID is the wallet's account id, "wallet:<owner>:<asset>".
	AccountID string `json:"account_id"`
	// Balance is posted credits less posted debits.
	Balance string `json:"balance"`
	// Available is Balance less Held.
	Available string `json:"available"`
	// Held is pending debits: holds and withdrawals in flight.
	Held string `json:"held"`
	// Incoming is pending credits.
	Incoming string `json:"incoming"`
}

// Balances is the answer to GET /v1/owners/{owner}/balances: every wallet of the owner, by
// asset.
type Balances struct {
	// Owner is the owner asked about.
	Owner string `json:"owner"`
	// Balances are the owner's wallets; empty if it has none.
	Balances []Balance `json:"balances"`
}

// Balances returns every wallet balance of an owner.
func (c *Client) Balances(ctx context.Context, owner string) (*Balances, error) {
	return call[Balances](ctx, c, http.MethodGet, "/v1/owners/"+pathID(owner)+"/balances", nil, nil)
}
