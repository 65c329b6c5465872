package coffer

import (
	"context"
	"time"
)

// DepositAddressLookupMax caps the addresses of one LookupDepositAddresses: the chain watcher
// asks about the recipients of one block range's transfers, thousands at most, and a bound keeps
// one query's parameters and memory small.
const DepositAddressLookupMax = 10_000

// DepositAddress is an owner's address on one EVM chain, where money sent to the owner arrives.
// An owner has one derivation index for every chain (Index, m/44'/60'/0'/0/Index), so the same
// address on each: money sent on the wrong chain lands on a key Coffer holds and stays
// recoverable.
type DepositAddress struct {
	Chain     string
	Address   string // EIP-55 checksummed, as shown to people
	Owner     string
	Index     uint32
	CreatedAt time.Time
}

// DepositAddressKey is the position of a deposit address in the listing: by Index, then Chain.
type DepositAddressKey struct {
	Index uint32
	Chain string
}

// DepositAddressFilter selects deposit addresses, oldest first: by Index (owners in the order
// they were first given one), then by Chain. Empty fields match all.
type DepositAddressFilter struct {
	Chain string
	Owner string
	After *DepositAddressKey // cursor: only addresses after this one
	Limit int                // PageSizeDefault when zero, at most ListRowsMax
}

// DepositAddressStore keeps the owners' deposit addresses and their derivation indexes. A
// capability of its own beside Store, implemented by both stores.
type DepositAddressStore interface {
	// AssignDepositAddress returns the owner's address on chain, and created false. If there is
	// none it creates it, in one transaction: the owner's index (the next free one on the
	// owner's first address on any chain; the same one after), the address derive gives for it,
	// and created true. Concurrent calls for one owner return the same address, and two owners
	// never share an index. An error from derive is returned and nothing is stored.
	AssignDepositAddress(ctx context.Context, chain, owner string, derive func(index uint32) (string, error)) (DepositAddress, bool, error)
	// DepositAddresses returns addresses as the filter selects, oldest first.
	DepositAddresses(ctx context.Context, f DepositAddressFilter) ([]DepositAddress, error)
	// LookupDepositAddresses returns those of addresses that are deposit addresses on chain,
	// compared without regard to case, each once, in no particular order; more than
	// DepositAddressLookupMax addresses is EINVALID.
	LookupDepositAddresses(ctx context.Context, chain string, addresses []string) ([]DepositAddress, error)
}
