package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Event is one committed change, written in the same transaction as the change itself.
type Event struct {
	// Seq numbers the events, globally and without gaps, in commit order.
	Seq uint64 `json:"seq"`
	// ID is "evt_" and the seq.
	ID string `json:"id"`
	// Type is asset.created, account.created, account.locked, account.unlocked,
	// transfer.created, transfer.posted, transfer.voided, transfer.expired or
	// operation.rejected.
	Type string `json:"type"`
	// Subject is the id of the asset, account or transfer that changed; of an
	// operation.rejected, the operation's id.
	Subject string `json:"subject"`
	// Data is the ledger's JSON snapshot of the subject after the change, amounts in minor
	// units (integers as strings).
	Data json.RawMessage `json:"data"`
	// CreatedAt is when the change was committed.
	CreatedAt Time `json:"created_at"`
	// Hash is the SHA-256, in hex, that chains the event to the one before it in seq order
	// (see coffer.ChainEvent for what it covers and how).
	Hash string `json:"hash"`
}

// EventPage is the answer to GET /v1/events: events with seq above the request's after, in
// order.
type EventPage struct {
	// Events are the page's events.
	Events []Event `json:"events"`
	// HasMore says whether more events follow this page already.
	HasMore bool `json:"has_more"`
	// NextAfter is the after of the next page (the last seq here), set only when HasMore.
	NextAfter uint64 `json:"next_after,omitempty"`
}

// WaitEvents is Events with a long poll: when no event after after exists yet, the server
// answers as soon as one is committed, or with an empty page once wait has passed (at most
// 30 seconds). A consumer without a broker follows Coffer with it over one connection.
func (c *Client) WaitEvents(ctx context.Context, after uint64, limit int, wait time.Duration) (*EventPage, error) {
	v := url.Values{"after": {strconv.FormatUint(after, 10)}, "wait": {wait.String()}}
	return call[EventPage](ctx, c, http.MethodGet, "/v1/events", pageQuery(v, "", limit), nil)
}

// Events returns up to limit events after the seq after (limit 0: the server's default). When
// the page's HasMore is false the consumer has caught up, and goes on later from the last
// event's seq.
func (c *Client) Events(ctx context.Context, after uint64, limit int) (*EventPage, error) {
	v := url.Values{"after": {strconv.FormatUint(after, 10)}}
	return call[EventPage](ctx, c, http.MethodGet, "/v1/events", pageQuery(v, "", limit), nil)
}

// DepositNotice is the data of the deposit.pending, deposit.confirmed and deposit.orphaned
// events: a deposit seen on a chain, as it stood when the event was written.
type DepositNotice struct {
	// Key is the deposit's identity, "<chain id>:<tx hash>:<position>"; a transaction mined
	// again after its deposit was orphaned is a new attempt, its key followed by "/2", "/3"...
	Key string `json:"key"`
	// TransferID is the ledger's deposit transfer: "chain/" and the key.
	TransferID string `json:"transfer_id"`
	// Chain is the chain's configured name.
	Chain string `json:"chain"`
	// ChainID is the chain's id: 1 for Ethereum, 1337 for the dev chain.
	ChainID uint64 `json:"chain_id"`
	// TxHash is the transaction's hash.
	TxHash string `json:"tx_hash"`
	// Position is "native" for the value a transaction sends, or the token Transfer log's
	// index among its transaction's logs.
	Position string `json:"position"`
	// Address is the deposit address, EIP-55 checksummed.
	Address string `json:"address"`
	// Owner is whose deposit address it is.
	Owner string `json:"owner"`
	// Asset is the ledger asset.
	Asset string `json:"asset"`
	// Amount is in the asset's major unit.
	Amount string `json:"amount"`
	// BlockNumber and BlockHash are the block holding the deposit; zero once it left the
	// canonical chain.
	BlockNumber uint64 `json:"block_number"`
	// BlockHash is the block's hash.
	BlockHash string `json:"block_hash"`
	// Confirmations is the block's depth in the canonical chain: 1 for the newest block.
	Confirmations uint64 `json:"confirmations"`
	// ConfirmationsRequired is the depth at which the deposit is credited.
	ConfirmationsRequired uint64 `json:"confirmations_required"`
	// Status is pending, confirmed or orphaned.
	Status string `json:"status"`
}
