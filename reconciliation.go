package coffer

import (
	"context"
	"time"
)

// ReconciliationStatus is how an account's balance compared with an outside figure.
type ReconciliationStatus string

// The statuses: the balances are equal (matched), differ by at most the tolerance
// (within_tolerance), or by more (mismatched).
const (
	ReconMatched         ReconciliationStatus = "matched"
	ReconWithinTolerance ReconciliationStatus = "within_tolerance"
	ReconMismatched      ReconciliationStatus = "mismatched"
)

// Reconciliation is an account's balance at the end of a period checked against a balance
// from outside (a bank's statement, a provider's settlement, an auditor's figure). Amounts are
// in the asset's minor unit; Difference is External less Ledger.
type Reconciliation struct {
	ID          string
	AccountID   string
	Asset       string
	PeriodStart *time.Time
	PeriodEnd   time.Time
	// Seq is the account's last entry at PeriodEnd: Ledger is its balance after it.
	Seq        uint64
	Ledger     Amount
	External   Amount
	Difference Amount
	Tolerance  Amount
	Status     ReconciliationStatus
	Source     string
	Note       string
	// Fingerprint identifies what was asked, so that the same id asked again with other
	// figures is a conflict.
	Fingerprint string
	CreatedBy   string // the API key's id
	CreatedAt   time.Time
}

// ReconciliationFilter selects reconciliations, newest first: by account and status, a period
// end at or after From and before To, and after the cursor (the last one's CreatedAt and ID).
type ReconciliationFilter struct {
	AccountID string
	Status    ReconciliationStatus
	From, To  time.Time
	After     *ReconciliationCursor
	Limit     int
}

// ReconciliationCursor is where a page of reconciliations ended.
type ReconciliationCursor struct {
	CreatedAt time.Time
	ID        string
}

// ReconciliationStore keeps reconciliations: a capability of its own beside Store, both
// stores have it.
type ReconciliationStore interface {
	// PutReconciliation stores r unless its ID is taken, and returns the stored one and whether
	// it is new.
	PutReconciliation(ctx context.Context, r Reconciliation) (Reconciliation, bool, error)
	// Reconciliation returns the one with id, or ENOTFOUND.
	Reconciliation(ctx context.Context, id string) (Reconciliation, error)
	// Reconciliations lists them as f selects.
	Reconciliations(ctx context.Context, f ReconciliationFilter) ([]Reconciliation, error)
}
