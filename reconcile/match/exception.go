package match

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/ledger"
)

// The ways to resolve an exception.
const (
	ActionMatch   = "match"
	ActionExplain = "explain"
	ActionAdjust  = "adjust"
)

// Resolution resolves one exception of an import. Match pairs a line's exception with
// TransferID, or a transfer's with Line (whose own exception, if open, is resolved with it);
// Explain keeps Note; Adjust makes an adjustment under AdjustmentID that does what the
// statement says: a line's amount in its direction, or a transfer's undone, with Note as its
// reason. Adjust is for admin keys only, as every adjustment is; the caller checks.
type Resolution struct {
	ImportID     string
	Seq          int64
	Action       string
	TransferID   string
	Line         int64
	Note         string
	AdjustmentID string
	By           string // the API key's id
}

// Exception returns one exception of an import.
func (s *Service) Exception(ctx context.Context, importID string, seq int64) (coffer.StatementException, error) {
	if _, err := s.cfg.Store.StatementImport(ctx, importID); err != nil {
		return coffer.StatementException{}, err
	}
	return s.cfg.Store.StatementException(ctx, importID, seq)
}

// Resolve resolves an exception and returns it resolved. Sent again with the same figures
// after it succeeded, it returns the exception as it was resolved; an exception resolved
// otherwise is ECONFLICT.
func (s *Service) Resolve(ctx context.Context, r Resolution) (coffer.StatementException, error) {
	imp, err := s.cfg.Store.StatementImport(ctx, r.ImportID)
	if err != nil {
		return coffer.StatementException{}, err
	}
	if imp.Status != coffer.ImportDone {
		return coffer.StatementException{}, coffer.Errorf(coffer.ECONFLICT, "statement import %q is %s: its exceptions are known when it is done", imp.ID, imp.Status)
	}
	e, err := s.cfg.Store.StatementException(ctx, r.ImportID, r.Seq)
	if err != nil {
		return coffer.StatementException{}, err
	}
	r.Note = strings.TrimSpace(r.Note)
	if len(r.Note) > coffer.ReferenceLengthMax*4 {
		return coffer.StatementException{}, coffer.Invalid("note", "note is longer than %d bytes", coffer.ReferenceLengthMax*4)
	}
	if !e.Open() {
		if sameResolution(e, r) {
			return e, nil
		}
		return coffer.StatementException{}, coffer.Errorf(coffer.ECONFLICT, "exception %d of %q was resolved (%s) by %s at %s",
			e.Seq, e.ImportID, e.Resolution, e.ResolvedBy, e.ResolvedAt.Format(time.RFC3339))
	}
	now := s.cfg.Now().UTC().Truncate(time.Microsecond)
	e.ResolvedBy, e.ResolvedAt, e.Note = r.By, &now, r.Note
	switch r.Action {
	case ActionMatch:
		return s.matchByHand(ctx, imp, e, r)
	case ActionExplain:
		if r.Note == "" {
			return coffer.StatementException{}, coffer.Invalid("note", "note is required: it says why the exception is no error")
		}
		e.Resolution = coffer.ResolvedExplained
		return e, s.cfg.Store.ResolveStatementExceptions(ctx, []coffer.StatementException{e}, nil)
	case ActionAdjust:
		return s.adjust(ctx, imp, e, r)
	}
	return coffer.StatementException{}, coffer.Invalid("action", "action %q must be match, explain or adjust", r.Action)
}

// sameResolution reports whether r asks for what e was resolved with.
func sameResolution(e coffer.StatementException, r Resolution) bool {
	switch r.Action {
	case ActionMatch:
		return e.Resolution == coffer.ResolvedMatched && e.MatchedTransfer == r.TransferID && e.MatchedLine == r.Line
	case ActionExplain:
		return e.Resolution == coffer.ResolvedExplained && e.Note == strings.TrimSpace(r.Note)
	case ActionAdjust:
		return e.Resolution == coffer.ResolvedAdjusted && e.AdjustmentID == r.AdjustmentID
	}
	return false
}

func (s *Service) matchByHand(ctx context.Context, imp coffer.StatementImport, e coffer.StatementException, r Resolution) (coffer.StatementException, error) {
	e.Resolution = coffer.ResolvedMatched
	var resolved []coffer.StatementException // besides e
	m := coffer.StatementMatch{ImportID: imp.ID, Rule: coffer.RuleManual, By: r.By, At: *e.ResolvedAt}
	switch e.Kind {
	case coffer.ExceptionLine:
		if r.TransferID == "" || r.Line != 0 {
			return coffer.StatementException{}, coffer.Invalid("transfer_id", "a line's exception is matched to a transfer: give transfer_id, not line")
		}
		t, err := s.cfg.Store.Transfer(ctx, r.TransferID)
		if coffer.ErrorCode(err) == coffer.ENOTFOUND {
			return coffer.StatementException{}, coffer.Invalid("transfer_id", "transfer %q does not exist", r.TransferID)
		}
		if err != nil {
			return coffer.StatementException{}, err
		}
		if t.DebitAccountID != imp.AccountID && t.CreditAccountID != imp.AccountID {
			return coffer.StatementException{}, coffer.Invalid("transfer_id", "transfer %q is not of account %s", t.ID, imp.AccountID)
		}
		if line, err := s.cfg.Store.TransferMatched(ctx, imp.ID, t.ID); err != nil {
			return coffer.StatementException{}, err
		} else if line != 0 {
			return coffer.StatementException{}, coffer.Errorf(coffer.ECONFLICT, "transfer %s is matched to line %d already", t.ID, line)
		}
		e.MatchedTransfer, m.Line, m.TransferID = t.ID, e.Line, t.ID
		other, err := s.cfg.Store.StatementExceptions(ctx, coffer.StatementExceptionFilter{ImportID: imp.ID, TransferID: t.ID, Status: "open", Limit: 1})
		if err != nil {
			return coffer.StatementException{}, err
		}
		for _, o := range other {
			o.Resolution, o.MatchedLine, o.ResolvedBy, o.ResolvedAt, o.Note = coffer.ResolvedMatched, e.Line, r.By, e.ResolvedAt, e.Note
			resolved = append(resolved, o)
		}
	case coffer.ExceptionTransfer:
		if r.Line <= 0 || r.TransferID != "" {
			return coffer.StatementException{}, coffer.Invalid("line", "a transfer's exception is matched to a line of the statement: give line, not transfer_id")
		}
		if _, err := s.cfg.Store.StatementLine(ctx, imp.ID, r.Line); coffer.ErrorCode(err) == coffer.ENOTFOUND {
			return coffer.StatementException{}, coffer.Invalid("line", "the statement has no line %d", r.Line)
		} else if err != nil {
			return coffer.StatementException{}, err
		}
		other, err := s.cfg.Store.StatementExceptions(ctx, coffer.StatementExceptionFilter{ImportID: imp.ID, Line: r.Line, Status: "open", Limit: 1})
		if err != nil {
			return coffer.StatementException{}, err
		}
		if len(other) == 0 {
			return coffer.StatementException{}, coffer.Errorf(coffer.ECONFLICT, "line %d is matched already, or its exception resolved", r.Line)
		}
		o := other[0]
		o.Resolution, o.MatchedTransfer, o.ResolvedBy, o.ResolvedAt, o.Note = coffer.ResolvedMatched, e.TransferID, r.By, e.ResolvedAt, e.Note
		e.MatchedLine, m.Line, m.TransferID = r.Line, r.Line, e.TransferID
		resolved = append(resolved, o)
	}
	if err := s.cfg.Store.ResolveStatementExceptions(ctx, append([]coffer.StatementException{e}, resolved...), []coffer.StatementMatch{m}); err != nil {
		return coffer.StatementException{}, err
	}
	return e, nil
}

// adjust corrects the account as the statement says, through the ledger's adjustment, and
// resolves the exception with it. The adjustment goes first: if the resolution is then lost,
// the request sent again replays the adjustment by its id and resolves.
func (s *Service) adjust(ctx context.Context, imp coffer.StatementImport, e coffer.StatementException, r Resolution) (coffer.StatementException, error) {
	switch {
	case r.AdjustmentID == "":
		return coffer.StatementException{}, coffer.Invalid("adjustment_id", "adjustment_id is required: the adjustment's id, so a retry makes it once")
	case strings.Contains(r.AdjustmentID, coffer.DerivedSep):
		return coffer.StatementException{}, coffer.Invalid("adjustment_id", "adjustment_id %q contains %q, which Coffer keeps for the ids it derives", r.AdjustmentID, coffer.DerivedSep)
	case r.Note == "":
		return coffer.StatementException{}, coffer.Invalid("note", "note is required: it is the adjustment's reason")
	}
	dir := e.Direction // the statement shows money the ledger lacks: book it
	if e.Kind == coffer.ExceptionTransfer {
		// The ledger shows money the statement lacks: undo it.
		dir = coffer.Credit
		if e.Direction == coffer.Credit {
			dir = coffer.Debit
		}
	}
	made, err := s.cfg.Store.Transfer(ctx, r.AdjustmentID)
	switch {
	case err == nil:
		// Made already: by this resolution before it was lost, or through the adjustments'
		// own path (and approved); it must do what the exception calls for.
		asset, err := s.cfg.Store.Asset(ctx, imp.Asset)
		if err != nil {
			return coffer.StatementException{}, err
		}
		credited := made.CreditAccountID == imp.AccountID
		if made.Type != coffer.TypeAdjustment || (made.DebitAccountID != imp.AccountID && !credited) ||
			credited != (dir == coffer.Credit) || made.Amount != e.Amount {
			return coffer.StatementException{}, coffer.Invalid("adjustment_id",
				"transfer %q is not an adjustment of %s %s %s of account %s", made.ID, e.Amount.Format(asset.Scale), imp.Asset, dir, imp.AccountID)
		}
	case coffer.ErrorCode(err) != coffer.ENOTFOUND:
		return coffer.StatementException{}, err
	case s.cfg.ApprovalsRequired:
		return coffer.StatementException{}, coffer.Invalid("adjustment_id",
			"adjustments need another admin's approval here: make adjustment %q with POST /v1/adjustments, have it approved, then resolve with its id", r.AdjustmentID)
	default:
		reason := fmt.Sprintf("%s (statement import %s, exception %d)", r.Note, imp.ID, e.Seq)
		if _, err := s.cfg.Ledger.Do(ctx, ledger.Adjust{ID: r.AdjustmentID, AccountID: imp.AccountID, Direction: dir,
			Amount: e.Amount, Reason: reason}); err != nil {
			return coffer.StatementException{}, err
		}
	}
	e.Resolution, e.AdjustmentID = coffer.ResolvedAdjusted, r.AdjustmentID
	return e, s.cfg.Store.ResolveStatementExceptions(ctx, []coffer.StatementException{e}, nil)
}

// Get returns an import and its progress, or ENOTFOUND.
func (s *Service) Get(ctx context.Context, id string) (coffer.StatementImport, error) {
	return s.cfg.Store.StatementImport(ctx, id)
}

// Matches lists an import's matched pairs as f selects.
func (s *Service) Matches(ctx context.Context, f coffer.StatementMatchFilter) ([]coffer.StatementMatch, error) {
	return s.cfg.Store.StatementMatches(ctx, f)
}

// Exceptions lists an import's exceptions as f selects.
func (s *Service) Exceptions(ctx context.Context, f coffer.StatementExceptionFilter) ([]coffer.StatementException, error) {
	return s.cfg.Store.StatementExceptions(ctx, f)
}
