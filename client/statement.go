package client

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Statement is an account's statement for a period [From, To): GET
// /v1/accounts/{id}/statement. Closing's balance is Opening's plus the period's posted credits
// less its posted debits.
type Statement struct {
	// AccountID is the account.
	AccountID string `json:"account_id"`
	// Asset is its asset.
	Asset string `json:"asset"`
	// From is the period's start.
	From Time `json:"from"`
	// To is the period's end, not included.
	To Time `json:"to"`
	// Opening is the account's balances after its last entry before From.
	Opening BalanceAt `json:"opening"`
	// Closing is the account's balances after its last entry before To.
	Closing BalanceAt `json:"closing"`
	// Totals are what the period's posted entries moved, by transfer type; on the first page
	// only (a later page, asked with a cursor, leaves them out).
	Totals []StatementTotal `json:"totals,omitempty"`
	// Entries are the page's entries of the period, in seq order.
	Entries []Entry `json:"entries"`
	// HasMore says whether more entries follow this page.
	HasMore bool `json:"has_more"`
	// NextCursor is the Cursor of the next page, set only when HasMore.
	NextCursor string `json:"next_cursor,omitempty"`
}

// StatementTotal is what a period's posted entries of one transfer type moved.
type StatementTotal struct {
	// Type is the transfer type.
	Type string `json:"type"`
	// In is what they credited.
	In string `json:"in"`
	// Out is what they debited.
	Out string `json:"out"`
}

// StatementQuery selects a page of a statement.
type StatementQuery struct {
	// From and To are the period [From, To); both required.
	From, To time.Time
	// Cursor is a NextCursor of the page before; empty for the first page.
	Cursor string
	// Limit is the most entries on the page; 0 is the server's default.
	Limit int
}

func (q StatementQuery) values() url.Values {
	return url.Values{"from": {q.From.UTC().Format(time.RFC3339Nano)}, "to": {q.To.UTC().Format(time.RFC3339Nano)}}
}

// Statement returns a page of the account's statement for the period.
func (c *Client) Statement(ctx context.Context, accountID string, q StatementQuery) (*Statement, error) {
	return call[Statement](ctx, c, http.MethodGet, "/v1/accounts/"+pathID(accountID)+"/statement", pageQuery(q.values(), q.Cursor, q.Limit), nil)
}

// StatementCSV writes the account's whole statement for [from, to) to w as CSV, as the server
// streams it: a header, an opening row, every entry, a closing row.
func (c *Client) StatementCSV(ctx context.Context, accountID string, from, to time.Time, w io.Writer) error {
	v := StatementQuery{From: from, To: to}.values()
	v.Set("format", "csv")
	return c.do(ctx, http.MethodGet, "/v1/accounts/"+pathID(accountID)+"/statement", v, nil, w)
}
