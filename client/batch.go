package client

import (
	"context"
	"net/http"
)

// BatchAtomic is the mode of a batch whose transfers are created all or none, under the batch's
// id.
const BatchAtomic = "atomic"

// BatchIndependent is the mode of a batch whose transfers are created each on its own, under its
// own id.
const BatchIndependent = "independent"

// BatchRequest is the body of POST /v1/transfers/batch: up to 10,000 transfers, in a body of
// up to 4 MiB by default.
type BatchRequest struct {
	// Mode is BatchAtomic or BatchIndependent.
	Mode string `json:"mode"`
	// ID is the operation id of the group: required in atomic mode (the transfer's id when there
	// is one transfer), not allowed in independent mode.
	ID string `json:"id,omitempty"`
	// Transfers are the transfers to create.
	Transfers []TransferRequest `json:"transfers"`
}

// BatchResponse is the answer to a batch: one result per transfer, in the request's order.
type BatchResponse struct {
	// Mode is the request's mode.
	Mode string `json:"mode"`
	// ID is the request's id, in atomic mode.
	ID string `json:"id,omitempty"`
	// Results are the transfers' outcomes, in the request's order.
	Results []BatchResult `json:"results"`
}

// BatchResult is one transfer's outcome in a batch.
type BatchResult struct {
	// ID is the transfer's id.
	ID string `json:"id"`
	// Status is the HTTP status the transfer would have had alone: 201 when it was created.
	Status int `json:"status"`
	// Transfer is the transfer, on success.
	Transfer *Transfer `json:"transfer,omitempty"`
	// Error is why the transfer was refused, otherwise.
	Error *ErrorBody `json:"error,omitempty"`
}

// CreateTransfers creates a batch of transfers, atomic or independent. An atomic batch that is
// refused returns the error; an independent one reports each transfer's outcome in its result,
// and returns an error only when the batch as a whole was refused.
func (c *Client) CreateTransfers(ctx context.Context, req BatchRequest) (*BatchResponse, error) {
	return call[BatchResponse](ctx, c, http.MethodPost, "/v1/transfers/batch", nil, req)
}
