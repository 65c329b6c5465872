package client

import (
	"context"
	"net/http"
	"net/url"
)

// ChainReconciliationRequest is the body of POST /v1/reconciliations/chain: the ledger's custody
// of a chain against the chain at a pinned block.
type ChainReconciliationRequest struct {
	// ID names the result: the same id for the same chain answers the stored one, for another
	// chain a conflict.
	ID string `json:"id"`
	// Chain is the configured chain's name.
	Chain string `json:"chain"`
}

// ChainReconLine is one difference a chain reconciliation found. Amounts are in the asset's
// major unit; a transfer's are positive into the address and negative out of it.
type ChainReconLine struct {
	// Kind is balance (an address's balance differs), chain_only (a transfer the ledger does
	// not know) or ledger_only (one the ledger booked that the chain does not have).
	Kind string `json:"kind"`
	// Address is the custody address, lowercase.
	Address string `json:"address"`
	// Asset is the ledger asset.
	Asset string `json:"asset"`
	// TxHash is the transfer's transaction; empty for a balance line.
	TxHash string `json:"tx_hash,omitempty"`
	// OnChain is the chain's figure: the balance at the block, or what the transaction moved.
	OnChain string `json:"on_chain"`
	// Ledger is the ledger's figure.
	Ledger string `json:"ledger"`
	// Difference is OnChain less Ledger.
	Difference string `json:"difference"`
}

// ChainReconciliation is a stored chain reconciliation.
type ChainReconciliation struct {
	// ID is its id.
	ID string `json:"id"`
	// Chain is the chain reconciled.
	Chain string `json:"chain"`
	// BlockNumber and BlockHash name the pinned block every balance was read at.
	BlockNumber uint64 `json:"block_number"`
	// BlockHash is the pinned block's hash.
	BlockHash string `json:"block_hash"`
	// FromBlock is the first block whose transfers were compared, up to BlockNumber.
	FromBlock uint64 `json:"from_block"`
	// Status is matched or mismatched.
	Status string `json:"status"`
	// Addresses counts the custody addresses compared.
	Addresses int `json:"addresses"`
	// Assets counts the chain's assets compared.
	Assets int `json:"assets"`
	// Lines are the differences; empty when matched. Left out of listings.
	Lines []ChainReconLine `json:"lines"`
	// Omitted counts the differences past the stored maximum.
	Omitted int `json:"omitted"`
	// CreatedBy is the id of the API key that asked; empty for the scheduled duty.
	CreatedBy string `json:"created_by"`
	// CreatedAt is when it was computed.
	CreatedAt Time `json:"created_at"`
}

// ChainReconciliationPage is a page of chain reconciliations, newest first, without their lines.
type ChainReconciliationPage struct {
	// Reconciliations are the page's.
	Reconciliations []ChainReconciliation `json:"reconciliations"`
	// HasMore says whether more follow this page.
	HasMore bool `json:"has_more"`
	// NextCursor is the Cursor of the next page, set only when HasMore.
	NextCursor string `json:"next_cursor,omitempty"`
}

// ChainReconciliationsQuery selects chain reconciliations; empty fields match all.
type ChainReconciliationsQuery struct {
	// Chain selects one chain's.
	Chain string
	// Status selects matched or mismatched ones.
	Status string
	// Cursor is a NextCursor of the page before; empty for the first page.
	Cursor string
	// Limit is the most on the page; 0 is the server's default.
	Limit int
}

// ReconcileChain reconciles a chain's custody against the chain at a pinned block and stores
// the result (operator), or answers the one stored under its id.
func (c *Client) ReconcileChain(ctx context.Context, req ChainReconciliationRequest) (*ChainReconciliation, error) {
	return call[ChainReconciliation](ctx, c, http.MethodPost, "/v1/reconciliations/chain", nil, req)
}

// ChainReconciliation returns the chain reconciliation with id and its lines.
func (c *Client) ChainReconciliation(ctx context.Context, id string) (*ChainReconciliation, error) {
	return call[ChainReconciliation](ctx, c, http.MethodGet, "/v1/reconciliations/chain/"+pathID(id), nil, nil)
}

// ChainReconciliations lists chain reconciliations, newest first.
func (c *Client) ChainReconciliations(ctx context.Context, q ChainReconciliationsQuery) (*ChainReconciliationPage, error) {
	v := url.Values{}
	if q.Chain != "" {
		v.Set("chain", q.Chain)
	}
	if q.Status != "" {
		v.Set("status", q.Status)
	}
	return call[ChainReconciliationPage](ctx, c, http.MethodGet, "/v1/reconciliations/chain", pageQuery(v, q.Cursor, q.Limit), nil)
}
