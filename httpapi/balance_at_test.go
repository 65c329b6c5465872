package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer/client"
)

// TestBalanceAt: an account's balances at moments before, between and after its entries, by
// time and by seq, through the server; bad questions are 400 naming the parameter.
func TestBalanceAt(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	before := e.clock.Now()
	e.clock.Advance(time.Minute)
	e.deposit("d1", "1001", "USD", "100.00")
	afterDeposit := e.clock.Now()
	e.clock.Advance(time.Minute)
	if _, err := e.operator.Hold(ctx, client.HoldRequest{ID: "h1", Owner: "1001", Asset: "USD", Amount: "30.00", TimeoutSeconds: 3600}); err != nil {
		t.Fatal(err)
	}
	afterHold := e.clock.Now()
	e.clock.Advance(time.Minute)
	e.deposit("d2", "1001", "USD", "5.00")
	for _, tc := range []struct {
		at                       time.Time
		seq                      uint64
		balance, available, held string
	}{
		{before, 0, "0.00", "0.00", "0.00"},
		{afterDeposit, 1, "100.00", "100.00", "0.00"},
		{afterDeposit.Add(30 * time.Second), 1, "100.00", "100.00", "0.00"},
		{afterHold, 2, "100.00", "70.00", "30.00"},
		{e.clock.Now().Add(time.Hour), 3, "105.00", "75.00", "30.00"},
	} {
		b, err := e.reader.BalanceAt(ctx, "wallet:1001:USD", tc.at)
		if err != nil {
			t.Fatal(err)
		}
		if b.Seq != tc.seq || b.Balance != tc.balance || b.Available != tc.available || b.Held != tc.held || b.At == nil || b.Asset != "USD" {
			t.Errorf("at %s: %+v; want seq %d, %s, %s, %s", tc.at, b, tc.seq, tc.balance, tc.available, tc.held)
		}
		bySeq, err := e.reader.BalanceAtSeq(ctx, "wallet:1001:USD", tc.seq)
		if err != nil || bySeq.Balance != tc.balance || bySeq.Held != tc.held || bySeq.At != nil || (tc.seq > 0) != (bySeq.EntryAt != nil) {
			t.Errorf("seq %d: %+v %v", tc.seq, bySeq, err)
		}
	}
	for _, tc := range []struct{ query, param string }{
		{"at=yesterday", "at"},
		{"seq=-1", "seq"},
		{"seq=4", "seq"},
		{"at=2026-01-01T00:00:00Z&seq=1", "seq"},
		{"when=now", "when"},
	} {
		code, body := e.raw("GET", "/v1/accounts/wallet:1001:USD/balance?"+tc.query, e.readerKey, "")
		if code != 400 || !strings.Contains(string(body), `"param":"`+tc.param+`"`) {
			t.Errorf("%s: %d %s; want 400 naming %s", tc.query, code, body, tc.param)
		}
	}
	if code, _ := e.raw("GET", "/v1/accounts/"+url.PathEscape("wallet:nobody:USD")+"/balance", e.readerKey, ""); code != 404 {
		t.Errorf("an unknown account: %d; want 404", code)
	}
}

// TestStatementRoute: a month's statement as JSON pages and as CSV, through the server.
func TestStatementRoute(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	e.deposit("d0", "1001", "USD", "10.00") // before the period
	e.clock.Advance(time.Hour)
	from := e.clock.Now()
	for i := range 5 {
		e.clock.Advance(time.Minute)
		e.deposit(fmt.Sprint("d", i+1), "1001", "USD", "20.00")
	}
	if _, err := e.operator.Pay(ctx, client.PaymentRequest{ID: "p1", Owner: "1001", Merchant: "shop", Asset: "USD", Amount: "30.00", OrderID: "o-1"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	to := e.clock.Now()
	e.deposit("late", "1001", "USD", "1.00") // at to: not in the period
	q := client.StatementQuery{From: from, To: to, Limit: 4}
	st, err := e.reader.Statement(ctx, "wallet:1001:USD", q)
	if err != nil {
		t.Fatal(err)
	}
	if st.Opening.Balance != "10.00" || st.Closing.Balance != "80.00" || len(st.Entries) != 4 || !st.HasMore ||
		fmt.Sprint(st.Totals) != "[{deposit 100.00 0.00} {payment 0.00 30.00}]" {
		t.Fatalf("first page %+v", st)
	}
	q.Cursor = st.NextCursor
	next, err := e.reader.Statement(ctx, "wallet:1001:USD", q)
	if err != nil || len(next.Entries) != 2 || next.HasMore || next.Totals != nil || next.Entries[0].Seq != st.Entries[3].Seq+1 {
		t.Fatalf("second page %+v %v", next, err)
	}
	var csv strings.Builder
	if err := e.reader.StatementCSV(ctx, "wallet:1001:USD", from, to, &csv); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(csv.String()), "\n")
	if len(lines) != 9 || lines[0] != "seq,created_at,transfer_id,type,phase,side,amount,balance_before,balance_after,available_after" ||
		!strings.Contains(lines[1], ",opening,") || !strings.HasSuffix(lines[1], ",10.00,10.00") ||
		!strings.Contains(lines[2], ",d1,deposit,posted,credit,20.00,10.00,30.00,30.00") ||
		!strings.Contains(lines[8], ",closing,") || !strings.HasSuffix(lines[8], ",80.00,80.00") {
		t.Fatalf("csv:\n%s", csv.String())
	}
	f, tt := url.QueryEscape(from.Format(time.RFC3339Nano)), url.QueryEscape(to.Format(time.RFC3339Nano))
	for _, tc := range []struct{ query, param string }{
		{"to=" + tt, "from"},
		{"from=" + f, "to"},
		{"from=" + tt + "&to=" + f, "to"},
		{"from=" + f + "&to=" + tt + "&format=xml", "format"},
		{"from=" + f + "&to=" + tt + "&format=csv&limit=5", "cursor"},
	} {
		code, body := e.raw("GET", "/v1/accounts/wallet:1001:USD/statement?"+tc.query, e.readerKey, "")
		if code != 400 || !strings.Contains(string(body), `"param":"`+tc.param+`"`) {
			t.Errorf("%s: %d %s; want 400 naming %s", tc.query, code, body, tc.param)
		}
	}
}
