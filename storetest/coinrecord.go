package storetest

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/cofferhq/coffer"
)

// testCoinRecords checks the coin wallet profile's records: stored once under their id, read
// back as written, listed per owner newest first with offset paging inside its bounds.
func testCoinRecords(t *testing.T, s coffer.Store) {
	cs, ok := s.(coffer.CoinRecordStore)
	if !ok {
		t.Skipf("%T keeps no coin records", s)
	}
	ctx := t.Context()
	_, err := cs.CoinRecord(ctx, "tid-none")
	wantCode(t, "CoinRecord of a missing id", err, coffer.ENOTFOUND)

	first := coffer.CoinRecord{ID: "tid-1", Owner: "1001", Kind: "recharge",
		Request: []byte(`{"coin_num":100}`), Fingerprint: "f1", Answer: []byte(`{"gold":100}`), CreatedAt: at(1)}
	got, err := cs.PutCoinRecords(ctx, []coffer.CoinRecord{first})
	if err != nil || !reflect.DeepEqual(got, []coffer.CoinRecord{first}) {
		t.Fatalf("PutCoinRecords = %+v, %v; want %+v", got, err, first)
	}
	again := first
	again.Fingerprint, again.Answer, again.CreatedAt = "f2", []byte(`{"gold":7}`), at(2)
	fresh := coffer.CoinRecord{ID: "tid-0", Owner: "1002", Kind: "pay", Request: []byte(`{}`), Answer: []byte(`{}`), CreatedAt: at(1)}
	got, err = cs.PutCoinRecords(ctx, []coffer.CoinRecord{again, fresh})
	if err != nil || !reflect.DeepEqual(got, []coffer.CoinRecord{first, fresh}) {
		t.Fatalf("PutCoinRecords of a taken id and a new one = %+v, %v; want the first and the new one", got, err)
	}
	failed := coffer.CoinRecord{ID: "tid-2", Owner: "1001", Kind: "pay", Request: []byte(`{}`), Fingerprint: "f",
		Failed: true, Code: coffer.EINSUFFICIENTFUNDS, Message: "not enough", Answer: []byte(`{}`), CreatedAt: at(3)}
	if _, err := cs.PutCoinRecords(ctx, []coffer.CoinRecord{failed}); err != nil {
		t.Fatal(err)
	}
	if got, err := cs.CoinRecord(ctx, "tid-2"); err != nil || !reflect.DeepEqual(got, failed) {
		t.Fatalf("CoinRecord = %+v, %v; want %+v", got, err, failed)
	}
	for i := range 5 {
		r := coffer.CoinRecord{ID: fmt.Sprintf("tid-x%d", i), Owner: "1001", Kind: "pay", Request: []byte(`{}`),
			Answer: []byte(`{}`), CreatedAt: at(10)} // one time: the id orders them
		if _, err := cs.PutCoinRecords(ctx, []coffer.CoinRecord{r}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cs.PutCoinRecords(ctx, []coffer.CoinRecord{{ID: "tid-other", Owner: "1002", Kind: "pay",
		Request: []byte(`{}`), Answer: []byte(`{}`), CreatedAt: at(20)}}); err != nil {
		t.Fatal(err)
	}
	ids := func(offset, limit int) []string {
		rs, err := cs.CoinRecords(ctx, "1001", offset, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	want := []string{"tid-x4", "tid-x3", "tid-x2", "tid-x1", "tid-x0", "tid-2", "tid-1"}
	if got := ids(0, 100); !reflect.DeepEqual(got, want) {
		t.Errorf("CoinRecords = %v, want %v", got, want)
	}
	if got := ids(5, 3); !reflect.DeepEqual(got, want[5:]) {
		t.Errorf("CoinRecords offset 5 = %v, want %v", got, want[5:])
	}
	if got := ids(1, 2); !reflect.DeepEqual(got, want[1:3]) {
		t.Errorf("CoinRecords offset 1 limit 2 = %v, want %v", got, want[1:3])
	}
	if got := ids(-3, 0); !reflect.DeepEqual(got, want[:1]) {
		t.Errorf("CoinRecords offset -3 limit 0 = %v, want the newest alone", got)
	}
	if got := ids(coffer.CoinRecordOffsetMax+5, 10); len(got) != 0 {
		t.Errorf("CoinRecords past the offset bound = %v, want none", got)
	}
}
