package coffer

import (
	"context"
	"time"
)

// DemoWallet is a wallet as the wallet demo's clients know it (the compatibility profile
// compat/walletdemo): a small number standing for one owner's wallet account in one asset.
// The number is all the profile keeps; balances and history are the account's.
type DemoWallet struct {
	ID        uint64
	Owner     string
	Asset     string
	CreatedAt time.Time
}

// AccountID is the wallet account the number stands for.
func (w DemoWallet) AccountID() string { return AccountID(KindWallet, w.Owner, w.Asset) }

// DemoWalletStore keeps the wallet demo profile's numbers: a capability of its own beside
// Store, both stores have it. Numbers are never reused.
type DemoWalletStore interface {
	// PutDemoWallet numbers the wallet of owner in asset unless it has a number, and returns
	// the stored one and whether it is new. Concurrent calls for one wallet get one number.
	PutDemoWallet(ctx context.Context, owner, asset string, at time.Time) (DemoWallet, bool, error)
	// DemoWallet returns the wallet numbered id, or ENOTFOUND.
	DemoWallet(ctx context.Context, id uint64) (DemoWallet, error)
	// AddDemoReconciliation numbers a new reconciliation of the wallet numbered walletID: the
	// number the profile's clients see, and from which the reconciliation's id is derived.
	AddDemoReconciliation(ctx context.Context, walletID uint64, at time.Time) (uint64, error)
}
