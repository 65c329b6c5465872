package coffer

import "time"

// Side is the side of an account an entry changes.
type Side string

const (
	Debit  Side = "debit"
	Credit Side = "credit"
)

// Phase says which running total an entry changes, always by its positive Amount:
//
//	posted:   Debits/CreditsPosted  += Amount
//	pending:  Debits/CreditsPending += Amount
//	released: Debits/CreditsPending -= Amount (a pending transfer posted, voided or expired)
//
// Posting a pending transfer writes two entries per account: released for the pending amount,
// then posted for the amount posted.
type Phase string

const (
	PhasePosted   Phase = "posted"
	PhasePending  Phase = "pending"
	PhaseReleased Phase = "released"
)

// Entry is one change to one account's balances. Seq is gapless per account, starting at 1.
// BalanceBefore/After and AvailableBefore/After are the account's figures around the change, so a
// history reads without replaying.
type Entry struct {
	AccountID       string       `json:"account_id"`
	Seq             uint64       `json:"seq"`
	TransferID      string       `json:"transfer_id"`
	Type            TransferType `json:"type"`
	Phase           Phase        `json:"phase"`
	Side            Side         `json:"side"`
	Amount          Amount       `json:"amount"`
	BalanceBefore   Amount       `json:"balance_before"`
	BalanceAfter    Amount       `json:"balance_after"`
	AvailableBefore Amount       `json:"available_before"`
	AvailableAfter  Amount       `json:"available_after"`
	CreatedAt       time.Time    `json:"created_at"`
}
