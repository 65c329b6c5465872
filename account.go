package coffer

import (
	"regexp"
	"time"
)

// AccountKind says whose money an account holds.
type AccountKind string

const (
	KindWallet   AccountKind = "wallet"   // a user's balance in one asset
	KindMerchant AccountKind = "merchant" // a payee of payments
	KindSystem   AccountKind = "system"   // the business's own: world, fees, exchange pool, holds
)

// System account owners. Each asset has one account of each, created with the asset.
const (
	OwnerWorld    = "world"    // money enters and leaves through it; its balance is minus all others
	OwnerFees     = "fees"     // collects payment fees
	OwnerExchange = "exchange" // the pool that exchanges pass through
)

// SystemOwners lists the system accounts every asset gets when it is created.
var SystemOwners = []string{OwnerWorld, OwnerFees, OwnerExchange}

var ownerRE = regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,64}$`)

// ValidateOwner checks an owner name: 1 to 64 letters, digits, "_", ".", "@" or "-".
func ValidateOwner(owner string) error {
	if !ownerRE.MatchString(owner) {
		return Errorf(EINVALID, "owner %q must be 1 to 64 letters, digits, '_', '.', '@' or '-'", owner)
	}
	return nil
}

// ValidKind reports whether k is one of the account kinds.
func ValidKind(k AccountKind) bool {
	return k == KindWallet || k == KindMerchant || k == KindSystem
}

// AccountID is the id of the one account of a kind that an owner has in an asset, for example
// "wallet:1001:USD" or "system:world:USD". Ids are deterministic so that a wallet can be created on
// first use by any process without a lookup.
func AccountID(kind AccountKind, owner, asset string) string {
	return string(kind) + ":" + owner + ":" + asset
}

// Account holds one owner's balance in one asset. Balances are kept as four running totals, as in
// double-entry bookkeeping; the wallet figures derive from them:
//
//	balance   = CreditsPosted - DebitsPosted
//	held      = DebitsPending            (pending out: holds, withdrawals in flight)
//	incoming  = CreditsPending
//	available = balance - held
//
// Every total stays within [0, MaxAmount] and so does DebitsPosted+DebitsPending (and likewise for
// credits), so the derived figures never overflow.
type Account struct {
	ID    string      `json:"id"`
	Owner string      `json:"owner"`
	Asset string      `json:"asset"`
	Kind  AccountKind `json:"kind"`

	// OverdraftLimit is how far below zero available may go; OverdraftUnlimited lifts the floor
	// (system accounts, the world above all).
	OverdraftLimit     Amount `json:"overdraft_limit"`
	OverdraftUnlimited bool   `json:"overdraft_unlimited,omitempty"`

	// LockedDebits and LockedCredits refuse transfers out of and into the account.
	LockedDebits  bool   `json:"locked_debits,omitempty"`
	LockedCredits bool   `json:"locked_credits,omitempty"`
	LockReason    string `json:"lock_reason,omitempty"`

	DebitsPending  Amount `json:"debits_pending"`
	DebitsPosted   Amount `json:"debits_posted"`
	CreditsPending Amount `json:"credits_pending"`
	CreditsPosted  Amount `json:"credits_posted"`

	// Seq is the sequence number of the account's last entry; 0 before the first.
	Seq uint64 `json:"seq"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Balance returns CreditsPosted - DebitsPosted.
func (a *Account) Balance() Amount {
	b, _ := a.CreditsPosted.Sub(a.DebitsPosted)
	return b
}

// Held returns the pending debits.
func (a *Account) Held() Amount { return a.DebitsPending }

// Incoming returns the pending credits.
func (a *Account) Incoming() Amount { return a.CreditsPending }

// Available returns the balance less what is held.
func (a *Account) Available() Amount {
	b, _ := a.Balance().Sub(a.DebitsPending)
	return b
}
