package coffer

import (
	"context"
	"time"
)

// CoinRecord is one write of the coin wallet compatibility profile (compat/coinwallet) under
// its transaction id, as the profile answered it the first time: a recharge, pay or exchange
// that was done, or one the ledger refused (an overdraft, a locked wallet). The profile lists
// them as the user's coin stream, the failed ones too, and answers a replay of the
// transaction id from it. The money itself is in the ledger, under the same id.
type CoinRecord struct {
	ID    string // the transaction id, also the ledger's operation id
	Owner string // the wallet owner: the user's uid as decimal text
	Kind  string // recharge, pay or exchange
	// Request is what was asked, as the profile renders it (JSON); Fingerprint identifies it, so
	// that the same id asked again with other parameters is a conflict.
	Request     []byte
	Fingerprint string
	// Failed is set when the ledger refused the write; Code and Message say why.
	Failed  bool
	Code    string
	Message string
	// Answer is the body the profile answered with (JSON): the balances after a done write.
	Answer    []byte
	CreatedAt time.Time
}

// CoinRecordPageMax caps a page of CoinRecords, and CoinRecordOffsetMax how far into a user's
// records a page may start: offset paging reads and skips the rows before it.
const (
	CoinRecordPageMax   = 100
	CoinRecordOffsetMax = 10_000
	// CoinRecordBatchMax caps the records of one PutCoinRecords.
	CoinRecordBatchMax = 1000
)

// CoinRecordStore keeps the coin wallet profile's records: a capability of its own beside
// Store, both stores have it.
type CoinRecordStore interface {
	// PutCoinRecords stores each record of rs whose ID is not taken, all in one transaction
	// (one commit for many: the profile gathers the records of the writes in flight), and
	// returns the stored record of each ID, in the order of rs: the one given if it is new,
	// else the one stored before. rs holds distinct IDs, at most CoinRecordBatchMax.
	PutCoinRecords(ctx context.Context, rs []CoinRecord) ([]CoinRecord, error)
	// CoinRecord returns the record with id, or ENOTFOUND.
	CoinRecord(ctx context.Context, id string) (CoinRecord, error)
	// CoinRecords lists owner's records newest first (by CreatedAt, then ID), skipping offset
	// of them, at most limit (1 to CoinRecordPageMax+1: a page and one more, to tell whether
	// more follow; offset at most CoinRecordOffsetMax).
	CoinRecords(ctx context.Context, owner string, offset, limit int) ([]CoinRecord, error)
}
