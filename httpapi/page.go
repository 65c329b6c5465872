package httpapi

import (
	"encoding/base64"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
)

// Every listing answers a page the same way: at most limit rows, has_more when more follow,
// and the cursor of the next page only then. It reads one row more than it answers, whose
// presence is what says that more follow, so that a cursor never leads to an empty page.

// fetchLimit is the rows a listing reads for a page of limit rows.
func fetchLimit(limit int) int { return limit + 1 }

// cut returns the page of a listing read with fetchLimit(limit), and whether more follow.
func cut[T any](rows []T, limit int) ([]T, bool) {
	if len(rows) > limit {
		return rows[:limit], true
	}
	return rows, false
}

// Cursors are opaque to clients: base64url of what the store continues after.

func encodeCursor(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func decodeCursor(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return "", errCursor()
	}
	return string(b), nil
}

func errCursor() error { return coffer.Invalid("cursor", "cursor is not one this API returned") }

// timeCursor is the cursor of a listing ordered by (time, id).
func timeCursor(t time.Time, id string) string {
	return encodeCursor(t.UTC().Format(time.RFC3339Nano) + "\n" + id)
}

func decodeTimeCursor(c string) (time.Time, string, error) {
	s, err := decodeCursor(c)
	if err != nil {
		return time.Time{}, "", err
	}
	ts, id, ok := strings.Cut(s, "\n")
	t, perr := time.Parse(time.RFC3339Nano, ts)
	if !ok || perr != nil || id == "" {
		return time.Time{}, "", errCursor()
	}
	return t, id, nil
}

// paged cuts rows, read with fetchLimit(limit), to the page, renders each row, and when more
// follow names the next page's cursor after the page's last row.
func paged[T, R any](rows []T, limit int, render func(T) (R, error), cursor func(T) string) (items []R, more bool, next string, err error) {
	rows, more = cut(rows, limit)
	items = make([]R, len(rows))
	for i, row := range rows {
		if items[i], err = render(row); err != nil {
			return nil, false, "", err
		}
	}
	if more {
		next = cursor(rows[len(rows)-1])
	}
	return items, more, next, nil
}

// infallible is render for paged, of a rendering that cannot fail.
func infallible[T, R any](render func(T) R) func(T) (R, error) {
	return func(row T) (R, error) { return render(row), nil }
}
