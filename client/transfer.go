package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Transfer is a transfer as the API shows it, amounts in major units of its asset: Amount moved
// from the debit account to the credit account, at once, or pending until it is posted, voided
// or expired.
type Transfer struct {
	// ID is the transfer's id: the request's, or one Coffer derived ("pay-1/fee").
	ID string `json:"id"`
	// Type is deposit, withdrawal, payment, refund, exchange, transfer, fee, adjustment or hold.
	Type string `json:"type"`
	// State is pending, posted, voided or expired.
	State string `json:"state"`
	// Asset is the code of the asset moved.
	Asset string `json:"asset"`
	// DebitAccountID is the account the money leaves.
	DebitAccountID string `json:"debit_account_id"`
	// CreditAccountID is the account the money reaches.
	CreditAccountID string `json:"credit_account_id"`
	// Amount is the amount moved, or held while pending.
	Amount string `json:"amount"`
	// Pending says that the transfer was created pending (two-phase).
	Pending bool `json:"pending"`
	// PostedAmount is what was posted: the amount of a plain transfer; of a pending one, what was
	// posted of it (zero while pending, voided or expired).
	PostedAmount string `json:"posted_amount"`
	// Refunded is how much of a payment has been refunded.
	Refunded string `json:"refunded"`
	// ExpiresAt is when a pending transfer expires unless it is resolved first; nil if never.
	ExpiresAt *Time `json:"expires_at,omitempty"`
	// Group is the linked group the transfer was created in, all or none.
	Group string `json:"group,omitempty"`
	// Reference is an order id, a source, a destination, or a refund's payment id.
	Reference string `json:"reference,omitempty"`
	// Metadata is what the request gave to keep with the transfer.
	Metadata map[string]string `json:"metadata,omitempty"`
	// CreatedAt is when the transfer was created.
	CreatedAt Time `json:"created_at"`
	// ResolvedAt is when a pending transfer was posted, voided or expired; nil until then.
	ResolvedAt *Time `json:"resolved_at,omitempty"`
}

// TransferResult is the answer to every write that creates or resolves transfers: the transfer
// the request is about, and the ones it moved with it, as they stood when the operation was
// first applied (a replay answers the same).
type TransferResult struct {
	// Transfer is the transfer the request is about: its id is the request's id, or the path's
	// for a post or void.
	Transfer Transfer `json:"transfer"`
	// Fee is a payment's fee transfer, from the merchant to the fee account ("<id>/fee").
	Fee *Transfer `json:"fee,omitempty"`
	// Counter is an exchange's second leg, from the exchange pool of the bought asset
	// ("<id>/counter").
	Counter *Transfer `json:"counter,omitempty"`
	// Payment is a refund's payment, with its refunded total after the refund.
	Payment *Transfer `json:"payment,omitempty"`
	// Rate is an exchange's rate: units of the bought asset per unit of the sold one.
	Rate string `json:"rate,omitempty"`
}

// TransferRequest is the body of POST /v1/transfers and one item of a batch: a raw transfer
// between two accounts of one asset. A debit of a system account, or the type adjustment, needs
// an admin.
type TransferRequest struct {
	// ID is the transfer id and the operation id.
	ID string `json:"id"`
	// DebitAccountID is the account the money leaves; it must exist.
	DebitAccountID string `json:"debit_account_id"`
	// CreditAccountID is the account the money reaches; it must exist and hold the same asset.
	CreditAccountID string `json:"credit_account_id"`
	// Amount is in major units of the debit account's asset, greater than zero.
	Amount string `json:"amount"`
	// Type is the transfer's type; default transfer.
	Type string `json:"type,omitempty"`
	// Pending holds the amount until the transfer is posted or voided.
	Pending bool `json:"pending,omitempty"`
	// TimeoutSeconds expires a pending transfer after this long; 0 never.
	TimeoutSeconds int64 `json:"timeout_seconds,omitempty"`
	// Reference is free text kept with the transfer, which TransfersQuery can select by.
	Reference string `json:"reference,omitempty"`
	// Metadata is kept with the transfer: at most 32 keys.
	Metadata map[string]string `json:"metadata,omitempty"`
}

// PostRequest is the body of the endpoints that post a pending transfer (complete, capture,
// post). All of it may be left out.
type PostRequest struct {
	// ID is the operation id; "<transfer id>/post" if left out.
	ID string `json:"id,omitempty"`
	// Amount is how much to post, at most the pending amount, and the rest is given back; all
	// of it if left out.
	Amount string `json:"amount,omitempty"`
}

// VoidRequest is the body of the endpoints that void a pending transfer (fail, release, void).
// All of it may be left out.
type VoidRequest struct {
	// ID is the operation id; "<transfer id>/void" if left out.
	ID string `json:"id,omitempty"`
}

// TransfersQuery selects transfers for GET /v1/transfers. Empty fields match all.
type TransfersQuery struct {
	// AccountID selects the transfers that debit or credit one account, in the order they
	// reached it.
	AccountID string
	// Type selects the transfers of one type.
	Type string
	// Reference selects the transfers with this reference.
	Reference string
	// From and To bound the creation time as [From, To); the zero time leaves a side open.
	From, To time.Time
	// Desc lists the newest first.
	Desc bool
	// Cursor is a NextCursor of the page before; empty for the first page.
	Cursor string
	// Limit is the most transfers on the page; 0 is the server's default.
	Limit int
}

// TransferPage is one page of GET /v1/transfers, ordered by creation time and id, or, with an
// AccountID, in the order the transfers reached the account.
type TransferPage struct {
	// Transfers are the page's transfers.
	Transfers []Transfer `json:"transfers"`
	// HasMore says whether more follow this page.
	HasMore bool `json:"has_more"`
	// NextCursor is the Cursor of the next page, set only when HasMore.
	NextCursor string `json:"next_cursor,omitempty"`
}

// CreateTransfer creates a transfer between two accounts.
func (c *Client) CreateTransfer(ctx context.Context, req TransferRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/transfers", nil, req)
}

// PostTransfer posts a pending transfer, all of it or part.
func (c *Client) PostTransfer(ctx context.Context, id string, req PostRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/transfers/"+pathID(id)+"/post", nil, req)
}

// VoidTransfer voids a pending transfer, giving the held amount back.
func (c *Client) VoidTransfer(ctx context.Context, id string, req VoidRequest) (*TransferResult, error) {
	return call[TransferResult](ctx, c, http.MethodPost, "/v1/transfers/"+pathID(id)+"/void", nil, req)
}

// Transfer returns a transfer by id as it stands now; not_found if there is none.
func (c *Client) Transfer(ctx context.Context, id string) (*Transfer, error) {
	return call[Transfer](ctx, c, http.MethodGet, "/v1/transfers/"+pathID(id), nil, nil)
}

// Transfers lists a page of the transfers the query selects.
func (c *Client) Transfers(ctx context.Context, q TransfersQuery) (*TransferPage, error) {
	v := url.Values{}
	setIf(v, "account_id", q.AccountID)
	setIf(v, "type", q.Type)
	setIf(v, "reference", q.Reference)
	setTime(v, "from", q.From)
	setTime(v, "to", q.To)
	setDesc(v, q.Desc)
	return call[TransferPage](ctx, c, http.MethodGet, "/v1/transfers", pageQuery(v, q.Cursor, q.Limit), nil)
}

// PendingQuery selects and pages GET /v1/pending.
type PendingQuery struct {
	// Type keeps only pending transfers of this type (hold, withdrawal), if set.
	Type string
	// Cursor is a NextCursor of the page before; empty for the first page.
	Cursor string
	// Limit is the most transfers on the page; 0 is the server's default.
	Limit int
}

// Pending lists the transfers still pending that will expire, soonest first; one without a
// timeout is not listed.
func (c *Client) Pending(ctx context.Context, q PendingQuery) (*TransferPage, error) {
	v := url.Values{}
	if q.Type != "" {
		v.Set("type", q.Type)
	}
	return call[TransferPage](ctx, c, http.MethodGet, "/v1/pending", pageQuery(v, q.Cursor, q.Limit), nil)
}
