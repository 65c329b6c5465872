package coffer

import (
	"context"
	"math/big"
	"time"
)

// ChainReconLinesMax caps the lines one chain reconciliation stores: past it, the lines are
// counted in Omitted and the status still says mismatched. A reconciliation that finds more
// differences than this has found something for an operator to look into by hand.
const ChainReconLinesMax = 1000

// ChainReconLineKind says what one line of a chain reconciliation reports.
type ChainReconLineKind string

// The kinds of line. Balance: an address's balance of an asset on the chain at the pinned block
// differs from the ledger's custody balance for it. ChainOnly: a transfer into or out of a custody
// address that the chain has and the ledger does not know. LedgerOnly: a transfer the ledger
// booked (a deposit the watcher credited, a transaction the sender had mined) that the chain does
// not have where the ledger says.
const (
	ChainReconBalance    ChainReconLineKind = "balance"
	ChainReconChainOnly  ChainReconLineKind = "chain_only"
	ChainReconLedgerOnly ChainReconLineKind = "ledger_only"
)

// ChainReconLine is one difference a chain reconciliation found. Address is lowercase 0x-prefixed
// hex, as the stores keep addresses. Amounts are in the asset's minor unit (wei for ether).
type ChainReconLine struct {
	Kind    ChainReconLineKind
	Address string
	Asset   string
	// TxHash is the transfer's transaction for ChainOnly and LedgerOnly lines, "" for Balance.
	TxHash string
	// OnChain and Ledger are the two sides: the balances for a Balance line; for a transfer, the
	// amount it moved (positive into the address, negative out of it, the gas an address paid
	// counted in the native asset) on the side that has it, zero on the other. Difference is
	// OnChain less Ledger.
	OnChain    *big.Int
	Ledger     *big.Int
	Difference *big.Int
}

// ChainReconciliation is the ledger's custody of one chain checked against the chain at one
// block: every custody address's balance of every configured asset read at the block's hash, and
// the transfers of the blocks FromBlock to BlockNumber compared by transaction hash.
type ChainReconciliation struct {
	ID    string
	Chain string
	// BlockNumber and BlockHash pin the block compared: the head less the chain's confirmations
	// when it ran. FromBlock is the first block whose transfers were compared.
	BlockNumber uint64
	BlockHash   string
	FromBlock   uint64
	// Status is matched when there is no line, mismatched otherwise.
	Status ReconciliationStatus
	// Addresses and Assets count what was compared: custody addresses, and assets of the chain.
	Addresses int
	Assets    int
	Lines     []ChainReconLine
	// Omitted counts the lines past ChainReconLinesMax that were not stored.
	Omitted   int
	CreatedBy string // the API key's id, or "" when the scheduled duty ran it
	CreatedAt time.Time
}

// ChainReconciliationFilter selects chain reconciliations, newest first: by chain and status,
// and after the cursor (the last one's CreatedAt and ID).
type ChainReconciliationFilter struct {
	Chain  string
	Status ReconciliationStatus
	After  *ReconciliationCursor
	Limit  int // PageSizeDefault when zero, at most ListRowsMax
}

// ChainReconciliationStore keeps chain reconciliations and reads what they compare of the
// sender's intents: a capability of its own beside Store, both stores have it.
type ChainReconciliationStore interface {
	// PutChainReconciliation stores r with its lines in one transaction; a taken ID is
	// ECONFLICT and stores nothing.
	PutChainReconciliation(ctx context.Context, r ChainReconciliation) error
	// ChainReconciliation returns the one with id and its lines, or ENOTFOUND.
	ChainReconciliation(ctx context.Context, id string) (ChainReconciliation, error)
	// ChainReconciliations lists them as f selects, without their lines.
	ChainReconciliations(ctx context.Context, f ChainReconciliationFilter) ([]ChainReconciliation, error)
	// LastChainReconciliation returns the chain's newest reconciliation, without its lines, or
	// ENOTFOUND when it has none.
	LastChainReconciliation(ctx context.Context, chain string) (ChainReconciliation, error)
	// MinedSendIntents returns the chain's intents that ended mined (confirmed or failed) in
	// the blocks from to to, by block number then id.
	MinedSendIntents(ctx context.Context, chain string, from, to uint64) ([]SendIntent, error)
}
