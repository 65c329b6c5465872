package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Operation is one recorded write as the API shows it: what it was about, as its request named
// it, and its outcome, done or rejected with the error it was answered.
type Operation struct {
	// ID is the operation id: the client's, or one Coffer derived.
	ID string `json:"id"`
	// Kind is the command: deposit, payment, transfer.create, ...
	Kind string `json:"kind"`
	// Status is done or rejected.
	Status string `json:"status"`
	// Error is why the operation was rejected, as it was answered; nil when it was done.
	Error *ErrorBody `json:"error,omitempty"`
	// Owner is the owner the request named, if any.
	Owner string `json:"owner,omitempty"`
	// AccountID is the account the operation was mostly about: the wallet of a wallet verb, the
	// debit account of a transfer (the first of a group), the locked account.
	AccountID string `json:"account_id,omitempty"`
	// CounterAccountID is the account on the other side, if any.
	CounterAccountID string `json:"counter_account_id,omitempty"`
	// Asset is the code of the asset the request named, if any.
	Asset string `json:"asset,omitempty"`
	// Amount is the amount as given, in major units; empty when none was (a capture of the whole
	// hold) or its asset does not exist.
	Amount string `json:"amount,omitempty"`
	// CreatedAt is when the operation was applied.
	CreatedAt Time `json:"created_at"`
}

// OperationsQuery selects operations for GET /v1/operations. Empty fields match all.
type OperationsQuery struct {
	// Owner selects the operations about one owner.
	Owner string
	// AccountID selects the operations about one account, on either side.
	AccountID string
	// Code selects the rejected operations answered with this error code.
	Code string
	// Kind selects the operations of one command: deposit, payment, ...
	Kind string
	// Status is done or rejected.
	Status string
	// From and To bound the time the operation was applied as [From, To); the zero time leaves a
	// side open.
	From, To time.Time
	// Desc lists the newest first.
	Desc bool
	// Cursor is a NextCursor of the page before; empty for the first page.
	Cursor string
	// Limit is the most operations on the page; 0 is the server's default.
	Limit int
}

// OperationPage is one page of GET /v1/operations, ordered by the time they were applied, then
// id.
type OperationPage struct {
	// Operations are the page's operations.
	Operations []Operation `json:"operations"`
	// HasMore says whether there is another page.
	HasMore bool `json:"has_more"`
	// NextCursor is the Cursor of the next page, set only when HasMore.
	NextCursor string `json:"next_cursor,omitempty"`
}

// Operation returns a recorded operation by id: what it was about and its outcome, done or
// rejected with its error.
func (c *Client) Operation(ctx context.Context, id string) (*Operation, error) {
	return call[Operation](ctx, c, http.MethodGet, "/v1/operations/"+pathID(id), nil, nil)
}

// Operations lists a page of the recorded operations the query selects; the rejected ones are
// those with Status "rejected".
func (c *Client) Operations(ctx context.Context, q OperationsQuery) (*OperationPage, error) {
	v := url.Values{}
	setIf(v, "owner", q.Owner)
	setIf(v, "account", q.AccountID)
	setIf(v, "code", q.Code)
	setIf(v, "kind", q.Kind)
	setIf(v, "status", q.Status)
	setTime(v, "from", q.From)
	setTime(v, "to", q.To)
	setDesc(v, q.Desc)
	return call[OperationPage](ctx, c, http.MethodGet, "/v1/operations", pageQuery(v, q.Cursor, q.Limit), nil)
}
