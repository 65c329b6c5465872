package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// ReconciliationRequest is the body of POST /v1/reconciliations: an account's balance at the
// end of a period against a balance from outside. Amounts are in the asset's major unit.
type ReconciliationRequest struct {
	// ID names the reconciliation: the same id with the same figures answers the first result,
	// with other figures a conflict.
	ID string `json:"id"`
	// AccountID is the account; or give Owner and Asset for the owner's wallet.
	AccountID string `json:"account_id,omitempty"`
	// Owner is the wallet's owner, with Asset.
	Owner string `json:"owner,omitempty"`
	// Asset is the wallet's asset, with Owner.
	Asset string `json:"asset,omitempty"`
	// PeriodStart is the period's start, for the record; optional.
	PeriodStart *time.Time `json:"period_start,omitempty"`
	// PeriodEnd is the moment the outside balance stands at; not in the future.
	PeriodEnd time.Time `json:"period_end"`
	// ExternalBalance is the outside balance.
	ExternalBalance string `json:"external_balance"`
	// Tolerance is the largest difference still counted as within tolerance; "" for none.
	Tolerance string `json:"tolerance,omitempty"`
	// Source says where the outside balance comes from: "bank", "stripe payout 2026-11".
	Source string `json:"source,omitempty"`
	// Note is free text for the record.
	Note string `json:"note,omitempty"`
}

// Reconciliation is a stored reconciliation.
type Reconciliation struct {
	// ID is the reconciliation's id.
	ID string `json:"id"`
	// AccountID is the account reconciled.
	AccountID string `json:"account_id"`
	// Asset is its asset.
	Asset string `json:"asset"`
	// PeriodStart is the period's start, if given.
	PeriodStart *Time `json:"period_start,omitempty"`
	// PeriodEnd is the moment compared.
	PeriodEnd Time `json:"period_end"`
	// Seq is the account's last entry at PeriodEnd.
	Seq uint64 `json:"seq"`
	// LedgerBalance is the account's balance at PeriodEnd.
	LedgerBalance string `json:"ledger_balance"`
	// ExternalBalance is the outside balance.
	ExternalBalance string `json:"external_balance"`
	// Difference is ExternalBalance less LedgerBalance.
	Difference string `json:"difference"`
	// Tolerance is the largest difference counted as within tolerance.
	Tolerance string `json:"tolerance"`
	// Status is matched, within_tolerance or mismatched.
	Status string `json:"status"`
	// Source says where the outside balance came from.
	Source string `json:"source,omitempty"`
	// Note is the free text given.
	Note string `json:"note,omitempty"`
	// CreatedBy is the id of the API key that asked.
	CreatedBy string `json:"created_by"`
	// CreatedAt is when it was computed.
	CreatedAt Time `json:"created_at"`
}

// ReconciliationPage is a page of reconciliations, newest first.
type ReconciliationPage struct {
	// Reconciliations are the page's.
	Reconciliations []Reconciliation `json:"reconciliations"`
	// HasMore says whether more follow this page.
	HasMore bool `json:"has_more"`
	// NextCursor is the Cursor of the next page, set only when HasMore.
	NextCursor string `json:"next_cursor,omitempty"`
}

// ReconciliationsQuery selects reconciliations; empty fields match all.
type ReconciliationsQuery struct {
	// AccountID selects one account's.
	AccountID string
	// Status selects one status.
	Status string
	// From and To bound the period end as [From, To); the zero time leaves a side open.
	From, To time.Time
	// Cursor is a NextCursor of the page before; empty for the first page.
	Cursor string
	// Limit is the most on the page; 0 is the server's default.
	Limit int
}

// Reconcile computes and stores a reconciliation (operator), or answers the one stored under
// its id.
func (c *Client) Reconcile(ctx context.Context, req ReconciliationRequest) (*Reconciliation, error) {
	return call[Reconciliation](ctx, c, http.MethodPost, "/v1/reconciliations", nil, req)
}

// Reconciliation returns the reconciliation with id.
func (c *Client) Reconciliation(ctx context.Context, id string) (*Reconciliation, error) {
	return call[Reconciliation](ctx, c, http.MethodGet, "/v1/reconciliations/"+pathID(id), nil, nil)
}

// Reconciliations lists reconciliations, newest first.
func (c *Client) Reconciliations(ctx context.Context, q ReconciliationsQuery) (*ReconciliationPage, error) {
	v := url.Values{}
	if q.AccountID != "" {
		v.Set("account_id", q.AccountID)
	}
	if q.Status != "" {
		v.Set("status", q.Status)
	}
	if !q.From.IsZero() {
		v.Set("from", q.From.UTC().Format(time.RFC3339Nano))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.UTC().Format(time.RFC3339Nano))
	}
	return call[ReconciliationPage](ctx, c, http.MethodGet, "/v1/reconciliations", pageQuery(v, q.Cursor, q.Limit), nil)
}
