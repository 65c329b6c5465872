package match_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/reconcile/match"
)

type store interface {
	coffer.Store
	match.Store
}

// env is a ledger on a fresh store whose clock a test moves, and a match service on it.
type env struct {
	s     store
	l     *ledger.Ledger
	svc   *match.Service
	clock *atomic.Pointer[time.Time]
}

var start = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

func setup(t testing.TB, kind testdb.Kind) *env {
	t.Helper()
	s := kind.Open(t).(store)
	clock := &atomic.Pointer[time.Time]{}
	clock.Store(&start)
	now := func() time.Time { return *clock.Load() }
	l := ledger.New(s, ledger.Config{Now: now, Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { l.Close() })
	svc := match.New(match.Config{Store: s, Ledger: l, SpoolDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(svc.Close)
	e := &env{s: s, l: l, svc: svc, clock: clock}
	e.do(t, ledger.CreateAsset{Code: "USD", Scale: 2})
	return e
}

func (e *env) at(t time.Time) { e.clock.Store(&t) }

func (e *env) do(t testing.TB, cmds ...ledger.Command) {
	t.Helper()
	for i, o := range e.l.DoAll(t.Context(), cmds) {
		if o.Err != nil {
			t.Fatalf("command %d: %v", i, o.Err)
		}
	}
}

// traffic is one generated transfer of the account and its statement line.
type traffic struct {
	id     string
	ref    string // what its line's reference says, if the line has one
	at     time.Time
	amount int64
	dir    coffer.Side
}

// generate writes n transfers of wallet:m1:USD through the ledger, a deposit in (credit) or a
// payment out (debit) each, every amount unique, 1,000 at a time ten hours apart. The 1,000 of a
// time go as one command of linked transfers, typed deposit and payment with the accounts and
// references that Deposit and Pay give theirs: the ledger checks, posts and records each
// transfer as it would theirs, and the matching reads transfers, never the commands that made
// them. One command per transfer would add an operation, its fingerprint and its result each,
// which cost the 100,000-line test most of its setup under the race detector.
func generate(t testing.TB, e *env, n int) []traffic {
	t.Helper()
	wallet := coffer.AccountID(coffer.KindWallet, "m1", "USD")
	merchant := coffer.AccountID(coffer.KindMerchant, "shop", "USD")
	world := coffer.AccountID(coffer.KindSystem, coffer.OwnerWorld, "USD")
	e.do(t, ledger.CreateAccount{Kind: coffer.KindWallet, Owner: "m1", Asset: "USD"},
		ledger.CreateAccount{Kind: coffer.KindMerchant, Owner: "shop", Asset: "USD"})
	var out []traffic
	var specs []ledger.TransferSpec
	for i := range n {
		at := start.Add(time.Duration(i/1000) * 10 * time.Hour).Add(time.Hour)
		amount := int64(1_000_000 + i)
		tr := traffic{id: fmt.Sprintf("t%d", i), at: at, amount: amount, dir: coffer.Credit}
		spec := ledger.TransferSpec{ID: tr.id, DebitAccountID: world, CreditAccountID: wallet,
			Amount: coffer.AmountFromInt64(amount), Type: coffer.TypeDeposit}
		tr.ref = tr.id
		if i%4 == 3 {
			tr.dir, tr.ref = coffer.Debit, fmt.Sprintf("order-%d", i)
			spec.DebitAccountID, spec.CreditAccountID = wallet, merchant
			spec.Type, spec.Reference = coffer.TypePayment, tr.ref
		}
		out = append(out, tr)
		specs = append(specs, spec)
		if len(specs) == 1000 || i == n-1 {
			id := fmt.Sprintf("traffic-%d", i/1000)
			if len(specs) == 1 {
				id = specs[0].ID // the ledger's rule for a transfer on its own
			}
			e.at(at)
			e.do(t, ledger.CreateTransfers{ID: id, Transfers: specs})
			specs = nil
		}
	}
	return out
}

func csvLine(b *bytes.Buffer, date string, amount int64, dir coffer.Side, ref, desc string) {
	fmt.Fprintf(b, "%s,%s,%s,%s,%s\n", date, coffer.AmountFromInt64(amount).Format(2), dir, ref, desc)
}

// TestMatchPerturbed: a statement of 100,000 lines made from the ledger's own traffic, with
// lines left out, lines added, amounts changed, a settlement line in place of several, dates
// moved within the window and past it. Every perturbation is reported, and nothing else.
func TestMatchPerturbed(t *testing.T) {
	const n = 100_000
	for _, kind := range testdb.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			tr := generate(t, e, n)
			rng := rand.New(rand.NewPCG(16, 15))
			// The settlement: five consecutive deposits of one day, the 40,000th on, in one line.
			const settleFrom, settleN = 40_010, 5
			settle := map[int]bool{}
			var settleSum int64
			for i, k := settleFrom, 0; k < settleN; i++ {
				if tr[i].dir == coffer.Credit {
					settle[i] = true
					settleSum += tr[i].amount
					k++
				}
			}
			settleDay := tr[settleFrom].at.Truncate(24 * time.Hour)
			// The other perturbations, away from the period's edges and the settlement's day.
			kinds := []string{"missing", "changed", "within", "outside"}
			perturbed := map[int]string{}
			for len(perturbed) < 400 {
				i := n/10 + rng.IntN(n*8/10)
				if tr[i].at.Truncate(24*time.Hour).Equal(settleDay) || perturbed[i] != "" {
					continue
				}
				perturbed[i] = kinds[len(perturbed)%len(kinds)]
			}
			var b bytes.Buffer
			b.WriteString("date,amount,direction,reference,description\n")
			lineOf := map[int]int64{} // transfer -> its line number
			wantLines := map[int64]string{}
			wantTransfers := map[string]string{}
			lineNo := int64(1)
			for i, x := range tr {
				if settle[i] {
					continue
				}
				date, amount, ref := x.at, x.amount, ""
				if i%2 == 0 {
					ref = x.ref
				}
				switch perturbed[i] {
				case "missing":
					wantTransfers[x.id] = "missing"
					continue
				case "changed":
					amount += 10_000_000_000
					wantTransfers[x.id] = "changed"
				case "within":
					date = date.Add(47 * time.Hour)
				case "outside":
					date = date.Add(5 * 24 * time.Hour)
					wantTransfers[x.id] = "outside"
				}
				lineNo++
				ds := date.Format(time.RFC3339)
				if i%3 == 0 {
					ds = date.Format(time.DateOnly)
				}
				csvLine(&b, ds, amount, x.dir, ref, "line of "+x.id)
				lineOf[i] = lineNo
				if p := perturbed[i]; p == "changed" || p == "outside" {
					wantLines[lineNo] = p
				}
				if i == settleFrom+20 {
					lineNo++
					csvLine(&b, settleDay.Format(time.DateOnly), settleSum, coffer.Credit, "", "daily settlement")
					lineOf[-1] = lineNo
				}
				if i%250 == 7 && len(wantLines) < 2000 { // extra lines, amounts no transfer has
					lineNo++
					csvLine(&b, x.at.Format(time.RFC3339), int64(100+i), coffer.Credit, fmt.Sprintf("bank-%d", i), "unknown")
					wantLines[lineNo] = "extra"
				}
			}
			from, to := start, tr[n-1].at.Truncate(24*time.Hour).Add(7*24*time.Hour)
			e.at(to.Add(time.Hour))
			began := time.Now()
			imp, created, err := e.svc.Import(t.Context(), match.Request{ID: "st-1", AccountID: "wallet:m1:USD", From: from, To: to,
				Format: match.Format{Kind: match.FormatCSV, Columns: match.ColumnsDefault}, CreatedBy: "k1"}, bytes.NewReader(b.Bytes()))
			if err != nil || !created || imp.Status != coffer.ImportRunning {
				t.Fatalf("Import: %+v %v %v", imp, created, err)
			}
			e.svc.Wait()
			t.Logf("%d lines imported and matched in %s", lineNo-1, time.Since(began))
			imp, err = e.s.StatementImport(t.Context(), "st-1")
			if err != nil || imp.Status != coffer.ImportDone || imp.LinesRead != lineNo-1 || imp.Lines != lineNo-1 {
				t.Fatalf("import: %+v %v; want done with %d lines", imp, err, lineNo-1)
			}
			var exc []coffer.StatementException
			for after := int64(0); ; {
				page, err := e.s.StatementExceptions(t.Context(), coffer.StatementExceptionFilter{ImportID: "st-1", AfterSeq: after, Limit: 1000})
				if err != nil {
					t.Fatal(err)
				}
				exc = append(exc, page...)
				if len(page) < 1000 {
					break
				}
				after = page[len(page)-1].Seq
			}
			gotLines, gotTransfers := map[int64]bool{}, map[string]bool{}
			for _, x := range exc {
				if x.Kind == coffer.ExceptionLine {
					gotLines[x.Line] = true
					if wantLines[x.Line] == "" {
						t.Errorf("line %d reported: %s", x.Line, x.Reason)
					}
				} else {
					gotTransfers[x.TransferID] = true
					if wantTransfers[x.TransferID] == "" {
						t.Errorf("transfer %s reported: %s", x.TransferID, x.Reason)
					}
				}
			}
			for l, why := range wantLines {
				if !gotLines[l] {
					t.Errorf("line %d (%s) not reported", l, why)
				}
			}
			for id, why := range wantTransfers {
				if !gotTransfers[id] {
					t.Errorf("transfer %s (%s) not reported", id, why)
				}
			}
			if want := int64(len(wantLines) + len(wantTransfers)); imp.Exceptions != want || imp.Matched != lineNo-1-int64(len(wantLines)) {
				t.Errorf("import counts %d matched, %d exceptions; want %d, %d", imp.Matched, imp.Exceptions, lineNo-1-int64(len(wantLines)), want)
			}
			ms, err := e.s.StatementMatches(t.Context(), coffer.StatementMatchFilter{ImportID: "st-1", AfterLine: lineOf[-1] - 1, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var settled []string
			for _, m := range ms {
				if m.Line == lineOf[-1] && m.Rule == coffer.RuleSettlement {
					settled = append(settled, m.TransferID)
				}
			}
			var want []string
			for i := range settle {
				want = append(want, tr[i].id)
			}
			slices.Sort(want)
			if !slices.Equal(settled, want) {
				t.Errorf("settlement line %d matched %v; want %v", lineOf[-1], settled, want)
			}
			// The same statement again is the same import; another under the id a conflict.
			again, created, err := e.svc.Import(t.Context(), match.Request{ID: "st-1", AccountID: "wallet:m1:USD", From: from, To: to,
				Format: match.Format{Kind: match.FormatCSV, Columns: match.ColumnsDefault}}, bytes.NewReader(b.Bytes()))
			if err != nil || created || again.Status != coffer.ImportDone || again.Exceptions != imp.Exceptions {
				t.Fatalf("the same statement again: %+v %v %v", again, created, err)
			}
			b.WriteString("2026-01-06,1.00,credit,x,y\n")
			if _, _, err := e.svc.Import(t.Context(), match.Request{ID: "st-1", AccountID: "wallet:m1:USD", From: from, To: to,
				Format: match.Format{Kind: match.FormatCSV, Columns: match.ColumnsDefault}}, bytes.NewReader(b.Bytes())); coffer.ErrorCode(err) != coffer.ECONFLICT {
				t.Fatalf("another statement under the id: %v", err)
			}
		})
	}
}
