package coffer

import (
	"context"
	"math/big"
	"time"
)

// ChainBlock is a block the chain watcher accepted as canonical: the store keeps the newest few
// of each chain, so that the next block's parent hash can be checked against them and a reorg
// walked back to its common ancestor, across restarts too. Hashes are lowercase 0x-prefixed hex.
type ChainBlock struct {
	Chain      string // the chain's name
	Number     uint64
	Hash       string
	ParentHash string
}

// DepositStatus is where a deposit stands.
type DepositStatus string

// The deposit statuses. A deposit is pending from the first canonical block that holds it until
// that block is Confirmations deep (confirmed), or until its block is abandoned by a reorg and
// the transaction does not reappear within Confirmations blocks past the fork point (orphaned).
// An amount the ledger cannot hold is refused: recorded, never credited.
const (
	DepositPending   DepositStatus = "pending"
	DepositConfirmed DepositStatus = "confirmed"
	DepositOrphaned  DepositStatus = "orphaned"
	DepositRefused   DepositStatus = "refused"
)

// Deposit is one transfer into a deposit address seen on a chain.
type Deposit struct {
	// Key names the deposit for good: "<chain id>:<tx hash>:<position>", position the index of
	// the Transfer log among its transaction's logs, or "native" for the transaction's own value.
	// A transaction re-included in another block after a reorg keeps its key.
	Key    string
	Chain  string // the chain's name
	Asset  string // the ledger asset
	TxHash string
	From   string
	To     string // the deposit address
	Owner  string // whose address it is, as the deposit-address store says
	Amount *big.Int
	Status DepositStatus
	// BlockNumber and BlockHash are the canonical block holding the deposit; both are zero
	// while it is out of the canonical chain after a reorg, ForkedAt then being the common
	// ancestor's number.
	BlockNumber uint64
	BlockHash   string
	ForkedAt    uint64
	Reason      string // why it was refused
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// DepositFilter selects a chain's deposits in one status, from a block number up.
type DepositFilter struct {
	Chain     string
	Status    DepositStatus
	BlockFrom uint64
}

// DepositCursor is the position of a deposit in the listing of ListDeposits: by CreatedAt, then
// Key.
type DepositCursor struct {
	CreatedAt time.Time
	Key       string
}

// DepositQuery selects a page of deposits for people, newest first: by CreatedAt, then Key, both
// descending. Empty fields match all.
type DepositQuery struct {
	Chain   string
	Asset   string
	Owner   string
	Address string // the deposit address, lowercase as stored
	TxHash  string // lowercase as stored
	Status  DepositStatus
	Before  *DepositCursor // cursor: only deposits after this one in the listing
	Limit   int            // PageSizeDefault when zero, at most ListRowsMax
}

// ChainWatchStore keeps what the chain watcher needs between passes: each chain's newest
// accepted blocks and the deposits seen. A capability of its own beside Store, implemented by
// both stores. One watcher writes a chain at a time (the duty's lease sees to it), so the
// methods need no fence.
type ChainWatchStore interface {
	// ChainBlocks returns the chain's stored blocks numbered from from up, in order.
	ChainBlocks(ctx context.Context, chain string, from uint64) ([]ChainBlock, error)
	// ChainTop returns the chain's highest stored block: the watcher's cursor. A chain never
	// scanned is ENOTFOUND.
	ChainTop(ctx context.Context, chain string) (ChainBlock, error)
	// AcceptChainBlock stores b; a block of that number already stored is ECONFLICT.
	AcceptChainBlock(ctx context.Context, b ChainBlock) error
	// AbandonChainBlocks deletes the chain's blocks numbered above ancestor: a reorg.
	AbandonChainBlocks(ctx context.Context, chain string, ancestor uint64) error
	// PruneChainBlocks deletes the chain's blocks numbered below below.
	PruneChainBlocks(ctx context.Context, chain string, below uint64) error
	// PutDeposit stores d, replacing the deposit of the same Key; CreatedAt is kept from the
	// first.
	PutDeposit(ctx context.Context, d Deposit) error
	// Deposit returns the deposit with key, or ENOTFOUND.
	Deposit(ctx context.Context, key string) (Deposit, error)
	// Deposits lists the deposits f selects, by block number then key. It is not paged: the
	// watcher asks for pending deposits, which confirmations keep few.
	Deposits(ctx context.Context, f DepositFilter) ([]Deposit, error)
	// ListDeposits returns a page of the deposits q selects, newest first, for the API.
	ListDeposits(ctx context.Context, q DepositQuery) ([]Deposit, error)
}
