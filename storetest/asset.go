package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cofferhq/coffer"
)

func testAssetRoundTrip(t *testing.T, s coffer.Store) {
	ctx := t.Context()
	usd := coffer.Asset{Code: "USD", Scale: 2, CreatedAt: t0}
	eth := coffer.Asset{Code: "ETH", Scale: 18, CreatedAt: t0.Add(time.Microsecond)}
	gold := coffer.Asset{Code: "GOLD", Scale: 0, CreatedAt: at(1)}
	save(t, s, &coffer.Changes{NewAssets: []coffer.Asset{usd, eth, gold}})

	for _, want := range []coffer.Asset{usd, eth, gold} {
		got, err := s.Asset(ctx, want.Code)
		if err != nil {
			t.Fatalf("Asset(%s): %v", want.Code, err)
		}
		same(t, "Asset("+want.Code+")", got, want)
	}

	all, err := s.Assets(ctx)
	if err != nil {
		t.Fatalf("Assets: %v", err)
	}
	slices.SortFunc(all, func(a, b coffer.Asset) int { return strings.Compare(a.Code, b.Code) })
	same(t, "Assets", all, []coffer.Asset{eth, gold, usd})

	err = s.Write(ctx, func(tx coffer.WriteTx) error {
		got, err := tx.Assets(ctx, []string{"USD", "NOPE", "ETH", "USD"})
		if err != nil {
			return err
		}
		same(t, "WriteTx.Assets", got, map[string]coffer.Asset{"USD": usd, "ETH": eth})
		none, err := tx.Assets(ctx, nil)
		if err != nil {
			return err
		}
		if len(none) != 0 {
			t.Errorf("WriteTx.Assets(nil) = %v, want none", none)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
}
