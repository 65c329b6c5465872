package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/reconcile/match"
)

// StatementUploadTimeout bounds how long a statement upload may take to send its body: a
// million lines are about 60 MB, which crosses any link between servers in well under it.
const StatementUploadTimeout = 10 * time.Minute

// StatementBytesMax caps a statement's size: ten million lines of two hundred bytes, with
// room. It is spooled to disk, never held in memory.
const StatementBytesMax = 4 << 30

// statementImportParams are the query parameters of POST /v1/statement-imports.
var statementImportParams = []string{"id", "account_id", "format", "from", "to", "window", "date_column", "amount_column",
	"direction_column", "reference_column", "description_column", "header"}

// statements returns the statement import service, or unavailable.
func (s *Server) statements() (*match.Service, error) {
	if s.cfg.Statements == nil {
		return nil, coffer.Errorf(coffer.EUNAVAILABLE, "this server's store keeps no statement imports")
	}
	return s.cfg.Statements, nil
}

func (s *Server) importStatement(r *http.Request) (int, any, error) {
	svc, err := s.statements()
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	req := match.Request{ID: q.Get("id"), AccountID: q.Get("account_id"), CreatedBy: info(r.Context()).keyID,
		Format: match.Format{Kind: q.Get("format"), Columns: match.ColumnsDefault}}
	if req.Format.Kind == "" {
		req.Format.Kind = match.FormatCSV
	}
	if req.From, err = timeParam(q, "from"); err != nil {
		return 0, nil, err
	}
	if req.To, err = timeParam(q, "to"); err != nil {
		return 0, nil, err
	}
	if w := q.Get("window"); w != "" {
		if req.Window, err = time.ParseDuration(w); err != nil || req.Window <= 0 {
			return 0, nil, coffer.Invalid("window", "window %q must be a duration such as 72h", w)
		}
	}
	for _, c := range []struct {
		param string
		field *string
	}{{"date_column", &req.Format.Columns.Date}, {"amount_column", &req.Format.Columns.Amount},
		{"direction_column", &req.Format.Columns.Direction}, {"reference_column", &req.Format.Columns.Reference},
		{"description_column", &req.Format.Columns.Description}} {
		if q.Has(c.param) {
			*c.field = q.Get(c.param)
		}
	}
	switch q.Get("header") {
	case "", "true":
	case "false":
		req.Format.NoHeader = true
	default:
		return 0, nil, coffer.Invalid("header", "header %q must be true or false", q.Get("header"))
	}
	// The body is a file, not a command: read as it comes, with a deadline of its own.
	http.NewResponseController(info(r.Context()).w).SetReadDeadline(time.Now().Add(StatementUploadTimeout))
	body := http.MaxBytesReader(info(r.Context()).w, r.Body, StatementBytesMax)
	imp, created, err := svc.Import(r.Context(), req, body)
	if err != nil {
		return 0, nil, err
	}
	status := http.StatusOK
	if created {
		status = http.StatusAccepted
	}
	return status, renderImport(imp), nil
}

func (s *Server) getStatementImport(r *http.Request) (int, any, error) {
	if _, err := s.statements(); err != nil {
		return 0, nil, err
	}
	imp, err := s.cfg.Statements.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, renderImport(imp), nil
}

func renderImport(imp coffer.StatementImport) client.StatementImport {
	return client.StatementImport{ID: imp.ID, AccountID: imp.AccountID, Asset: imp.Asset, Format: imp.Format,
		PeriodFrom: apiTime(imp.From), PeriodTo: apiTime(imp.To), Window: imp.Window.String(), Status: string(imp.Status),
		Lines: imp.Lines, LinesRead: imp.LinesRead, Matched: imp.Matched, Exceptions: imp.Exceptions, Error: imp.Error,
		CreatedBy: imp.CreatedBy, CreatedAt: apiTime(imp.CreatedAt), UpdatedAt: apiTime(imp.UpdatedAt),
		FinishedAt: apiTimePtr(imp.FinishedAt)}
}

func (s *Server) listStatementExceptions(r *http.Request) (int, any, error) {
	svc, err := s.statements()
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	f := coffer.StatementExceptionFilter{ImportID: r.PathValue("id"), Status: q.Get("status")}
	switch f.Status {
	case "", "open", "resolved":
	default:
		return 0, nil, coffer.Invalid("status", "status %q must be open or resolved", f.Status)
	}
	limit, err := pageLimit(q)
	if err != nil {
		return 0, nil, err
	}
	f.Limit = fetchLimit(limit)
	if c := q.Get("cursor"); c != "" {
		if f.AfterSeq, err = strconv.ParseInt(c, 10, 64); err != nil || f.AfterSeq < 0 {
			return 0, nil, coffer.Invalid("cursor", "cursor %q is not a next_cursor this endpoint gave", c)
		}
	}
	imp, err := svc.Get(r.Context(), f.ImportID)
	if err != nil {
		return 0, nil, err
	}
	list, err := svc.Exceptions(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	scale, err := s.scale(r.Context(), imp.Asset)
	if err != nil {
		return 0, nil, err
	}
	render := func(e coffer.StatementException) client.StatementException { return renderException(e, scale) }
	items, more, next, _ := paged(list, limit, infallible(render), func(e coffer.StatementException) string { return strconv.FormatInt(e.Seq, 10) })
	return http.StatusOK, client.StatementExceptionPage{Exceptions: items, HasMore: more, NextCursor: next}, nil
}

func (s *Server) listStatementMatches(r *http.Request) (int, any, error) {
	svc, err := s.statements()
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	f := coffer.StatementMatchFilter{ImportID: r.PathValue("id")}
	limit, err := pageLimit(q)
	if err != nil {
		return 0, nil, err
	}
	f.Limit = fetchLimit(limit)
	if c := q.Get("cursor"); c != "" {
		// The cursor is the last match's line and transfer: "line:transfer_id".
		line, transfer, ok := strings.Cut(c, ":")
		if f.AfterLine, err = strconv.ParseInt(line, 10, 64); !ok || err != nil || f.AfterLine < 0 || transfer == "" {
			return 0, nil, coffer.Invalid("cursor", "cursor %q is not a next_cursor this endpoint gave", c)
		}
		f.AfterTransferID = transfer
	}
	if _, err := svc.Get(r.Context(), f.ImportID); err != nil {
		return 0, nil, err
	}
	list, err := svc.Matches(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	render := func(m coffer.StatementMatch) client.StatementMatch {
		return client.StatementMatch{Line: m.Line, TransferID: m.TransferID, Rule: string(m.Rule), MatchedBy: m.By, MatchedAt: apiTime(m.At)}
	}
	items, more, next, _ := paged(list, limit, infallible(render), func(m coffer.StatementMatch) string {
		return strconv.FormatInt(m.Line, 10) + ":" + m.TransferID
	})
	return http.StatusOK, client.StatementMatchPage{Matches: items, HasMore: more, NextCursor: next}, nil
}

func renderException(e coffer.StatementException, scale int) client.StatementException {
	out := client.StatementException{Seq: e.Seq, Kind: string(e.Kind), Line: e.Line, TransferID: e.TransferID,
		Amount: e.Amount.Format(scale), Direction: string(e.Direction), Date: apiTime(e.Date), Reason: e.Reason,
		Candidate: e.Candidate, Status: "open", Resolution: string(e.Resolution), MatchedLine: e.MatchedLine,
		MatchedTransfer: e.MatchedTransfer, AdjustmentID: e.AdjustmentID, Note: e.Note, ResolvedBy: e.ResolvedBy,
		ResolvedAt: apiTimePtr(e.ResolvedAt)}
	if !e.Open() {
		out.Status = "resolved"
	}
	return out
}

func (s *Server) resolveStatementException(r *http.Request) (int, any, error) {
	svc, err := s.statements()
	if err != nil {
		return 0, nil, err
	}
	seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil || seq <= 0 {
		return 0, nil, coffer.Invalid("seq", "seq %q must be an exception's number", r.PathValue("seq"))
	}
	var req client.ResolveExceptionRequest
	if err := s.decode(r, &req, false); err != nil {
		return 0, nil, err
	}
	if req.Action == match.ActionAdjust {
		// An adjustment changes money: admin only, as POST /v1/adjustments.
		if role := info(r.Context()).role; !role.Allows(coffer.RoleAdmin) {
			return 0, nil, coffer.Errorf(coffer.EFORBIDDEN, "a key with role %s may not resolve an exception by an adjustment; it needs role admin", role)
		}
	}
	e, err := svc.Resolve(r.Context(), match.Resolution{ImportID: r.PathValue("id"), Seq: seq, Action: req.Action,
		TransferID: req.TransferID, Line: req.Line, Note: req.Note, AdjustmentID: req.AdjustmentID, By: info(r.Context()).keyID})
	if err != nil {
		return 0, nil, err
	}
	imp, err := svc.Get(r.Context(), e.ImportID)
	if err != nil {
		return 0, nil, err
	}
	scale, err := s.scale(r.Context(), imp.Asset)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, renderException(e, scale), nil
}
