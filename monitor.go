package coffer

import (
	"context"
	"time"
)

// MonitorCondition is what a balance monitor watches for.
type MonitorCondition string

// The conditions: the balance or the available below or above the threshold, held (pending
// debits) above it, or no entry on the account for the period.
const (
	MonitorBalanceBelow   MonitorCondition = "balance_below"
	MonitorBalanceAbove   MonitorCondition = "balance_above"
	MonitorAvailableBelow MonitorCondition = "available_below"
	MonitorAvailableAbove MonitorCondition = "available_above"
	MonitorHeldAbove      MonitorCondition = "held_above"
	MonitorNoMovement     MonitorCondition = "no_movement"
)

// MonitorConditions lists every condition.
var MonitorConditions = []MonitorCondition{MonitorBalanceBelow, MonitorBalanceAbove, MonitorAvailableBelow,
	MonitorAvailableAbove, MonitorHeldAbove, MonitorNoMovement}

// The events of a monitor's edges: triggered when its condition starts being true for an
// account, cleared when it stops. Their data is a MonitorNotice.
const (
	EventMonitorTriggered = "monitor.triggered"
	EventMonitorCleared   = "monitor.cleared"
)

// Monitor is an operator's condition on one account, or on every account of an asset, which
// yields an event at each edge. Threshold is exact, in the asset's minor unit; Period is the
// no_movement condition's.
type Monitor struct {
	ID          string
	AccountID   string // the account watched, or "" with Asset
	Asset       string // the asset: its every account when AccountID is ""
	Condition   MonitorCondition
	Threshold   Amount
	Period      time.Duration
	Description string
	CreatedBy   string // the API key's id
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// MonitorState is whether a monitor's condition holds for one account, as last evaluated.
type MonitorState struct {
	MonitorID string
	AccountID string
	Triggered bool
	ChangedAt time.Time
}

// MonitorNotice is the data of the monitor.* events.
type MonitorNotice struct {
	MonitorID   string           `json:"monitor_id"`
	AccountID   string           `json:"account_id"`
	Asset       string           `json:"asset"`
	Condition   MonitorCondition `json:"condition"`
	Threshold   Amount           `json:"threshold"` // minor units, as the ledger's snapshots
	PeriodSecs  int64            `json:"period_seconds,omitempty"`
	Triggered   bool             `json:"triggered"`
	Balance     Amount           `json:"balance"`
	Available   Amount           `json:"available"`
	Held        Amount           `json:"held"`
	LastEntryAt *time.Time       `json:"last_entry_at,omitempty"`
	Description string           `json:"description,omitempty"`
}

// MonitorFilter selects monitors by id order: of one account, or of an asset (those on the
// asset and those on its accounts), after AfterID.
type MonitorFilter struct {
	AccountID string
	Asset     string
	AfterID   string
	Limit     int
}

// MonitorStore keeps the monitors and their states: a capability of its own beside Store,
// both stores have it.
type MonitorStore interface {
	// CreateMonitor stores m; a taken id is ECONFLICT.
	CreateMonitor(ctx context.Context, m Monitor) error
	// UpdateMonitor changes m's definition and forgets its states, so that it is evaluated
	// afresh; ENOTFOUND if there is none.
	UpdateMonitor(ctx context.Context, m Monitor) error
	// DeleteMonitor removes the monitor id and its states; ENOTFOUND if there is none.
	DeleteMonitor(ctx context.Context, id string) error
	// Monitor returns the monitor id, or ENOTFOUND.
	Monitor(ctx context.Context, id string) (Monitor, error)
	// Monitors lists monitors as f selects, by id.
	Monitors(ctx context.Context, f MonitorFilter) ([]Monitor, error)
	// MonitorsOf returns the monitors that watch any of the accounts or assets given.
	MonitorsOf(ctx context.Context, accounts, assets []string) ([]Monitor, error)
	// MonitorStates returns the states of monitor id (for every account it has evaluated).
	MonitorStates(ctx context.Context, id string) ([]MonitorState, error)
	// SetMonitorState records s and writes e in one transaction, if the monitor still exists
	// and its state for the account differs (an account never evaluated counts as not
	// triggered); otherwise it writes nothing and returns false. So each edge is one event,
	// however often it is evaluated.
	SetMonitorState(ctx context.Context, s MonitorState, e Event) (bool, error)
}
