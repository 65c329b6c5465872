package httpapi

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/statement"
)

// streamWriteWindow is how long each chunk of a streamed answer may take to write: the server's
// write timeout would cut a long statement short, so the deadline moves on as it goes.
const streamWriteWindow = time.Minute

// streamed is an answer written as it is produced, rather than marshalled whole: a statement in
// CSV. Its write is called after the status is sent, so it reports a failure by ending early
// (and the error is logged).
type streamed struct {
	contentType string
	filename    string
	write       func(w io.Writer, more func()) error
}

// stream writes st. more, called between chunks, moves the write deadline on.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, status int, st streamed) {
	w.Header().Set("Content-Type", st.contentType)
	if st.filename != "" {
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", st.filename))
	}
	w.WriteHeader(status)
	rc := http.NewResponseController(w)
	more := func() { rc.SetWriteDeadline(time.Now().Add(streamWriteWindow)) }
	more()
	if err := st.write(w, more); err != nil && r.Context().Err() == nil {
		s.log.Error("streamed answer cut short", "request_id", info(r.Context()).id, "path", r.URL.Path, "err", err)
	}
}

// statement answers an account's statement for [from, to): JSON, paged, with its opening and
// closing balances (and, on the first page, the period's totals by type), or the whole period
// as CSV, streamed.
func (s *Server) statement(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	from, err := timeParam(q, "from")
	if err != nil {
		return 0, nil, err
	}
	to, err := timeParam(q, "to")
	if err != nil {
		return 0, nil, err
	}
	switch {
	case !q.Has("from"):
		return 0, nil, coffer.Invalid("from", "from is required: the period's start, an RFC 3339 time")
	case !q.Has("to"):
		return 0, nil, coffer.Invalid("to", "to is required: the period's end (not included), an RFC 3339 time")
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		return 0, nil, coffer.Invalid("format", "format must be json or csv")
	}
	st, err := statement.Open(r.Context(), s.store, r.PathValue("id"), from, to)
	if err != nil {
		return 0, nil, err
	}
	scale, err := s.scale(r.Context(), st.Asset)
	if err != nil {
		return 0, nil, err
	}
	if format == "csv" {
		if q.Has("cursor") || q.Has("limit") {
			return 0, nil, coffer.Invalid("cursor", "a CSV statement is the whole period: it takes no cursor or limit")
		}
		return http.StatusOK, streamed{contentType: "text/csv; charset=utf-8",
			filename: fmt.Sprintf("%s_%s_%s.csv", st.AccountID, from.Format("20060102T150405Z"), to.Format("20060102T150405Z")),
			write: func(w io.Writer, more func()) error {
				return s.writeStatementCSV(r, w, more, st, scale)
			}}, nil
	}
	limit, err := pageLimit(q)
	if err != nil {
		return 0, nil, err
	}
	var after uint64
	if c := q.Get("cursor"); c != "" {
		v, err := decodeCursor(c)
		if err != nil {
			return 0, nil, err
		}
		if after, err = strconv.ParseUint(v, 10, 64); err != nil || after == 0 {
			return 0, nil, errCursor()
		}
	}
	out := client.Statement{AccountID: st.AccountID, Asset: st.Asset, From: apiTime(st.From), To: apiTime(st.To),
		Opening: renderBalanceAt(st.Opening, scale), Closing: renderBalanceAt(st.Closing, scale)}
	if after == 0 {
		totals, err := st.Totals(r.Context(), s.store)
		if err != nil {
			return 0, nil, err
		}
		out.Totals = make([]client.StatementTotal, len(totals))
		for i, t := range totals {
			out.Totals[i] = client.StatementTotal{Type: string(t.Type), In: t.In.Format(scale), Out: t.Out.Format(scale)}
		}
	}
	es, err := st.Entries(r.Context(), s.store, after, fetchLimit(limit))
	if err != nil {
		return 0, nil, err
	}
	es, more := cut(es, limit)
	out.Entries = make([]client.Entry, len(es))
	for i, e := range es {
		out.Entries[i] = renderEntry(e, scale)
	}
	out.HasMore = more
	if more {
		out.NextCursor = encodeCursor(strconv.FormatUint(es[len(es)-1].Seq, 10))
	}
	return http.StatusOK, out, nil
}

// csvWriteBytes is how much of a CSV statement is written at a time: large enough that the
// writes (and the compressor's work behind them) cost little per row, small enough to stay in
// a core's cache.
const csvWriteBytes = 32 << 10

// statementColumns are the CSV statement's columns.
var statementColumns = []string{"seq", "created_at", "transfer_id", "type", "phase", "side", "amount",
	"balance_before", "balance_after", "available_after"}

// writeStatementCSV writes the header, an opening row, every entry of the period and a closing
// row. The opening and closing rows have the type "opening" and "closing" and their balances in
// balance_after and available_after. Rows are appended to one buffer as encoding/csv would write
// them, rather than built as slices of strings: a year of a busy account is millions of rows.
// The buffer goes to w whenever it holds csvWriteBytes.
func (s *Server) writeStatementCSV(r *http.Request, w io.Writer, more func(), st statement.Statement, scale int) error {
	row := make([]byte, 0, csvWriteBytes+1024)
	for i, c := range statementColumns {
		row = appendCSVField(row, i, c)
	}
	row = append(row, '\n')
	mark := func(kind string, b statement.Balance, at time.Time) {
		row = strconv.AppendUint(row, b.Seq, 10)
		row = append(row, ',')
		row = at.UTC().AppendFormat(row, time.RFC3339Nano)
		row = append(row, ",,"...)
		row = append(row, kind...)
		row = append(row, ",,,,,"...)
		row = b.Balance.AppendFormat(row, scale)
		row = append(row, ',')
		row = b.Available.AppendFormat(row, scale)
		row = append(row, '\n')
	}
	mark("opening", st.Opening, st.From)
	n := 0
	err := st.Each(r.Context(), s.store, func(e coffer.Entry) error {
		row = strconv.AppendUint(row, e.Seq, 10)
		row = append(row, ',')
		row = e.CreatedAt.UTC().AppendFormat(row, time.RFC3339Nano)
		row = appendCSVField(row, 1, e.TransferID)
		row = appendCSVField(row, 1, string(e.Type))
		row = appendCSVField(row, 1, string(e.Phase))
		row = appendCSVField(row, 1, string(e.Side))
		for _, a := range []coffer.Amount{e.Amount, e.BalanceBefore, e.BalanceAfter, e.AvailableAfter} {
			row = append(row, ',')
			row = a.AppendFormat(row, scale)
		}
		row = append(row, '\n')
		if len(row) >= csvWriteBytes {
			if _, err := w.Write(row); err != nil {
				return err
			}
			row = row[:0]
		}
		if n++; n%1000 == 0 {
			more()
		}
		return nil
	})
	if err != nil {
		return err
	}
	mark("closing", st.Closing, st.To)
	_, err = w.Write(row)
	return err
}

// appendCSVField appends the field s to a CSV row, after a comma unless it is the row's first
// (i 0), quoted as encoding/csv quotes: when it holds a comma, a quote or a line break, begins
// with a space or is \. alone, and with its quotes doubled.
func appendCSVField(row []byte, i int, s string) []byte {
	if i > 0 {
		row = append(row, ',')
	}
	if csvPlain(s) {
		return append(row, s...)
	}
	row = append(row, '"')
	for j := 0; j < len(s); j++ {
		if s[j] == '"' {
			row = append(row, '"')
		}
		row = append(row, s[j])
	}
	return append(row, '"')
}

// csvPlain reports whether encoding/csv writes s as it is, unquoted. It looks at bytes, not
// runes, but for a first byte outside ASCII, which may begin a Unicode space: a statement has
// millions of fields, nearly all of them plain.
func csvPlain(s string) bool {
	if s == "" {
		return true
	}
	if s == `\.` {
		return false
	}
	for j := 0; j < len(s); j++ {
		switch s[j] {
		case ',', '"', '\r', '\n':
			return false
		}
	}
	switch c := s[0]; {
	case c >= utf8.RuneSelf:
		first, _ := utf8.DecodeRuneInString(s)
		return !unicode.IsSpace(first)
	case c == ' ', c == '\t', c == '\v', c == '\f':
		return false
	}
	return true
}
