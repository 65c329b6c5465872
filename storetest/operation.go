package storetest

import (
	"encoding/json"
	"testing"

	"github.com/cofferhq/coffer"
)

func testOperationRoundTrip(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	done := coffer.Operation{
		ID: "op-1", Kind: "deposit", Fingerprint: "9f86d081884c7d659a2feaa0c55ad015",
		Result:    json.RawMessage(`{"transfers":[{"id":"op-1","amount":"170141183460469231731687303715884105727"}], "note": "ünï"}`),
		CreatedAt: t0,
	}
	rejected := coffer.Operation{
		ID: "op-2", Kind: "transfer.post", Fingerprint: "60303ae22b998861bce3b28f33eec1be",
		ErrCode: coffer.EINSUFFICIENTFUNDS, ErrMessage: `available is 1.00 USD; "2.00" was asked`,
		CreatedAt: at(1),
	}
	save(t, s, &coffer.Changes{Operations: []coffer.Operation{done, rejected}})

	err := s.Write(ctx, func(tx coffer.WriteTx) error {
		got, err := tx.Operations(ctx, []string{"op-2", "nope", "op-1", "op-2"})
		if err != nil {
			return err
		}
		same(t, "Operations", got, map[string]*coffer.Operation{"op-1": &done, "op-2": &rejected})
		none, err := tx.Operations(ctx, []string{})
		if err != nil {
			return err
		}
		if len(none) != 0 {
			t.Errorf("Operations([]) = %v, want none", none)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
}
