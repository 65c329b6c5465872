// Package match imports an account's statement from outside (CSV or JSON lines), matches its
// lines against the account's posted transfers by rules applied in order (the reference; the
// amount and direction within a date window; several transfers of a day adding up to one line),
// and keeps what no rule matched as exceptions, open until an operator resolves each: matched
// by hand, explained with a note, or corrected by an adjustment. docs/RECONCILIATION.md
// describes the formats and the rules.
package match

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/ledger"
)

// Limits and defaults of an import.
const (
	// WindowDefault is how far apart a line's date and its transfer's may be: a bank books a
	// card payment of Friday evening on Monday.
	WindowDefault = 72 * time.Hour
	// WindowMax caps the window: wider, a line could match a transfer of another month.
	WindowMax = 31 * day
	// PendingLookback is how long before a statement's period a pending transfer posted in it
	// may have been created: its creation is where the ledger's listing finds it.
	PendingLookback = 7 * day
	// StaleAfter is how long a running import may go without progress before it is taken for
	// abandoned (its process stopped) and the same statement sent again restarts it. The
	// worker writes its progress every chunk of lines, a few times a second.
	StaleAfter = 2 * time.Minute
	// chunk is how many lines, matches or exceptions are written at a time, with a progress
	// update after each.
	chunk = 5000
)

// Store is what the package reads and writes; both stores have it.
type Store interface {
	Account(ctx context.Context, id string) (coffer.Account, error)
	Asset(ctx context.Context, code string) (coffer.Asset, error)
	Transfer(ctx context.Context, id string) (coffer.Transfer, error)
	AccountTransfers(ctx context.Context, f coffer.AccountTransferFilter) ([]coffer.AccountTransfer, error)
	coffer.StatementImportStore
}

// Config configures a Service.
type Config struct {
	Store Store
	// Ledger makes the adjustments that resolve exceptions.
	Ledger *ledger.Ledger
	// ApprovalsRequired says adjustments need a second admin's approval (maker-checker): an
	// exception is then resolved by an adjustment only once it was made and approved through
	// the adjustments' own path, and named by its id.
	ApprovalsRequired bool
	// SpoolDir holds each statement while it is read and matched. Default: os.TempDir().
	SpoolDir string
	// Now is the clock. Default: the ledger's.
	Now    func() time.Time
	Logger *slog.Logger
}

// Service imports statements and resolves their exceptions. Each import runs in a goroutine
// of its own; Close stops them.
type Service struct {
	cfg    Config
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.SpoolDir == "" {
		cfg.SpoolDir = os.TempDir()
	}
	if cfg.Now == nil {
		cfg.Now = cfg.Ledger.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Service{cfg: cfg, ctx: ctx, cancel: cancel}
}

// Wait waits until the imports under way have ended.
func (s *Service) Wait() { s.wg.Wait() }

// Close stops the imports under way (they are left running, and the same statement sent again
// restarts each after StaleAfter) and waits for them.
func (s *Service) Close() {
	s.cancel()
	s.wg.Wait()
}

// Request asks for a statement to be imported. From and To, if set, are the period; else it
// runs from the first line's day to the end of the last line's.
type Request struct {
	ID        string
	AccountID string
	From, To  time.Time
	Window    time.Duration // 0 for WindowDefault
	Format    Format        // Scale is set from the account's asset
	CreatedBy string
}

// Import reads the statement in body, checks every line, and starts matching it; it returns
// the import (running) and true, or, when the id was used before for the same statement and
// request, that import and false. A bad line is EINVALID naming it, and nothing is stored; the
// same id with another statement is ECONFLICT. The body is read once, to a spool file.
func (s *Service) Import(ctx context.Context, req Request, body io.Reader) (coffer.StatementImport, bool, error) {
	now := s.cfg.Now().UTC()
	switch {
	case req.ID == "":
		return coffer.StatementImport{}, false, coffer.Invalid("id", "id is required: it names the import, so a retry finds the first")
	case len(req.ID) > coffer.OperationIDLengthMax:
		return coffer.StatementImport{}, false, coffer.Invalid("id", "id is longer than %d characters", coffer.OperationIDLengthMax)
	case strings.Contains(req.ID, coffer.DerivedSep):
		return coffer.StatementImport{}, false, coffer.Invalid("id", "id %q contains %q, which Coffer keeps for the ids it derives", req.ID, coffer.DerivedSep)
	case req.AccountID == "":
		return coffer.StatementImport{}, false, coffer.Invalid("account_id", "account_id is required: the account the statement is of")
	case req.Window < 0 || req.Window > WindowMax:
		return coffer.StatementImport{}, false, coffer.Invalid("window", "window %s must be between 0 and %s", req.Window, WindowMax)
	case !req.From.IsZero() && !req.To.IsZero() && !req.From.Before(req.To):
		return coffer.StatementImport{}, false, coffer.Invalid("from", "the period's start %s must be before its end %s",
			req.From.UTC().Format(time.RFC3339), req.To.UTC().Format(time.RFC3339))
	case req.To.After(now):
		return coffer.StatementImport{}, false, coffer.Invalid("to", "the period's end %s has not come yet", req.To.UTC().Format(time.RFC3339))
	}
	switch req.Format.Kind {
	case FormatCSV, FormatJSONL:
	default:
		return coffer.StatementImport{}, false, coffer.Invalid("format", "format %q must be csv or jsonl", req.Format.Kind)
	}
	if req.Window == 0 {
		req.Window = WindowDefault
	}
	account, err := s.cfg.Store.Account(ctx, req.AccountID)
	if coffer.ErrorCode(err) == coffer.ENOTFOUND {
		return coffer.StatementImport{}, false, coffer.Invalid("account_id", "account %q does not exist", req.AccountID)
	}
	if err != nil {
		return coffer.StatementImport{}, false, err
	}
	asset, err := s.cfg.Store.Asset(ctx, account.Asset)
	if err != nil {
		return coffer.StatementImport{}, false, err
	}
	req.Format.Scale = asset.Scale

	spool, err := os.CreateTemp(s.cfg.SpoolDir, "coffer-statement-*")
	if err != nil {
		return coffer.StatementImport{}, false, fmt.Errorf("spool the statement: %w", err)
	}
	keep := false
	defer func() {
		if !keep {
			spool.Close()
			os.Remove(spool.Name())
		}
	}()
	h := sha256.New()
	for _, f := range []string{req.Format.key(), req.AccountID, req.From.UTC().String(), req.To.UTC().String(), req.Window.String()} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	scan, err := check(io.TeeReader(body, io.MultiWriter(spool, h)), req, now)
	if err != nil {
		return coffer.StatementImport{}, false, err
	}
	if err := spool.Sync(); err != nil {
		return coffer.StatementImport{}, false, fmt.Errorf("spool the statement: %w", err)
	}
	imp := coffer.StatementImport{ID: req.ID, AccountID: account.ID, Asset: account.Asset, Format: req.Format.Kind,
		ContentHash: hex.EncodeToString(h.Sum(nil)), From: req.From.UTC(), To: req.To.UTC(), Window: req.Window,
		Status: coffer.ImportRunning, Lines: scan.lines, CreatedBy: req.CreatedBy, CreatedAt: now.Truncate(time.Microsecond),
		UpdatedAt: now.Truncate(time.Microsecond)}
	if imp.From.IsZero() {
		imp.From = scan.first.Truncate(day)
	}
	if imp.To.IsZero() {
		imp.To = scan.last.Truncate(day).Add(day)
	}
	got, created, err := s.cfg.Store.PutStatementImport(ctx, imp)
	if err != nil {
		return coffer.StatementImport{}, false, err
	}
	if !created {
		if got.ContentHash != imp.ContentHash {
			return coffer.StatementImport{}, false, coffer.Errorf(coffer.ECONFLICT,
				"statement import %q exists with another statement or other parameters; use a new id for a new import", req.ID)
		}
		stale := got.Status == coffer.ImportRunning && now.Sub(got.UpdatedAt) > StaleAfter
		if got.Status != coffer.ImportFailed && !stale {
			return got, false, nil
		}
		// Failed, or abandoned by a process that stopped: the same statement runs again.
		if err := s.cfg.Store.RestartStatementImport(ctx, imp, got.UpdatedAt); err != nil {
			return coffer.StatementImport{}, false, err
		}
		got = imp
	}
	keep = true
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer os.Remove(spool.Name())
		defer spool.Close()
		s.run(got, req.Format, spool)
	}()
	return got, created, nil
}

// scanned is what checking a statement learned.
type scanned struct {
	lines       int64
	first, last time.Time
}

// check reads every line of a statement and checks it, against the period if one is given.
func check(in io.Reader, req Request, now time.Time) (scanned, error) {
	r, err := newReader(in, req.Format)
	if err != nil {
		return scanned{}, err
	}
	var sc scanned
	for {
		l, err := r.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return scanned{}, err
		}
		switch {
		case l.Date.After(now):
			return scanned{}, lineError(l.Line, "date %s has not come yet", l.Date.Format(time.RFC3339))
		case !req.From.IsZero() && l.Date.Before(req.From.Truncate(dayOf(l.Day))):
			return scanned{}, lineError(l.Line, "date %s is before the period's start %s", l.Date.Format(time.RFC3339), req.From.UTC().Format(time.RFC3339))
		case !req.To.IsZero() && !l.Date.Before(req.To):
			return scanned{}, lineError(l.Line, "date %s is not before the period's end %s", l.Date.Format(time.RFC3339), req.To.UTC().Format(time.RFC3339))
		}
		if sc.lines == 0 || l.Date.Before(sc.first) {
			sc.first = l.Date
		}
		if l.Date.After(sc.last) {
			sc.last = l.Date
		}
		sc.lines++
	}
	if sc.lines == 0 {
		return scanned{}, coffer.Invalid("body", "the statement has no lines")
	}
	return sc, nil
}

// dayOf is the unit a line's date is truncated to when compared with the period's start: a day
// for a day-dated line, whose day may begin before a period that starts within it.
func dayOf(isDay bool) time.Duration {
	if isDay {
		return day
	}
	return time.Microsecond
}

// run reads the spooled statement, stores its lines, matches them and stores the result,
// writing progress as it goes; it ends the import done or failed.
func (s *Service) run(imp coffer.StatementImport, f Format, spool *os.File) {
	ctx := s.ctx
	err := s.match(ctx, &imp, f, spool)
	now := s.cfg.Now().UTC().Truncate(time.Microsecond)
	imp.UpdatedAt, imp.FinishedAt = now, &now
	imp.Status = coffer.ImportDone
	if err != nil {
		if ctx.Err() != nil {
			return // stopping: left running, restarted when sent again
		}
		imp.Status = coffer.ImportFailed
		imp.Error = err.Error()
		if coffer.ErrorCode(err) == coffer.EINTERNAL {
			s.cfg.Logger.Error("statement import failed", "import", imp.ID, "err", err)
			imp.Error = "internal error; send the statement again under the same id to retry"
		}
	}
	if err := s.cfg.Store.UpdateStatementImport(ctx, imp); err != nil {
		s.cfg.Logger.Error("statement import: record its end", "import", imp.ID, "err", err)
	}
}

func (s *Service) progress(ctx context.Context, imp *coffer.StatementImport) error {
	imp.UpdatedAt = s.cfg.Now().UTC().Truncate(time.Microsecond)
	return s.cfg.Store.UpdateStatementImport(ctx, *imp)
}

func (s *Service) match(ctx context.Context, imp *coffer.StatementImport, f Format, spool *os.File) error {
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("read the spooled statement: %w", err)
	}
	r, err := newReader(spool, f)
	if err != nil {
		return err
	}
	lines := make([]line, 0, imp.Lines)
	batch := make([]coffer.StatementLine, 0, chunk)
	flush := func() error {
		if err := s.cfg.Store.AddStatementLines(ctx, batch); err != nil {
			return err
		}
		imp.LinesRead += int64(len(batch))
		batch = batch[:0]
		return s.progress(ctx, imp)
	}
	for {
		l, err := r.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		l.ImportID = imp.ID
		start := l.Date.UnixMicro()
		end := start
		if l.Day {
			end = start + day.Microseconds() - 1
		}
		lines = append(lines, line{n: l.Line, start: start, end: end, amount: l.Amount, dir: l.Direction, ref: l.Reference})
		if batch = append(batch, l); len(batch) == chunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	ts, err := s.transfers(ctx, imp)
	if err != nil {
		return err
	}
	res := run(lines, ts, imp.Window, f.Scale)
	at := s.cfg.Now().UTC().Truncate(time.Microsecond)
	matches := make([]coffer.StatementMatch, len(res.pairs))
	for i, p := range res.pairs {
		matches[i] = coffer.StatementMatch{ImportID: imp.ID, Line: lines[p.line].n, TransferID: ts[p.transfer].id, Rule: p.rule, At: at}
	}
	exceptions := make([]coffer.StatementException, 0, len(res.lines)+len(res.transfers))
	for _, m := range res.lines {
		l := &lines[m.index]
		exceptions = append(exceptions, coffer.StatementException{ImportID: imp.ID, Seq: int64(len(exceptions) + 1),
			Kind: coffer.ExceptionLine, Line: l.n, Amount: l.amount, Direction: l.dir, Date: time.UnixMicro(l.start).UTC(),
			Reason: m.reason, Candidate: m.candidate})
	}
	for _, m := range res.transfers {
		t := &ts[m.index]
		exceptions = append(exceptions, coffer.StatementException{ImportID: imp.ID, Seq: int64(len(exceptions) + 1),
			Kind: coffer.ExceptionTransfer, TransferID: t.id, Amount: t.amount, Direction: t.dir, Date: time.UnixMicro(t.at).UTC(),
			Reason: m.reason, Candidate: m.candidate})
	}
	for i := 0; i < len(matches); i += chunk {
		if err := s.cfg.Store.AddStatementMatches(ctx, matches[i:min(len(matches), i+chunk)]); err != nil {
			return err
		}
		if err := s.progress(ctx, imp); err != nil {
			return err
		}
	}
	if err := s.cfg.Store.AddStatementExceptions(ctx, exceptions); err != nil {
		return err
	}
	imp.Matched, imp.Exceptions = int64(res.matched), int64(len(exceptions))
	return nil
}

// transfers reads the account's posted transfers that a line may match: those posted within
// the window of the period, as the account saw them.
func (s *Service) transfers(ctx context.Context, imp *coffer.StatementImport) ([]transfer, error) {
	from, to := imp.From.Add(-imp.Window), imp.To.Add(imp.Window)
	f := coffer.AccountTransferFilter{AccountID: imp.AccountID, From: from.Add(-PendingLookback), To: to, Limit: coffer.PageSizeMax}
	var out []transfer
	for {
		page, err := s.cfg.Store.AccountTransfers(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("list the account's transfers: %w", err)
		}
		for _, at := range page {
			t := at.Transfer
			if t.State != coffer.StatePosted || t.PostedAmount.Sign() <= 0 {
				continue
			}
			when := t.CreatedAt
			if t.Pending && t.ResolvedAt != nil {
				when = *t.ResolvedAt
			}
			if when.Before(from) || !when.Before(to) {
				continue
			}
			dir := coffer.Debit
			if t.CreditAccountID == imp.AccountID {
				dir = coffer.Credit
			}
			refs := []string{t.ID, t.Reference}
			for _, k := range []string{"order_id", "tx_hash"} {
				if v := t.Metadata[k]; v != "" {
					refs = append(refs, v)
				}
			}
			out = append(out, transfer{id: t.ID, at: when.UnixMicro(), amount: t.PostedAmount, dir: dir, refs: refs,
				inPeriod: !when.Before(imp.From) && when.Before(imp.To)})
		}
		if len(page) < coffer.PageSizeMax {
			return out, nil
		}
		f.AfterSeq = page[len(page)-1].Seq
	}
}
