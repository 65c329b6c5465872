package coffer_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

// jsonStrings are the strings the random transfers draw from: plain ids and every kind of
// character encoding/json escapes.
var jsonStrings = []string{"", "t-1", "wallet:1001:USD", "a\"b", `back\slash`, "<tag>", "a&b", "x>y", "line\nfeed\ttab\r",
	"\x00\x1f\x7f", "caf\u00e9", "\u2028\u2029", "bad \xff utf-8", "\U0001F600", "'single'", "\b\f"}

func randomTransfer(r *rand.Rand) *coffer.Transfer {
	str := func() string { return jsonStrings[r.IntN(len(jsonStrings))] }
	amounts := []coffer.Amount{{}, coffer.AmountFromInt64(1), coffer.AmountFromInt64(-250),
		coffer.AmountFromInt64(1 << 62), coffer.MaxAmount, coffer.MaxAmount.Neg(), coffer.MustMinor("18446744073709551616")}
	amount := func() coffer.Amount { return amounts[r.IntN(len(amounts))] }
	zones := []*time.Location{time.UTC, time.FixedZone("x", 5*3600+30*60), time.FixedZone("y", -8*3600)}
	at := func() time.Time {
		return time.Unix(r.Int64N(1<<34), r.Int64N(3)*int64(r.IntN(1e9))).In(zones[r.IntN(len(zones))])
	}
	t := &coffer.Transfer{ID: str(), DebitAccountID: str(), CreditAccountID: str(), Asset: str(), Amount: amount(),
		Type: coffer.TransferType(str()), State: coffer.TransferState(str()), Pending: r.IntN(2) == 0,
		PostedAmount: amount(), Refunded: amount(), Group: str(), Reference: str(), CreatedAt: at()}
	if r.IntN(2) == 0 {
		e := at()
		t.ExpiresAt = &e
	}
	if r.IntN(2) == 0 {
		e := at()
		t.ResolvedAt = &e
	}
	switch r.IntN(3) {
	case 1:
		t.Metadata = map[string]string{}
	case 2:
		t.Metadata = map[string]string{}
		for range 1 + r.IntN(4) {
			t.Metadata[str()] = str()
		}
	}
	return t
}

// TestTransferAppendJSON holds AppendJSON to what encoding/json writes, byte for byte, since
// recorded results and events written by either must read back the same.
func TestTransferAppendJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		tr := randomTransfer(r)
		want, err := json.Marshal(tr)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tr.AppendJSON([]byte("prefix"))
		if err != nil {
			t.Fatalf("transfer %d: %v", i, err)
		}
		if !bytes.Equal(got, append([]byte("prefix"), want...)) {
			t.Fatalf("transfer %d:\n got %s\nwant prefix%s", i, got, want)
		}
	}
}

func TestTransferAppendJSONBadTime(t *testing.T) {
	for _, at := range []time.Time{
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("far", 25*3600)),
	} {
		tr := &coffer.Transfer{CreatedAt: at}
		if _, err := json.Marshal(tr); err == nil {
			t.Fatalf("json.Marshal accepts %v; the case tests nothing", at)
		}
		if _, err := tr.AppendJSON(nil); err == nil {
			t.Errorf("AppendJSON accepts %v, which json.Marshal refuses", at)
		}
	}
}

func FuzzTransferAppendJSON(f *testing.F) {
	for _, s := range jsonStrings {
		f.Add(s, s, int64(len(s)))
	}
	f.Fuzz(func(t *testing.T, id, meta string, nanos int64) {
		at := time.Unix(0, nanos).UTC()
		tr := &coffer.Transfer{ID: id, Reference: meta, Metadata: map[string]string{meta: id, id: meta},
			Amount: coffer.AmountFromInt64(nanos), CreatedAt: at, ResolvedAt: &at}
		want, wantErr := json.Marshal(tr)
		got, err := tr.AppendJSON(nil)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("AppendJSON error %v, json.Marshal error %v", err, wantErr)
		}
		if err == nil && !bytes.Equal(got, want) {
			t.Fatalf("got %s\nwant %s", got, want)
		}
	})
}
