package walletdemo_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestReconcile reconciles a wallet through the profile: the balance at the period's end from
// its entries, matched, matched within the tolerance (with the difference shown), mismatched;
// each stored, a new one per request, and seen through /v1 as reconcile stored it.
func TestReconcile(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		c := e.demo
		wid := strconv.FormatUint(id(t, c.createWallet("42", "USD").object(t, http.StatusOK)), 10)
		start := time.Now().Add(-time.Hour).UTC().Truncate(time.Microsecond)
		c.deposit(wid, `"100"`, "r-1").object(t, http.StatusOK)
		c.withdraw(wid, `"30.5"`, "r-2").object(t, http.StatusOK)
		end := time.Now().UTC().Truncate(time.Microsecond)
		body := func(external, tolerance string) string {
			b := `{"start_time":"` + start.Format(time.RFC3339Nano) + `","end_time":"` + end.Format(time.RFC3339Nano) +
				`","external_balance":` + external + `,"notes":"month end"`
			if tolerance != "" {
				b += `,"tolerance":` + tolerance
			}
			return b + "}"
		}
		var ids []uint64
		for _, tt := range []struct{ external, tolerance, status, difference string }{
			{`"69.5"`, "", "matched", "0"},
			{`69.51`, `"0.01"`, "matched", "0.01"},
			{`"60"`, `0.5`, "mismatch", "-9.5"},
		} {
			r := c.do("POST", "/api/wallets/"+wid+"/reconcile", body(tt.external, tt.tolerance)).object(t, http.StatusOK)
			var external string
			json.Unmarshal([]byte(tt.external), &external)
			if external == "" {
				external = tt.external
			}
			checkObject(t, "reconcile "+tt.external, r, map[string]any{"ID": anyInt, "CreatedAt": anyTime, "UpdatedAt": anyTime,
				"WalletID": json.Number(wid), "StartTime": start.Format(time.RFC3339Nano), "EndTime": end.Format(time.RFC3339Nano),
				"SystemBalance": "69.5", "ExternalBalance": external, "Status": tt.status, "Difference": tt.difference,
				"Notes": "month end"})
			ids = append(ids, id(t, r))
			stored, err := e.v1.Reconciliation(t.Context(), "walletdemo-"+strconv.FormatUint(id(t, r), 10))
			if err != nil {
				t.Fatalf("/v1 reconciliation of %d: %v", id(t, r), err)
			}
			if stored.AccountID != "wallet:42:USD" || stored.LedgerBalance != "69.50" {
				t.Errorf("/v1 reconciliation = %+v", stored)
			}
		}
		if ids[0] == ids[1] || ids[1] == ids[2] {
			t.Errorf("reconciliation numbers %v: want a new one per request", ids)
		}
		// A wallet with no transaction yet has nothing to reconcile.
		empty := strconv.FormatUint(id(t, c.createWallet("43", "USD").object(t, http.StatusOK)), 10)
		a := c.do("POST", "/api/wallets/"+empty+"/reconcile", body(`"0"`, ""))
		if a.status != http.StatusBadRequest {
			t.Errorf("reconcile an unused wallet: %d %s", a.status, a.raw)
		}
	})
}
