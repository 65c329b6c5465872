package match

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cofferhq/coffer"
)

// Limits on a statement.
const (
	// LineBytesMax caps one line of a statement: a bank's line is a few hundred bytes, and a
	// cap keeps a file without line breaks from filling memory.
	LineBytesMax = 64 << 10
	// LinesMax caps the lines of one statement: a year of a busy merchant account, with room.
	LinesMax = 10_000_000
)

// The formats of a statement.
const (
	FormatCSV   = "csv"
	FormatJSONL = "jsonl"
)

// Columns maps a CSV statement's columns to a line's fields: each is a header's name, or a
// position counted from 1 ("3"). Direction may be empty: then Amount is signed, a leading '-'
// for money out. Reference and Description may be empty: the statement has none.
type Columns struct {
	Date        string
	Amount      string
	Direction   string
	Reference   string
	Description string
}

// ColumnsDefault names the columns of a statement with the header
// date,amount,direction,reference,description.
var ColumnsDefault = Columns{Date: "date", Amount: "amount", Direction: "direction", Reference: "reference", Description: "description"}

// Format is how to read a statement.
type Format struct {
	Kind    string // FormatCSV or FormatJSONL
	Columns Columns
	// NoHeader says a CSV statement starts with its first line: the columns are positions.
	NoHeader bool
	Scale    int // the asset's
}

// key returns what the content hash covers besides the bytes.
func (f Format) key() string {
	c := f.Columns
	return strings.Join([]string{f.Kind, c.Date, c.Amount, c.Direction, c.Reference, c.Description,
		strconv.FormatBool(f.NoHeader), strconv.Itoa(f.Scale)}, "\x00")
}

// reader reads the lines of a statement one at a time.
type reader struct {
	f     Format
	in    *bufio.Reader
	n     int64  // the line number last read
	cols  [5]int // positions (from 0) of date, amount, direction, reference, description; -1 if absent
	width int    // the fields of a record, from the header; 0 when there is none
	buf   []byte
}

func lineError(n int64, format string, args ...any) error {
	return coffer.Invalid("body", "line %d: %s", n, fmt.Sprintf(format, args...))
}

func newReader(in io.Reader, f Format) (*reader, error) {
	r := &reader{f: f, in: bufio.NewReaderSize(in, LineBytesMax)}
	if f.Kind == FormatJSONL {
		return r, nil
	}
	names := []string{f.Columns.Date, f.Columns.Amount, f.Columns.Direction, f.Columns.Reference, f.Columns.Description}
	var header []string
	if !f.NoHeader {
		line, err := r.line()
		if err == io.EOF {
			return nil, coffer.Invalid("body", "the statement is empty: a CSV statement starts with its header")
		}
		if err != nil {
			return nil, err
		}
		if header, err = splitCSV(line); err != nil {
			return nil, lineError(r.n, "%v", err)
		}
		r.width = len(header)
	}
	for i, name := range names {
		r.cols[i] = -1
		if name == "" {
			continue
		}
		if p, err := strconv.Atoi(name); err == nil {
			if p < 1 || (r.width > 0 && p > r.width) {
				return nil, coffer.Invalid("columns", "column position %d is not in the statement's %d columns", p, r.width)
			}
			r.cols[i] = p - 1
			continue
		}
		if f.NoHeader {
			return nil, coffer.Invalid("columns", "column %q is a name, but a statement without a header has only positions", name)
		}
		for j, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), name) {
				r.cols[i] = j
				break
			}
		}
		if r.cols[i] < 0 {
			return nil, lineError(1, "the header has no column %q (it has %s)", name, strings.Join(header, ", "))
		}
	}
	if r.cols[0] < 0 || r.cols[1] < 0 {
		return nil, coffer.Invalid("columns", "a statement needs a date and an amount column")
	}
	return r, nil
}

// line returns the next line without its line break, checked for length and UTF-8.
func (r *reader) line() ([]byte, error) {
	for {
		b, err := r.in.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, lineError(r.n+1, "the line is longer than %d bytes", LineBytesMax)
		}
		if err == io.EOF && len(b) == 0 {
			return nil, io.EOF
		}
		if err != nil && err != io.EOF {
			// The sender's doing: a body cut short, or past the server's cap.
			return nil, coffer.Invalid("body", "reading the statement failed after line %d: %v", r.n, err)
		}
		r.n++
		if r.n > LinesMax {
			return nil, lineError(r.n, "a statement has at most %d lines", LinesMax)
		}
		b = bytes.TrimRight(b, "\r\n")
		if r.n == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a byte order mark
		}
		if !utf8.Valid(b) {
			return nil, lineError(r.n, "the line is not valid UTF-8")
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue // blank lines, such as the last line break's
		}
		return b, nil
	}
}

// next returns the next statement line, io.EOF after the last, or an error naming the line.
func (r *reader) next() (coffer.StatementLine, error) {
	b, err := r.line()
	if err != nil {
		return coffer.StatementLine{}, err
	}
	var f [5]string
	if r.f.Kind == FormatJSONL {
		if f, err = jsonFields(b); err != nil {
			return coffer.StatementLine{}, lineError(r.n, "%v", err)
		}
	} else {
		fields, err := splitCSV(b)
		if err != nil {
			return coffer.StatementLine{}, lineError(r.n, "%v", err)
		}
		if r.width == 0 {
			r.width = len(fields) // the first record sets it when there is no header
		}
		if len(fields) != r.width {
			return coffer.StatementLine{}, lineError(r.n, "%d fields where the statement has %d", len(fields), r.width)
		}
		for i, c := range r.cols {
			if c >= len(fields) {
				return coffer.StatementLine{}, lineError(r.n, "no column %d", c+1)
			}
			if c >= 0 {
				f[i] = fields[c]
			}
		}
	}
	return r.parse(f)
}

// parse checks the fields date, amount, direction, reference and description of a line.
func (r *reader) parse(f [5]string) (coffer.StatementLine, error) {
	l := coffer.StatementLine{Line: r.n, Reference: strings.TrimSpace(f[3]), Description: strings.TrimSpace(f[4])}
	var err error
	if l.Date, l.Day, err = parseDate(strings.TrimSpace(f[0])); err != nil {
		return l, lineError(r.n, "%v", err)
	}
	amount, dir := strings.TrimSpace(f[1]), strings.TrimSpace(f[2])
	hasDirection := r.f.Kind == FormatJSONL && dir != "" || r.f.Kind == FormatCSV && r.cols[2] >= 0
	if hasDirection {
		switch strings.ToLower(dir) {
		case "credit", "cr", "in":
			l.Direction = coffer.Credit
		case "debit", "dr", "out":
			l.Direction = coffer.Debit
		default:
			return l, lineError(r.n, "direction %q must be credit or debit (cr, dr, in, out)", dir)
		}
	} else {
		l.Direction = coffer.Credit
		if rest, ok := strings.CutPrefix(amount, "-"); ok {
			l.Direction, amount = coffer.Debit, rest
		}
	}
	a, err := coffer.ParseAmount(amount, r.f.Scale)
	if err != nil || a.Sign() <= 0 {
		if err == nil {
			err = errors.New("it must be more than zero")
		}
		return l, lineError(r.n, "amount %q: %v (an exact decimal with at most %d decimals)", clip(amount), err, r.f.Scale)
	}
	l.Amount = a
	if len(l.Reference) > coffer.ReferenceLengthMax || len(l.Description) > coffer.ReferenceLengthMax*4 {
		return l, lineError(r.n, "the reference is longer than %d bytes or the description than %d",
			coffer.ReferenceLengthMax, coffer.ReferenceLengthMax*4)
	}
	return l, nil
}

// parseDate reads a day (2026-03-01, UTC) or a moment in RFC 3339.
func parseDate(s string) (time.Time, bool, error) {
	if len(s) == len(time.DateOnly) {
		t, err := time.Parse(time.DateOnly, s)
		if err == nil {
			return t, true, nil
		}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("date %q must be a day (2006-01-02) or a moment in RFC 3339 (2006-01-02T15:04:05Z)", clip(s))
	}
	return t.UTC().Truncate(time.Microsecond), false, nil
}

// splitCSV splits one CSV record: fields separated by commas, each bare or in double quotes
// with "" for a quote inside.
func splitCSV(b []byte) ([]string, error) {
	var out []string
	for i := 0; ; {
		if i < len(b) && b[i] == '"' {
			var sb strings.Builder
			j := i + 1
			for {
				k := bytes.IndexByte(b[j:], '"')
				if k < 0 {
					return nil, errors.New("a quoted field has no closing quote")
				}
				sb.Write(b[j : j+k])
				j += k + 1
				if j < len(b) && b[j] == '"' {
					sb.WriteByte('"')
					j++
					continue
				}
				break
			}
			out = append(out, sb.String())
			if j == len(b) {
				return out, nil
			}
			if b[j] != ',' {
				return nil, fmt.Errorf("a quoted field is followed by %q, not a comma", b[j])
			}
			i = j + 1
			continue
		}
		k := bytes.IndexByte(b[i:], ',')
		if k < 0 {
			field := b[i:]
			if bytes.IndexByte(field, '"') >= 0 {
				return nil, errors.New("a quote inside a field that does not start with one")
			}
			return append(out, string(field)), nil
		}
		if bytes.IndexByte(b[i:i+k], '"') >= 0 {
			return nil, errors.New("a quote inside a field that does not start with one")
		}
		out = append(out, string(b[i:i+k]))
		i += k + 1
	}
}

// jsonLine is a line of a JSON lines statement. Amount is a string or a number, read as its
// exact decimal text.
type jsonLine struct {
	Date        string          `json:"date"`
	Amount      json.RawMessage `json:"amount"`
	Direction   string          `json:"direction"`
	Reference   string          `json:"reference"`
	Description string          `json:"description"`
}

func jsonFields(b []byte) ([5]string, error) {
	var f [5]string
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	var l jsonLine
	if err := d.Decode(&l); err != nil {
		return f, fmt.Errorf("not a JSON object of date, amount, direction, reference and description: %v", err)
	}
	if d.More() {
		return f, errors.New("more than one JSON value")
	}
	amount := string(l.Amount)
	if strings.HasPrefix(amount, `"`) {
		if err := json.Unmarshal(l.Amount, &amount); err != nil {
			return f, fmt.Errorf("amount: %v", err)
		}
	}
	return [5]string{l.Date, amount, l.Direction, l.Reference, l.Description}, nil
}

// clip shortens text quoted back in an error.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
