package client

import (
	"context"
	"net/http"
	"net/url"
)

// Account is an account as the API shows it, amounts in major units of its asset. For a wallet,
// Balance is posted credits less posted debits, Held is what pending debits reserve, Incoming is
// pending credits, and Available is Balance less Held.
type Account struct {
	// ID is "<kind>:<owner>:<asset>": "wallet:1001:USD", "merchant:shop-7:USD",
	// "system:world:USD".
	ID string `json:"id"`
	// Owner is the user or merchant the account belongs to; of a system account, its role:
	// world, fees or exchange.
	Owner string `json:"owner"`
	// Asset is the code of the asset the account holds.
	Asset string `json:"asset"`
	// Kind is wallet, merchant or system.
	Kind string `json:"kind"`
	// Balance is posted credits less posted debits.
	Balance string `json:"balance"`
	// Available is Balance less Held: what a debit may take, down to the overdraft floor.
	Available string `json:"available"`
	// Held is pending debits: holds and withdrawals in flight.
	Held string `json:"held"`
	// Incoming is pending credits.
	Incoming string `json:"incoming"`
	// OverdraftLimit is how far below zero Available may go.
	OverdraftLimit string `json:"overdraft_limit"`
	// OverdraftUnlimited says that Available has no floor at all (system accounts).
	OverdraftUnlimited bool `json:"overdraft_unlimited"`
	// LockedDebits says that the account refuses debits.
	LockedDebits bool `json:"locked_debits"`
	// LockedCredits says that the account refuses credits.
	LockedCredits bool `json:"locked_credits"`
	// LockReason is why the account is locked; empty when it is not.
	LockReason string `json:"lock_reason"`
	// DebitsPosted is the running total of posted debits.
	DebitsPosted string `json:"debits_posted"`
	// CreditsPosted is the running total of posted credits.
	CreditsPosted string `json:"credits_posted"`
	// DebitsPending is the running total of pending debits.
	DebitsPending string `json:"debits_pending"`
	// CreditsPending is the running total of pending credits.
	CreditsPending string `json:"credits_pending"`
	// Seq is the sequence number of the account's last entry; 0 before the first.
	Seq uint64 `json:"seq"`
	// CreatedAt is when the account was created.
	CreatedAt Time `json:"created_at"`
	// UpdatedAt is when the account last changed.
	UpdatedAt Time `json:"updated_at"`
}

// CreateAccountRequest is the body of POST /v1/accounts. The account's id is
// "<kind>:<owner>:<asset>", and its operation id "/account/" and the account's id, so creating
// it again with the same fields answers the same. Wallets and merchant accounts are also created
// on first use; create one here to give it an overdraft (admin only).
type CreateAccountRequest struct {
	// Kind is wallet, merchant or system.
	Kind string `json:"kind"`
	// Owner is 1 to 64 letters, digits, '_', '.', '@' or '-'.
	Owner string `json:"owner"`
	// Asset is the code of an existing asset.
	Asset string `json:"asset"`
	// OverdraftLimit is how far below zero Available may go; default 0.
	OverdraftLimit string `json:"overdraft_limit,omitempty"`
	// OverdraftUnlimited removes the floor altogether.
	OverdraftUnlimited bool `json:"overdraft_unlimited,omitempty"`
}

// AccountsQuery selects accounts for GET /v1/accounts. Empty fields match all.
type AccountsQuery struct {
	// Owner selects the accounts of one owner.
	Owner string
	// Asset selects the accounts of one asset.
	Asset string
	// Kind selects the accounts of one kind: wallet, merchant or system.
	Kind string
	// Cursor is a NextCursor of the page before; empty for the first page.
	Cursor string
	// Limit is the most accounts on the page; 0 is the server's default.
	Limit int
}

// AccountPage is one page of GET /v1/accounts, ordered by id.
type AccountPage struct {
	// Accounts are the page's accounts.
	Accounts []Account `json:"accounts"`
	// HasMore says whether more follow this page.
	HasMore bool `json:"has_more"`
	// NextCursor is the Cursor of the next page, set only when HasMore.
	NextCursor string `json:"next_cursor,omitempty"`
}

// LockAccountRequest is the body of POST /v1/accounts/{id}/lock. At least one of Debits and
// Credits must be true.
type LockAccountRequest struct {
	// ID is the operation id.
	ID string `json:"id"`
	// Debits refuses debits.
	Debits bool `json:"debits"`
	// Credits refuses credits.
	Credits bool `json:"credits"`
	// Reason is required: why the account is locked.
	Reason string `json:"reason"`
}

// UnlockAccountRequest is the body of POST /v1/accounts/{id}/unlock.
type UnlockAccountRequest struct {
	// ID is the operation id.
	ID string `json:"id"`
}

// CreateAccount creates an account.
func (c *Client) CreateAccount(ctx context.Context, req CreateAccountRequest) (*Account, error) {
	return call[Account](ctx, c, http.MethodPost, "/v1/accounts", nil, req)
}

// Account returns an account by id; not_found if there is none.
func (c *Client) Account(ctx context.Context, id string) (*Account, error) {
	return call[Account](ctx, c, http.MethodGet, "/v1/accounts/"+pathID(id), nil, nil)
}

// Accounts lists a page of the accounts the query selects, by id.
func (c *Client) Accounts(ctx context.Context, q AccountsQuery) (*AccountPage, error) {
	v := url.Values{}
	setIf(v, "owner", q.Owner)
	setIf(v, "asset", q.Asset)
	setIf(v, "kind", q.Kind)
	return call[AccountPage](ctx, c, http.MethodGet, "/v1/accounts", pageQuery(v, q.Cursor, q.Limit), nil)
}

// LockAccount locks an account for debits, credits or both (a system account's by an admin
// only).
func (c *Client) LockAccount(ctx context.Context, accountID string, req LockAccountRequest) (*Account, error) {
	return call[Account](ctx, c, http.MethodPost, "/v1/accounts/"+pathID(accountID)+"/lock", nil, req)
}

// UnlockAccount lifts an account's locks (a system account's by an admin only).
func (c *Client) UnlockAccount(ctx context.Context, accountID string, req UnlockAccountRequest) (*Account, error) {
	return call[Account](ctx, c, http.MethodPost, "/v1/accounts/"+pathID(accountID)+"/unlock", nil, req)
}
