package httpapi

import (
	"encoding/csv"
	"strings"
	"testing"
)

// TestAppendCSVField: a row of fields appended by appendCSVField is what encoding/csv writes, for
// fields that need no quotes and every kind that does.
func TestAppendCSVField(t *testing.T) {
	fields := []string{"", "plain", "a,b", `say "hi"`, "two\nlines", "cr\rhere", " lead", "\ttab", "\u00a0nbsp",
		`\.`, `\.x`, "trail ", "ünïcode", `"`, ",", "\vvt", "\fff", "\u0085nel", "\u2003em", "in\u00a0side", "\xffbad", "tab\tin"}
	var want strings.Builder
	w := csv.NewWriter(&want)
	w.Write(fields)
	w.Flush()
	var got []byte
	for i, f := range fields {
		got = appendCSVField(got, i, f)
	}
	got = append(got, '\n')
	if string(got) != want.String() {
		t.Fatalf("appended\n%q\nencoding/csv\n%q", got, want.String())
	}
}
