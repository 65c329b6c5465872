package coffer

import (
	"context"
	"errors"
	"time"
)

// ErrRetry marks a write that lost a race with a concurrent writer (a serialization failure, a
// deadlock, or a unique key taken by a transaction that committed first). Nothing was written; the
// caller runs the whole transaction again, and will then see the other writer's rows.
var ErrRetry = errors.New("concurrent write; retry the transaction")

// Store persists the ledger. It knows no rules: the ledger package decides, the Store reads and
// writes. Every implementation passes the suite in storetest. Capabilities that only some readers
// need are narrow interfaces of their own beside it, which a store implements too:
// OperationStore lists the recorded operations.
//
// Read methods return an *Error with ENOTFOUND for a missing asset, account, transfer or key.
// Times are stored with microsecond precision in UTC; callers truncate before writing.
type Store interface {
	// Write runs fn in one database transaction and commits if fn returns nil; otherwise it rolls
	// back and returns fn's error. A commit that loses a race returns an error wrapping ErrRetry.
	Write(ctx context.Context, fn func(WriteTx) error) error

	Asset(ctx context.Context, code string) (Asset, error)
	Assets(ctx context.Context) ([]Asset, error)
	Account(ctx context.Context, id string) (Account, error)
	Accounts(ctx context.Context, f AccountFilter) ([]Account, error)
	Transfer(ctx context.Context, id string) (Transfer, error)
	Transfers(ctx context.Context, f TransferFilter) ([]Transfer, error)
	// AccountTransfers lists the transfers of one account, on either side, through the account's
	// entries: no index of the transfers table is keyed by account.
	AccountTransfers(ctx context.Context, f AccountTransferFilter) ([]AccountTransfer, error)
	Entries(ctx context.Context, f EntryFilter) ([]Entry, error)
	// Events returns up to limit events with Seq > after, in Seq order.
	Events(ctx context.Context, after uint64, limit int) ([]Event, error)
	// ExpiredTransfers returns the ids of up to limit pending transfers whose ExpiresAt <= now,
	// earliest first.
	ExpiredTransfers(ctx context.Context, now time.Time, limit int) ([]string, error)

	// Scan calls the functions for every account (by id), every transfer (by id) and every entry
	// (by account id, then seq), for integrity checks; a nil function skips that kind. It stops at
	// the first error a function returns.
	Scan(ctx context.Context, s Scanner) error

	// CreateKey stores a new key (a taken id or secret is ECONFLICT) and, in the same
	// transaction, the events given (key.created), numbered and chained as Save numbers them.
	CreateKey(ctx context.Context, k Key, events ...Event) error
	KeyByHash(ctx context.Context, hash string) (Key, error)
	Keys(ctx context.Context) ([]Key, error)
	// RevokeKey sets RevokedAt on a key that is not yet revoked, and writes the events given
	// (key.revoked) in the same transaction; ENOTFOUND, and nothing written, if there is none.
	RevokeKey(ctx context.Context, id string, at time.Time, events ...Event) error

	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// WriteTx is the view of one write transaction. Its methods fail only on database errors.
type WriteTx interface {
	// Operations returns the recorded operations among ids, keyed by id.
	Operations(ctx context.Context, ids []string) (map[string]*Operation, error)
	// Assets returns the assets among codes, keyed by code.
	Assets(ctx context.Context, codes []string) (map[string]Asset, error)
	// LockAccounts locks the accounts among ids until the transaction ends and returns them, keyed
	// by id; ids that do not exist are absent. Rows are locked in ascending id order so that
	// concurrent writers never deadlock; call it once per transaction.
	LockAccounts(ctx context.Context, ids []string) (map[string]*Account, error)
	// Transfers returns the transfers among ids, keyed by id. A transfer changes only while its
	// two accounts are locked, so after LockAccounts of those accounts what it returns is current.
	Transfers(ctx context.Context, ids []string) (map[string]*Transfer, error)
	// Save writes the changes. It assigns Seq, ID and Hash to c.Events, continuing the global
	// sequence and the hash chain (coffer.ChainEvent) under a lock held until commit, so events
	// are numbered and chained in commit order without gaps.
	Save(ctx context.Context, c *Changes) error
}

// Changes is everything one write transaction writes.
type Changes struct {
	NewAssets    []Asset
	NewAccounts  []*Account  // inserted; a taken id fails the transaction with ErrRetry
	Accounts     []*Account  // updated: balances, Seq, overdraft and lock fields, UpdatedAt
	NewTransfers []*Transfer // inserted; a taken id fails the transaction with ErrRetry
	Transfers    []*Transfer // updated: State, PostedAmount, Refunded, ResolvedAt
	Entries      []Entry
	Events       []Event
	Operations   []Operation
}

// Scanner holds the callbacks of Store.Scan.
type Scanner struct {
	Account  func(Account) error
	Transfer func(Transfer) error
	Entry    func(Entry) error
	// Head is called once, before Event, with the chain head the store keeps beside the
	// events (the last seq handed out and its hash).
	Head func(ChainHead) error
	// Event is called for every event in seq order.
	Event func(Event) error
}

// Paging limits shared by the list endpoints. A Store's list methods return at most
// ListRowsMax rows: the largest page and one row more, by whose presence a listing learns that
// more follow without a second query.
const (
	PageSizeDefault = 50
	PageSizeMax     = 1000
	ListRowsMax     = PageSizeMax + 1
)

// AccountFilter selects accounts, ordered by id. Empty fields match all.
type AccountFilter struct {
	Owner   string
	Asset   string
	Kind    AccountKind
	AfterID string // cursor: only ids greater than this
	Limit   int
}

// TransferFilter selects transfers, ordered by (CreatedAt, ID), oldest first unless Desc.
type TransferFilter struct {
	Type      TransferType
	Reference string
	From, To  time.Time // CreatedAt in [From, To); zero means unbounded
	// Cursor: continue after (AfterTime, AfterID) in the listing's order; zero AfterTime starts at
	// the beginning.
	AfterTime time.Time
	AfterID   string
	Desc      bool
	Limit     int
}

// AccountTransferFilter selects the transfers of one account, on the debit or the credit side,
// in the order they reached it: by the Seq of the account's entry that recorded each transfer's
// creation (its pending entry if it was created pending, else its posted entry). That is commit
// order for the account, and CreatedAt order but for transfers committed within moments of each
// other by concurrent writers.
type AccountTransferFilter struct {
	AccountID string
	Type      TransferType
	Reference string
	From, To  time.Time // CreatedAt in [From, To); zero means unbounded
	AfterSeq  uint64    // cursor: past this Seq in the listing's order; 0 starts at the beginning
	Desc      bool
	Limit     int
}

// AccountTransfer is one transfer of an account listing with the Seq of the account's entry that
// recorded its creation, the listing's cursor.
type AccountTransfer struct {
	Seq      uint64
	Transfer Transfer
}

// EntryFilter selects one account's entries, ordered by Seq, oldest first unless Desc.
type EntryFilter struct {
	AccountID string
	Type      TransferType
	From, To  time.Time // CreatedAt in [From, To)
	AfterSeq  uint64    // cursor: entries past this seq in the listing's order; 0 starts at the beginning
	Desc      bool
	Limit     int
}
