// Package sqlx holds the small SQL-building helpers the two stores share.
package sqlx

import "strings"

// Scanner is a row that scans into destinations, as database/sql's and pgx's rows do.
type Scanner interface {
	Scan(dest ...any) error
}

// SeqRow scans a leading seq column into Seq and the rest into what Scan is given, so a row
// scanner written for a table's columns also reads "seq, <the table's columns>".
type SeqRow struct {
	Row Scanner
	Seq *int64
}

func (s SeqRow) Scan(dest ...any) error { return s.Row.Scan(append([]any{s.Seq}, dest...)...) }

// Qualified returns the comma-separated columns each prefixed with p, such as "t.".
func Qualified(p, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}
