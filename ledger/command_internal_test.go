package ledger

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

// TestResultEncode holds Result.encode to json.Marshal's bytes: replays decode what either wrote.
func TestResultEncode(t *testing.T) {
	at := time.Date(2026, 11, 22, 6, 30, 0, 123456789, time.UTC)
	tr := coffer.Transfer{ID: "t<1>", DebitAccountID: "wallet:1:USD", CreditAccountID: "merchant:shop:USD",
		Asset: "USD", Amount: coffer.AmountFromInt64(1250), Type: coffer.TypePayment, State: coffer.StatePosted,
		PostedAmount: coffer.AmountFromInt64(1250), Group: "g", Metadata: map[string]string{"b": "2", "a": "\u00e9"},
		CreatedAt: at, ResolvedAt: &at}
	pending := tr
	pending.ID, pending.Pending, pending.State, pending.ExpiresAt, pending.ResolvedAt = "t2", true, coffer.StatePending, &at, nil
	for name, r := range map[string]*Result{
		"empty":     {},
		"one":       {Transfers: []coffer.Transfer{tr}},
		"two":       {Transfers: []coffer.Transfer{tr, pending}},
		"with rate": {Transfers: []coffer.Transfer{tr, pending}, Rate: "0.9215"},
		"asset":     {Asset: &coffer.Asset{Code: "USD", Scale: 2, CreatedAt: at}},
		"account":   {Account: &coffer.Account{ID: "wallet:1:USD", CreatedAt: at}, Transfers: []coffer.Transfer{tr}},
	} {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.encode()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
}
