package coffer

import (
	"context"
	"time"
)

// StatementImportStatus is where an import of an outside statement stands.
type StatementImportStatus string

// The statuses: its lines are being stored and matched (running), it is done, or it failed and
// may be sent again under its id.
const (
	ImportRunning StatementImportStatus = "running"
	ImportDone    StatementImportStatus = "done"
	ImportFailed  StatementImportStatus = "failed"
)

// StatementImport is an outside statement of one account (a bank's, a payment provider's
// settlement file) imported and matched against the account's transfers over a period: a
// reconciliation against a statement. Its ID is the caller's idempotency key; ContentHash
// identifies what was sent (the file and how to read it), so the same id with other content is a
// conflict.
type StatementImport struct {
	ID          string
	AccountID   string
	Asset       string
	Format      string // csv or jsonl
	ContentHash string
	// From and To bound the period [From, To): the ledger's transfers in it that no line
	// matches are exceptions. Window is how far apart in time a line and a transfer may be.
	From, To time.Time
	Window   time.Duration
	Status   StatementImportStatus
	// Lines is the statement's line count; LinesRead how many are stored so far; Matched and
	// Exceptions are counted as matching ends (matched lines, and open plus resolved
	// exceptions).
	Lines      int64
	LinesRead  int64
	Matched    int64
	Exceptions int64
	Error      string // why it failed
	CreatedBy  string // the API key's id
	CreatedAt  time.Time
	UpdatedAt  time.Time // the worker's last progress: a running import long unchanged was abandoned
	FinishedAt *time.Time
}

// StatementLine is one line of an imported statement. Date is its moment, or the start of its
// day when the statement gives dates only (Day). Direction is the account's side: credit for
// money in.
type StatementLine struct {
	ImportID    string
	Line        int64 // its line number in the file, the header being line 1 of a CSV
	Date        time.Time
	Day         bool
	Amount      Amount
	Direction   Side
	Reference   string
	Description string
}

// MatchRule says how a statement line and a transfer were matched.
type MatchRule string

// The rules, in the order they are applied, and an operator's match by hand.
const (
	RuleReference  MatchRule = "reference"
	RuleAmountDate MatchRule = "amount_date"
	RuleSettlement MatchRule = "settlement"
	RuleManual     MatchRule = "manual"
)

// StatementMatch pairs a statement line with a transfer; a settlement line has one match per
// transfer it sums. A transfer is matched at most once per import.
type StatementMatch struct {
	ImportID   string
	Line       int64
	TransferID string
	Rule       MatchRule
	By         string // the API key that matched it by hand; empty for the rules
	At         time.Time
}

// ExceptionKind says which side an exception lacks.
type ExceptionKind string

// A statement line that matched no transfer, or a transfer of the period that no line matched.
const (
	ExceptionLine     ExceptionKind = "line"
	ExceptionTransfer ExceptionKind = "transfer"
)

// ExceptionResolution is how an operator closed an exception.
type ExceptionResolution string

// The resolutions: matched by hand, explained with a note, or corrected by an adjustment.
const (
	ResolvedMatched   ExceptionResolution = "matched"
	ResolvedExplained ExceptionResolution = "explained"
	ResolvedAdjusted  ExceptionResolution = "adjusted"
)

// StatementException is an unmatched line or transfer of an import, open until an operator
// resolves it. Seq numbers the import's exceptions from 1. Amount, Direction and Date are the
// line's, or the transfer's as the account saw it. Reason says why the rules left it, and
// Candidate names the transfer (or line) that came closest, if any.
type StatementException struct {
	ImportID   string
	Seq        int64
	Kind       ExceptionKind
	Line       int64  // a line's exception
	TransferID string // a transfer's exception
	Amount     Amount
	Direction  Side
	Date       time.Time
	Reason     string
	Candidate  string

	Resolution ExceptionResolution // empty while open
	// MatchedLine or MatchedTransfer is what it was matched to by hand.
	MatchedLine     int64
	MatchedTransfer string
	AdjustmentID    string // the adjustment's transfer
	Note            string
	ResolvedBy      string // the API key's id
	ResolvedAt      *time.Time
}

// Open reports whether the exception awaits an operator.
func (e StatementException) Open() bool { return e.Resolution == "" }

// StatementExceptionFilter selects an import's exceptions in Seq order: open ones, resolved
// ones, or both (Status empty), after the cursor.
type StatementExceptionFilter struct {
	ImportID string
	Status   string // "", "open" or "resolved"
	// Line or TransferID, if set, picks the exceptions of that line or transfer.
	Line       int64
	TransferID string
	AfterSeq   int64
	Limit      int
}

// StatementMatchFilter selects an import's matches in the order of line, then transfer id,
// after the cursor: past the match (AfterLine, AfterTransferID), or past every match of
// AfterLine when AfterTransferID is empty. A settlement line has several matches, so a page
// may end inside one line.
type StatementMatchFilter struct {
	ImportID        string
	AfterLine       int64
	AfterTransferID string
	Limit           int
}

// StatementImportStore keeps statement imports, their lines, matches and exceptions: a
// capability of its own beside Store, both stores have it.
type StatementImportStore interface {
	// PutStatementImport stores imp unless its ID is taken, and returns the stored one and
	// whether it is new.
	PutStatementImport(ctx context.Context, imp StatementImport) (StatementImport, bool, error)
	// StatementImport returns the import with id, or ENOTFOUND.
	StatementImport(ctx context.Context, id string) (StatementImport, error)
	// UpdateStatementImport writes imp's status, progress, error, UpdatedAt and FinishedAt.
	UpdateStatementImport(ctx context.Context, imp StatementImport) error
	// RestartStatementImport deletes the lines, matches and exceptions of imp.ID and writes imp
	// over its row, if the row's UpdatedAt is still was (so that of two restarts one wins); else
	// ECONFLICT.
	RestartStatementImport(ctx context.Context, imp StatementImport, was time.Time) error
	// AddStatementLines, AddStatementMatches and AddStatementExceptions insert rows in bulk.
	AddStatementLines(ctx context.Context, lines []StatementLine) error
	AddStatementMatches(ctx context.Context, matches []StatementMatch) error
	AddStatementExceptions(ctx context.Context, exceptions []StatementException) error
	// StatementLine returns one line, or ENOTFOUND.
	StatementLine(ctx context.Context, importID string, line int64) (StatementLine, error)
	// StatementMatches lists an import's matches as f selects.
	StatementMatches(ctx context.Context, f StatementMatchFilter) ([]StatementMatch, error)
	// TransferMatched reports the line a transfer is matched to in the import, or 0.
	TransferMatched(ctx context.Context, importID, transferID string) (int64, error)
	// StatementException returns one exception, or ENOTFOUND.
	StatementException(ctx context.Context, importID string, seq int64) (StatementException, error)
	// StatementExceptions lists exceptions as f selects.
	StatementExceptions(ctx context.Context, f StatementExceptionFilter) ([]StatementException, error)
	// ResolveStatementExceptions resolves the exceptions (one, or a line's and a transfer's
	// matched to each other) and inserts the matches, in one transaction: ECONFLICT if one is
	// resolved already or a transfer is matched already, and then nothing changes.
	ResolveStatementExceptions(ctx context.Context, resolved []StatementException, matches []StatementMatch) error
}
