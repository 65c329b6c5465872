package client

import (
	"context"
	"net/http"
)

// VerifyReport is the answer to GET /v1/verify: what the integrity check read and the broken
// invariants it found.
type VerifyReport struct {
	// OK is true when the check found no broken invariant.
	OK bool `json:"ok"`
	// Accounts is how many accounts the check read.
	Accounts int `json:"accounts"`
	// Transfers is how many transfers the check read.
	Transfers int `json:"transfers"`
	// Entries is how many entries the check read.
	Entries int `json:"entries"`
	// Events is how many events the check read.
	Events int `json:"events"`
	// HeadSeq is the seq of the last event: with HeadHash, the chain head.
	HeadSeq uint64 `json:"head_seq"`
	// HeadHash is the last event's hash, in hex.
	HeadHash string `json:"head_hash"`
	// Violations are the broken invariants, at most the first 1000.
	Violations []Violation `json:"violations"`
}

// Violation is one broken invariant.
type Violation struct {
	// Kind names the invariant.
	Kind string `json:"kind"`
	// AccountID is the account it is about, if any.
	AccountID string `json:"account_id,omitempty"`
	// TransferID is the transfer it is about, if any.
	TransferID string `json:"transfer_id,omitempty"`
	// Seq is the event it is about, for the event chain's kinds.
	Seq uint64 `json:"seq,omitempty"`
	// Message says what is wrong.
	Message string `json:"message"`
}

// Verify runs the ledger's integrity check (admin only).
func (c *Client) Verify(ctx context.Context) (*VerifyReport, error) {
	return call[VerifyReport](ctx, c, http.MethodGet, "/v1/verify", nil, nil)
}
