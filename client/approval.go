package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// Approval is a request for a manual money move (an adjustment) that a second admin key
// approves or rejects: with approvals on, POST /v1/adjustments answers one, waiting, and the
// move is applied only once another admin key approves it.
type Approval struct {
	// ID is the move's own id: the adjustment's id, its transfer's and operation's once applied.
	ID string `json:"id"`
	// Kind is what is asked: adjustment.
	Kind string `json:"kind"`
	// Status is waiting, approved or rejected.
	Status string `json:"status"`
	// Request is the move as asked: for an adjustment, the body of POST /v1/adjustments.
	Request json.RawMessage `json:"request"`
	// RequestedBy is the id of the API key that asked.
	RequestedBy string `json:"requested_by"`
	// RequestedAt is when it was asked.
	RequestedAt Time `json:"requested_at"`
	// DecidedBy is the id of the key that approved or rejected it.
	DecidedBy string `json:"decided_by,omitempty"`
	// DecidedAt is when it was approved or rejected.
	DecidedAt *Time `json:"decided_at,omitempty"`
	// Reason is why it was rejected.
	Reason string `json:"reason,omitempty"`
	// Transfer is the move's transfer, once an approved move was applied.
	Transfer *Transfer `json:"transfer,omitempty"`
	// Error is why the ledger refused an approved move (insufficient funds, a locked
	// account): recorded as the operation's outcome, so approving again answers the same.
	Error *ErrorBody `json:"error,omitempty"`
}

// ApprovalRequested is the answer (202) of a money move that waits for approval.
type ApprovalRequested struct {
	// Approval is the request, waiting.
	Approval Approval `json:"approval"`
}

// AdjustmentResult is the answer of POST /v1/adjustments: the transfer made (201), or, with
// approvals on, the request that waits for a second admin key (202), when Approval is set
// and the transfer fields are empty.
type AdjustmentResult struct {
	// TransferResult is the transfer made, when the adjustment was applied.
	TransferResult
	// Approval is the request for approval, when the adjustment waits for one.
	Approval *Approval `json:"approval,omitempty"`
}

// ApprovalPage is a page of approvals: the waiting ones first, then the decided, each part
// newest first.
type ApprovalPage struct {
	// Approvals are the page's.
	Approvals []Approval `json:"approvals"`
	// HasMore says whether more follow this page.
	HasMore bool `json:"has_more"`
	// NextCursor is the Cursor of the next page, set only when HasMore.
	NextCursor string `json:"next_cursor,omitempty"`
}

// RejectApprovalRequest is the body of POST /v1/approvals/{id}/reject.
type RejectApprovalRequest struct {
	// Reason says why; required.
	Reason string `json:"reason"`
}

// ApprovalsQuery selects approvals; empty fields match all.
type ApprovalsQuery struct {
	// Status selects waiting, approved or rejected ones.
	Status string
	// Cursor is a NextCursor of the page before; empty for the first page.
	Cursor string
	// Limit is the most on the page; 0 is the server's default.
	Limit int
}

// Approvals lists requests for approval (admin), the waiting ones first.
func (c *Client) Approvals(ctx context.Context, q ApprovalsQuery) (*ApprovalPage, error) {
	v := url.Values{}
	if q.Status != "" {
		v.Set("status", q.Status)
	}
	return call[ApprovalPage](ctx, c, http.MethodGet, "/v1/approvals", pageQuery(v, q.Cursor, q.Limit), nil)
}

// Approval returns the request for approval with id (admin).
func (c *Client) Approval(ctx context.Context, id string) (*Approval, error) {
	return call[Approval](ctx, c, http.MethodGet, "/v1/approvals/"+pathID(id), nil, nil)
}

// Approve approves a waiting request and applies its move (admin; not the key that asked).
// Approving again with the same key answers the same.
func (c *Client) Approve(ctx context.Context, id string) (*Approval, error) {
	return call[Approval](ctx, c, http.MethodPost, "/v1/approvals/"+pathID(id)+"/approve", nil, struct{}{})
}

// Reject rejects a waiting request: its move is never applied (admin).
func (c *Client) Reject(ctx context.Context, id string, req RejectApprovalRequest) (*Approval, error) {
	return call[Approval](ctx, c, http.MethodPost, "/v1/approvals/"+pathID(id)+"/reject", nil, req)
}
