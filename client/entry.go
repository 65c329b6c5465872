package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Entry is one change to one running total of one account, amounts in major units of its
// asset, with the account's balance and available before and after it.
type Entry struct {
	// AccountID is the account that changed.
	AccountID string `json:"account_id"`
	// Seq numbers the account's entries, from 1, without gaps.
	Seq uint64 `json:"seq"`
	// TransferID is the transfer that made the change.
	TransferID string `json:"transfer_id"`
	// Type is the transfer's type: deposit, payment, hold, ...
	Type string `json:"type"`
	// Phase is which running total changed: posted, pending, or released (a pending amount given
	// back when its transfer was posted, voided or expired).
	Phase string `json:"phase"`
	// Side is debit or credit.
	Side string `json:"side"`
	// Amount is the change.
	Amount string `json:"amount"`
	// BalanceBefore is the account's balance before the change.
	BalanceBefore string `json:"balance_before"`
	// BalanceAfter is the account's balance after the change.
	BalanceAfter string `json:"balance_after"`
	// AvailableBefore is the account's available before the change.
	AvailableBefore string `json:"available_before"`
	// AvailableAfter is the account's available after the change.
	AvailableAfter string `json:"available_after"`
	// CreatedAt is when the change was made.
	CreatedAt Time `json:"created_at"`
}

// EntriesQuery selects an account's entries for GET /v1/accounts/{id}/entries. Empty fields
// match all.
type EntriesQuery struct {
	// Type selects the entries of transfers of one type.
	Type string
	// From and To bound the creation time as [From, To); the zero time leaves a side open.
	From, To time.Time
	// Desc lists the newest first.
	Desc bool
	// Cursor is a NextCursor of the page before; empty for the first page.
	Cursor string
	// Limit is the most entries on the page; 0 is the server's default.
	Limit int
}

// EntryPage is one page of an account's entries, ordered by Seq.
type EntryPage struct {
	// Entries are the page's entries.
	Entries []Entry `json:"entries"`
	// HasMore says whether more follow this page.
	HasMore bool `json:"has_more"`
	// NextCursor is the Cursor of the next page, set only when HasMore.
	NextCursor string `json:"next_cursor,omitempty"`
}

// Entries lists a page of an account's entries: its history, with the balance after each
// change.
func (c *Client) Entries(ctx context.Context, accountID string, q EntriesQuery) (*EntryPage, error) {
	v := url.Values{}
	setIf(v, "type", q.Type)
	setTime(v, "from", q.From)
	setTime(v, "to", q.To)
	setDesc(v, q.Desc)
	return call[EntryPage](ctx, c, http.MethodGet, "/v1/accounts/"+pathID(accountID)+"/entries", pageQuery(v, q.Cursor, q.Limit), nil)
}

// BalanceAt is an account's balances at a past moment, or after one of its entries: the
// answer to GET /v1/accounts/{id}/balance.
type BalanceAt struct {
	// AccountID is the account.
	AccountID string `json:"account_id"`
	// Asset is its asset.
	Asset string `json:"asset"`
	// At is the moment asked about; absent when asked by seq.
	At *Time `json:"at,omitempty"`
	// Seq is the account's last entry at that moment; 0 before its first.
	Seq uint64 `json:"seq"`
	// EntryAt is when that entry was written; absent with seq 0.
	EntryAt *Time `json:"entry_at,omitempty"`
	// Balance is posted credits less posted debits then.
	Balance string `json:"balance"`
	// Available is Balance less Held then.
	Available string `json:"available"`
	// Held is what pending debits reserved then.
	Held string `json:"held"`
}

// BalanceAt returns the account's balances at the moment at, exact, from its entries.
func (c *Client) BalanceAt(ctx context.Context, accountID string, at time.Time) (*BalanceAt, error) {
	q := url.Values{"at": {at.UTC().Format(time.RFC3339Nano)}}
	return call[BalanceAt](ctx, c, http.MethodGet, "/v1/accounts/"+pathID(accountID)+"/balance", q, nil)
}

// BalanceAtSeq returns the account's balances after its entry seq (0: before its first).
func (c *Client) BalanceAtSeq(ctx context.Context, accountID string, seq uint64) (*BalanceAt, error) {
	q := url.Values{"seq": {strconv.FormatUint(seq, 10)}}
	return call[BalanceAt](ctx, c, http.MethodGet, "/v1/accounts/"+pathID(accountID)+"/balance", q, nil)
}
