package client

import (
	"context"
	"net/http"
	"net/url"
)

// ChainDeposit is a transfer into a deposit address that the chain watcher saw on a chain.
type ChainDeposit struct {
	// Key names the deposit for good: "<chain id>:<tx hash>:<position>", position the index of
	// the token Transfer log in its transaction's receipt, or "native" for the coin sent.
	Key string `json:"key"`
	// Chain is the configured chain's name.
	Chain string `json:"chain"`
	// ChainID is the chain's id: 1 for Ethereum, 1337 for the dev chain.
	ChainID uint64 `json:"chain_id"`
	// Asset is the ledger asset the deposit is of.
	Asset string `json:"asset"`
	// TxHash is the transaction's hash, lowercase.
	TxHash string `json:"tx_hash"`
	// From is the sender, EIP-55 checksummed.
	From string `json:"from"`
	// To is the deposit address, EIP-55 checksummed.
	To string `json:"to"`
	// Owner is whose deposit address To is: the ledger owner credited.
	Owner string `json:"owner"`
	// Amount is a decimal string in major units, with every decimal of the asset on its chain.
	Amount string `json:"amount"`
	// Status is pending, confirmed, orphaned or refused.
	Status string `json:"status"`
	// BlockNumber is the canonical block that holds the deposit; absent while a reorg has
	// taken it out of the chain.
	BlockNumber uint64 `json:"block_number,omitempty"`
	// BlockHash is that block's hash, lowercase; absent with BlockNumber.
	BlockHash string `json:"block_hash,omitempty"`
	// ForkedAt is the block where the chain forked away from the deposit's block; present only
	// while the deposit is out of the canonical chain.
	ForkedAt uint64 `json:"forked_at,omitempty"`
	// Confirmations is the depth of the deposit's block below the watcher's cursor, that block
	// counted; 0 while it is in no canonical block.
	Confirmations uint64 `json:"confirmations"`
	// ConfirmationsRequired is the depth at which the chain's deposits are confirmed and
	// credited.
	ConfirmationsRequired uint64 `json:"confirmations_required"`
	// Reason says why a refused deposit was refused.
	Reason string `json:"reason,omitempty"`
	// CreatedAt is when the watcher first saw the deposit.
	CreatedAt Time `json:"created_at"`
	// UpdatedAt is when its status or block last changed.
	UpdatedAt Time `json:"updated_at"`
}

// ChainDepositPage is a page of chain deposits, newest first.
type ChainDepositPage struct {
	// Deposits are the page's deposits.
	Deposits []ChainDeposit `json:"deposits"`
	// HasMore says whether more follow this page.
	HasMore bool `json:"has_more"`
	// NextCursor is the Cursor of the next page, set only when HasMore.
	NextCursor string `json:"next_cursor,omitempty"`
}

// ChainDepositsQuery selects a page of chain deposits; each field left empty matches all.
type ChainDepositsQuery struct {
	// Owner is the owner credited.
	Owner string
	// Address is the deposit address, in any case; a mixed-case one must carry a right EIP-55
	// checksum.
	Address string
	// Status is pending, confirmed, orphaned or refused.
	Status string
	// TxHash is the transaction's hash.
	TxHash string
	// Chain is a configured chain's name.
	Chain string
	// Asset is a configured chain asset's code.
	Asset string
	// Cursor is a NextCursor of the page before; empty for the first page.
	Cursor string
	// Limit is the most deposits on the page; 0 is the server's default.
	Limit int
}

// Deposits lists a page of the deposits seen on the chains, newest first.
func (c *Client) Deposits(ctx context.Context, q ChainDepositsQuery) (*ChainDepositPage, error) {
	v := url.Values{}
	setIf(v, "owner", q.Owner)
	setIf(v, "address", q.Address)
	setIf(v, "status", q.Status)
	setIf(v, "tx_hash", q.TxHash)
	setIf(v, "chain", q.Chain)
	setIf(v, "asset", q.Asset)
	return call[ChainDepositPage](ctx, c, http.MethodGet, "/v1/deposits", pageQuery(v, q.Cursor, q.Limit), nil)
}

// Chain is a chain the server watches and how its watcher stands.
type Chain struct {
	// Name is the configured chain's name.
	Name string `json:"name"`
	// ChainID is the chain's id.
	ChainID uint64 `json:"chain_id"`
	// Confirmations is the depth at which a deposit is confirmed.
	Confirmations uint64 `json:"confirmations"`
	// PollSeconds is how often the watcher asks the node for a new head.
	PollSeconds float64 `json:"poll_seconds"`
	// RPC are the node's URLs, tried in order, with the password, the path and the query
	// left out ("https://user:…@node.example/…"): providers put keys there.
	RPC []string `json:"rpc"`
	// Cursor is the highest block the watcher accepted; absent before the first.
	Cursor *ChainBlock `json:"cursor,omitempty"`
	// Head is the node's head as the watcher last saw it; absent before it reported one.
	Head *uint64 `json:"head,omitempty"`
	// Lag is how many blocks the cursor is behind Head; absent unless both are known.
	Lag *uint64 `json:"lag,omitempty"`
	// LastError is the error of the watcher's last failed pass, its node URLs masked.
	LastError string `json:"last_error,omitempty"`
	// LastErrorAt is when LastError happened.
	LastErrorAt *Time `json:"last_error_at,omitempty"`
	// Watcher is the process that runs the chain's watcher.
	Watcher ChainWatcher `json:"watcher"`
}

// ChainBlock is a block by number and hash.
type ChainBlock struct {
	// Number is the block's number.
	Number uint64 `json:"number"`
	// Hash is the block's hash, lowercase.
	Hash string `json:"hash"`
}

// ChainWatcher is the duty that watches a chain ("watch:<chain>") and the process that runs it.
type ChainWatcher struct {
	// Running says whether a process holds the duty now.
	Running bool `json:"running"`
	// Holder names the process (host/pid/random) that holds or last held the duty; absent if
	// none ever did, empty once it let go on a clean stop.
	Holder string `json:"holder,omitempty"`
	// RenewedAt is the holder's last renewal of the duty.
	RenewedAt *Time `json:"renewed_at,omitempty"`
	// ReportedAt is when the watcher's last pass ended.
	ReportedAt *Time `json:"reported_at,omitempty"`
}

// ChainList is the answer to GET /v1/chains.
type ChainList struct {
	// Chains are the configured chains, in the configuration's order.
	Chains []Chain `json:"chains"`
}

// Chains lists the chains the server watches, with each watcher's cursor, head and lag.
func (c *Client) Chains(ctx context.Context) (*ChainList, error) {
	return call[ChainList](ctx, c, http.MethodGet, "/v1/chains", nil, nil)
}
