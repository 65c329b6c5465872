package coffer

import (
	"context"
	"time"
)

// PendingFilter selects pending transfers that have a timeout, ordered by (ExpiresAt, ID):
// the soonest to expire first.
type PendingFilter struct {
	// Type, if set, keeps only transfers of this type (hold, withdrawal).
	Type TransferType
	// AfterExpiresAt and AfterID continue after that transfer; a zero AfterExpiresAt starts at
	// the first.
	AfterExpiresAt time.Time
	AfterID        string
	Limit          int
}

// PendingStore lists the transfers still pending that will expire, soonest first, for the
// dashboard's holds and withdrawals. It reads the index of pending transfers by expiry that
// the expiry duty reads, so a page costs what is pending, not what the ledger holds. A pending
// transfer without a timeout is not listed. It takes no lock.
type PendingStore interface {
	PendingTransfers(ctx context.Context, f PendingFilter) ([]Transfer, error)
}
