package match_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/reconcile/match"
)

// BenchmarkImport imports and matches a statement of COFFER_BENCH_STATEMENT_LINES lines
// (20,000 unless set) of as many transfers written through the ledger, one import per
// iteration, on each store. It reports the import's lines a second and, as its baseline from
// the same run, the ratio of the import's time to the time the ledger took to write the
// transfers it matches (ledger_ratio). docs/PERFORMANCE.md has the figures of a million lines.
func BenchmarkImport(b *testing.B) {
	n := 20_000
	if v := os.Getenv("COFFER_BENCH_STATEMENT_LINES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	for _, kind := range testdb.Kinds() {
		b.Run(kind.Name, func(b *testing.B) {
			e := setup(b, kind)
			began := time.Now()
			tr := generate(b, e, n)
			wrote := time.Since(began)
			file := filepath.Join(b.TempDir(), "statement.csv")
			f, err := os.Create(file)
			if err != nil {
				b.Fatal(err)
			}
			w := bufio.NewWriter(f)
			w.WriteString("date,amount,direction,reference,description\n")
			for i, x := range tr {
				ref, date := "", x.at.Format(time.RFC3339)
				if i%2 == 0 {
					ref = x.ref
				}
				if i%3 == 0 {
					date = x.at.Format(time.DateOnly)
				}
				fmt.Fprintf(w, "%s,%s,%s,%s,line %d\n", date, coffer.AmountFromInt64(x.amount).Format(2), x.dir, ref, i)
			}
			if err := w.Flush(); err != nil {
				b.Fatal(err)
			}
			f.Close()
			e.at(tr[n-1].at.Add(time.Hour))
			var took time.Duration
			i := 0
			for b.Loop() {
				i++
				in, err := os.Open(file)
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				_, _, err = e.svc.Import(b.Context(), match.Request{ID: fmt.Sprintf("bench-%d", i), AccountID: "wallet:m1:USD",
					Format: match.Format{Kind: match.FormatCSV, Columns: match.ColumnsDefault}}, in)
				if err != nil {
					b.Fatal(err)
				}
				e.svc.Wait()
				took += time.Since(start)
				in.Close()
				imp, err := e.s.StatementImport(b.Context(), fmt.Sprintf("bench-%d", i))
				if err != nil || imp.Status != coffer.ImportDone || imp.Matched != int64(n) {
					b.Fatalf("%+v %v", imp, err)
				}
			}
			per := took / time.Duration(i)
			b.ReportMetric(float64(n)/per.Seconds(), "lines/s")
			b.ReportMetric(per.Seconds()/wrote.Seconds(), "ledger_ratio")
			b.Logf("%d lines: ledger wrote the transfers in %s, import and match took %s", n, wrote, per)
		})
	}
}
