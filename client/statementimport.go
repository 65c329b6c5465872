package client

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// StatementImportRequest asks for an account's statement from outside to be imported and
// matched: the query of POST /v1/statement-imports, whose body is the statement itself.
type StatementImportRequest struct {
	// ID names the import: the same id with the same statement answers the first import, with
	// another statement a conflict.
	ID string
	// AccountID is the account the statement is of.
	AccountID string
	// Format is csv (the default) or jsonl.
	Format string
	// From and To bound the period [From, To); zero for the statement's first and last days.
	From, To time.Time
	// Window is how far apart a line's date and its transfer's may be; 0 for the server's
	// default (72h).
	Window time.Duration
	// Columns maps a CSV statement's columns by header name or position ("3"); nil for the
	// header date,amount,direction,reference,description.
	Columns *StatementColumns
	// NoHeader says a CSV statement has no header line: its columns are positions.
	NoHeader bool
}

// StatementColumns names a CSV statement's columns. An empty Direction means the amount is
// signed; an empty Reference or Description means there is none.
type StatementColumns struct {
	// Date is the column of the date.
	Date string
	// Amount is the column of the amount.
	Amount string
	// Direction is the column of the direction, credit or debit.
	Direction string
	// Reference is the column of the reference.
	Reference string
	// Description is the column of the description.
	Description string
}

func (r StatementImportRequest) values() url.Values {
	v := url.Values{"id": {r.ID}, "account_id": {r.AccountID}}
	if r.Format != "" {
		v.Set("format", r.Format)
	}
	if !r.From.IsZero() {
		v.Set("from", r.From.UTC().Format(time.RFC3339Nano))
	}
	if !r.To.IsZero() {
		v.Set("to", r.To.UTC().Format(time.RFC3339Nano))
	}
	if r.Window != 0 {
		v.Set("window", r.Window.String())
	}
	if c := r.Columns; c != nil {
		v.Set("date_column", c.Date)
		v.Set("amount_column", c.Amount)
		v.Set("direction_column", c.Direction)
		v.Set("reference_column", c.Reference)
		v.Set("description_column", c.Description)
	}
	if r.NoHeader {
		v.Set("header", "false")
	}
	return v
}

// StatementImport is an import of a statement and its progress.
type StatementImport struct {
	// ID is the import's id; its exceptions are under /v1/statement-imports/{id}/exceptions.
	ID string `json:"id"`
	// AccountID is the account the statement is of.
	AccountID string `json:"account_id"`
	// Asset is the account's asset.
	Asset string `json:"asset"`
	// Format is csv or jsonl.
	Format string `json:"format"`
	// PeriodFrom is the period's start: the account's transfers in the period that no line
	// matches are exceptions.
	PeriodFrom Time `json:"period_from"`
	// PeriodTo is the period's end.
	PeriodTo Time `json:"period_to"`
	// Window is how far apart a line's date and its transfer's may be ("72h0m0s").
	Window string `json:"window"`
	// Status is running, done or failed.
	Status string `json:"status"`
	// Lines is the statement's line count.
	Lines int64 `json:"lines"`
	// LinesRead is the lines stored so far.
	LinesRead int64 `json:"lines_read"`
	// Matched is the lines matched, known when the import is done.
	Matched int64 `json:"matched"`
	// Exceptions is the lines and transfers left unmatched, known when the import is done.
	Exceptions int64 `json:"exceptions"`
	// Error says why it failed.
	Error string `json:"error,omitempty"`
	// CreatedBy is the id of the API key that imported it.
	CreatedBy string `json:"created_by"`
	// CreatedAt is when it started.
	CreatedAt Time `json:"created_at"`
	// UpdatedAt is its last progress.
	UpdatedAt Time `json:"updated_at"`
	// FinishedAt is when it ended.
	FinishedAt *Time `json:"finished_at,omitempty"`
}

// StatementException is a statement line no rule matched to a transfer, or a transfer of the
// period no line matched, open until an operator resolves it.
type StatementException struct {
	// Seq numbers the import's exceptions from 1.
	Seq int64 `json:"seq"`
	// Kind is line or transfer.
	Kind string `json:"kind"`
	// Line is the statement's line number (the header is line 1), for a line.
	Line int64 `json:"line,omitempty"`
	// TransferID is the transfer, for a transfer.
	TransferID string `json:"transfer_id,omitempty"`
	// Amount is the line's, or the transfer's, in major units.
	Amount string `json:"amount"`
	// Direction is credit (money into the account) or debit, as the line or the account saw it.
	Direction string `json:"direction"`
	// Date is the line's date, or when the transfer was posted.
	Date Time `json:"date"`
	// Reason says why no rule matched it.
	Reason string `json:"reason"`
	// Candidate is the transfer (or line) that came closest, if any.
	Candidate string `json:"candidate,omitempty"`
	// Status is open or resolved.
	Status string `json:"status"`
	// Resolution is matched, explained or adjusted, once resolved.
	Resolution string `json:"resolution,omitempty"`
	// MatchedLine is the line a transfer's exception was matched to by hand.
	MatchedLine int64 `json:"matched_line,omitempty"`
	// MatchedTransfer is the transfer a line's exception was matched to by hand.
	MatchedTransfer string `json:"matched_transfer,omitempty"`
	// AdjustmentID is the adjustment that resolved it.
	AdjustmentID string `json:"adjustment_id,omitempty"`
	// Note is the resolver's note.
	Note string `json:"note,omitempty"`
	// ResolvedBy is the id of the API key that resolved it.
	ResolvedBy string `json:"resolved_by,omitempty"`
	// ResolvedAt is when it was resolved.
	ResolvedAt *Time `json:"resolved_at,omitempty"`
}

// StatementExceptionPage is a page of an import's exceptions in seq order.
type StatementExceptionPage struct {
	// Exceptions are the page's.
	Exceptions []StatementException `json:"exceptions"`
	// HasMore says whether more follow this page.
	HasMore bool `json:"has_more"`
	// NextCursor is the Cursor of the next page, set only when HasMore.
	NextCursor string `json:"next_cursor,omitempty"`
}

// StatementMatch is a statement line matched to a transfer; a settlement line has one per
// transfer it sums.
type StatementMatch struct {
	// Line is the statement's line number (the header is line 1).
	Line int64 `json:"line"`
	// TransferID is the transfer matched to it.
	TransferID string `json:"transfer_id"`
	// Rule is the rule that matched them: reference, amount_date or settlement, or manual
	// for an operator's match by hand.
	Rule string `json:"rule"`
	// MatchedBy is the id of the API key that matched them by hand.
	MatchedBy string `json:"matched_by,omitempty"`
	// MatchedAt is when they were matched.
	MatchedAt Time `json:"matched_at"`
}

// StatementMatchPage is a page of an import's matches by line, then transfer id.
type StatementMatchPage struct {
	// Matches are the page's.
	Matches []StatementMatch `json:"matches"`
	// HasMore says whether more follow this page.
	HasMore bool `json:"has_more"`
	// NextCursor is the Cursor of the next page, set only when HasMore.
	NextCursor string `json:"next_cursor,omitempty"`
}

// StatementMatchesQuery pages through an import's matches.
type StatementMatchesQuery struct {
	// Cursor is a NextCursor of the page before; empty for the first page.
	Cursor string
	// Limit is the most on the page; 0 is the server's default.
	Limit int
}

// StatementExceptionsQuery selects an import's exceptions.
type StatementExceptionsQuery struct {
	// Status is open, resolved, or empty for both.
	Status string
	// Cursor is a NextCursor of the page before; empty for the first page.
	Cursor string
	// Limit is the most on the page; 0 is the server's default.
	Limit int
}

// ResolveExceptionRequest is the body of POST
// /v1/statement-imports/{id}/exceptions/{seq}/resolve.
type ResolveExceptionRequest struct {
	// Action is match, explain or adjust (admin keys only).
	Action string `json:"action"`
	// TransferID is the transfer a line's exception is matched to.
	TransferID string `json:"transfer_id,omitempty"`
	// Line is the statement line a transfer's exception is matched to.
	Line int64 `json:"line,omitempty"`
	// Note says why; required to explain, and the adjustment's reason.
	Note string `json:"note,omitempty"`
	// AdjustmentID is the id of the adjustment to make, for adjust.
	AdjustmentID string `json:"adjustment_id,omitempty"`
}

// ImportStatement sends a statement (operator): body is the file, read as it is sent. It
// answers the import, running, or the one stored under the id.
func (c *Client) ImportStatement(ctx context.Context, req StatementImportRequest, body io.Reader) (*StatementImport, error) {
	return call[StatementImport](ctx, c, http.MethodPost, "/v1/statement-imports", req.values(), uploadBody{body})
}

// StatementImport returns an import and its progress.
func (c *Client) StatementImport(ctx context.Context, id string) (*StatementImport, error) {
	return call[StatementImport](ctx, c, http.MethodGet, "/v1/statement-imports/"+pathID(id), nil, nil)
}

// StatementExceptions lists the exceptions of a statement import.
func (c *Client) StatementExceptions(ctx context.Context, id string, q StatementExceptionsQuery) (*StatementExceptionPage, error) {
	v := url.Values{}
	if q.Status != "" {
		v.Set("status", q.Status)
	}
	return call[StatementExceptionPage](ctx, c, http.MethodGet, "/v1/statement-imports/"+pathID(id)+"/exceptions", pageQuery(v, q.Cursor, q.Limit), nil)
}

// StatementMatches lists the matched pairs of a statement import, with the rule of each.
func (c *Client) StatementMatches(ctx context.Context, id string, q StatementMatchesQuery) (*StatementMatchPage, error) {
	return call[StatementMatchPage](ctx, c, http.MethodGet, "/v1/statement-imports/"+pathID(id)+"/matches", pageQuery(url.Values{}, q.Cursor, q.Limit), nil)
}

// ResolveException resolves an exception of a statement import (operator; admin to adjust).
func (c *Client) ResolveException(ctx context.Context, id string, seq int64, req ResolveExceptionRequest) (*StatementException, error) {
	return call[StatementException](ctx, c, http.MethodPost,
		"/v1/statement-imports/"+pathID(id)+"/exceptions/"+strconv.FormatInt(seq, 10)+"/resolve", nil, req)
}
