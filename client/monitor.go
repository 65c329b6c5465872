package client

import (
	"context"
	"net/http"
	"net/url"
)

// MonitorRequest is the body of POST /v1/monitors: a condition on one account, or on every
// account of an asset, that yields monitor.triggered when it starts being true for an account
// and monitor.cleared when it stops.
type MonitorRequest struct {
	// ID names the monitor.
	ID string `json:"id"`
	// AccountID is the account watched; or give Asset to watch every account of an asset.
	AccountID string `json:"account_id,omitempty"`
	// Asset is the asset whose every account is watched, when AccountID is empty.
	Asset string `json:"asset,omitempty"`
	// Condition is balance_below, balance_above, available_below, available_above,
	// held_above or no_movement.
	Condition string `json:"condition"`
	// Threshold is an amount of the asset in major units, zero or more; not for no_movement.
	Threshold string `json:"threshold,omitempty"`
	// PeriodSeconds is how long without an entry makes no_movement true; only for it.
	PeriodSeconds int64 `json:"period_seconds,omitempty"`
	// Description is free text for the operator.
	Description string `json:"description,omitempty"`
}

// UpdateMonitorRequest is the body of PATCH /v1/monitors/{id}: the fields given change, and the
// monitor is evaluated afresh.
type UpdateMonitorRequest struct {
	// Condition replaces the condition.
	Condition *string `json:"condition,omitempty"`
	// Threshold replaces the threshold.
	Threshold *string `json:"threshold,omitempty"`
	// PeriodSeconds replaces the period.
	PeriodSeconds *int64 `json:"period_seconds,omitempty"`
	// Description replaces the description.
	Description *string `json:"description,omitempty"`
}

// Monitor is a balance monitor, with where it stands for each account it has evaluated.
type Monitor struct {
	// ID is the monitor's id.
	ID string `json:"id"`
	// AccountID is the account watched; empty when the monitor watches every account of Asset.
	AccountID string `json:"account_id,omitempty"`
	// Asset is the asset.
	Asset string `json:"asset"`
	// Condition is what it watches for.
	Condition string `json:"condition"`
	// Threshold is in the asset's major unit.
	Threshold string `json:"threshold"`
	// PeriodSeconds is no_movement's period.
	PeriodSeconds int64 `json:"period_seconds,omitempty"`
	// Description is the operator's text.
	Description string `json:"description,omitempty"`
	// CreatedBy is the id of the API key that created it.
	CreatedBy string `json:"created_by"`
	// CreatedAt is when it was created.
	CreatedAt Time `json:"created_at"`
	// UpdatedAt is when it last changed.
	UpdatedAt Time `json:"updated_at"`
	// States are the accounts it has evaluated, with whether the condition holds for each.
	States []MonitorState `json:"states,omitempty"`
}

// MonitorState is whether a monitor's condition held for an account when last evaluated.
type MonitorState struct {
	// AccountID is the account.
	AccountID string `json:"account_id"`
	// Triggered says whether the condition holds.
	Triggered bool `json:"triggered"`
	// ChangedAt is when it last changed.
	ChangedAt Time `json:"changed_at"`
}

// MonitorPage is a page of monitors, by id.
type MonitorPage struct {
	// Monitors are the page's.
	Monitors []Monitor `json:"monitors"`
	// HasMore says whether more follow this page.
	HasMore bool `json:"has_more"`
	// NextCursor is the Cursor of the next page, set only when HasMore.
	NextCursor string `json:"next_cursor,omitempty"`
}

// MonitorsQuery selects monitors; empty fields match all.
type MonitorsQuery struct {
	// AccountID selects one account's.
	AccountID string
	// Asset selects one asset's.
	Asset string
	// Cursor is a NextCursor of the page before; empty for the first page.
	Cursor string
	// Limit is the most on the page; 0 is the server's default.
	Limit int
}

// CreateMonitor creates a balance monitor (operator).
func (c *Client) CreateMonitor(ctx context.Context, req MonitorRequest) (*Monitor, error) {
	return call[Monitor](ctx, c, http.MethodPost, "/v1/monitors", nil, req)
}

// Monitor returns the monitor with id and its states.
func (c *Client) Monitor(ctx context.Context, id string) (*Monitor, error) {
	return call[Monitor](ctx, c, http.MethodGet, "/v1/monitors/"+pathID(id), nil, nil)
}

// Monitors lists monitors by id.
func (c *Client) Monitors(ctx context.Context, q MonitorsQuery) (*MonitorPage, error) {
	v := url.Values{}
	if q.AccountID != "" {
		v.Set("account_id", q.AccountID)
	}
	if q.Asset != "" {
		v.Set("asset", q.Asset)
	}
	return call[MonitorPage](ctx, c, http.MethodGet, "/v1/monitors", pageQuery(v, q.Cursor, q.Limit), nil)
}

// UpdateMonitor changes a monitor (operator); it is evaluated afresh.
func (c *Client) UpdateMonitor(ctx context.Context, id string, req UpdateMonitorRequest) (*Monitor, error) {
	return call[Monitor](ctx, c, http.MethodPatch, "/v1/monitors/"+pathID(id), nil, req)
}

// DeleteMonitor deletes a monitor (operator) and answers it as it was.
func (c *Client) DeleteMonitor(ctx context.Context, id string) (*Monitor, error) {
	return call[Monitor](ctx, c, http.MethodDelete, "/v1/monitors/"+pathID(id), nil, nil)
}
