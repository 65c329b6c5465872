package address_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/address"
	"github.com/cofferhq/coffer/internal/chaintest"
	"github.com/cofferhq/coffer/sqlite"
)

func setup(t *testing.T) *address.Service {
	t.Helper()
	xpub := chaintest.XPub(t)
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "coffer.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	cfg := chain.Config{
		Chains: []chain.Chain{{Name: "dev", ID: 1337}, {Name: "bsc", ID: 56}},
		Assets: []chain.Asset{{Code: "ETH", Chain: "dev", Decimals: 18}, {Code: "BNB", Chain: "bsc", Decimals: 18}},
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return &address.Service{Config: cfg, Keys: xpub, Store: store}
}

func TestAssign(t *testing.T) {
	s := setup(t)
	ctx := t.Context()
	a, created, err := s.Assign(ctx, "1001", "", "ETH")
	if err != nil || !created || a.Chain != "dev" || a.Index != 0 || a.Address != "0x9858EfFD232B4033E47d90003D41EC34EcaEda94" {
		t.Fatalf("Assign 1001 ETH: %+v, %v, %v; want the golden mnemonic's first address on dev, created", a, created, err)
	}
	b, created, err := s.Assign(ctx, "1001", "bsc", "BNB")
	if err != nil || !created || b.Address != a.Address || b.Index != 0 {
		t.Fatalf("Assign 1001 on bsc: %+v, %v, %v; want the same address", b, created, err)
	}
	for _, tt := range []struct{ name, owner, chain, asset, param string }{
		{"no chain nor asset", "1001", "", "", "chain"},
		{"unknown chain", "1001", "mars", "", "chain"},
		{"unknown asset", "1001", "", "DOGE", "asset"},
		{"asset on another chain", "1001", "dev", "BNB", "asset"},
		{"bad owner", "a b", "dev", "", "owner"},
		{"no owner", "", "dev", "", "owner"},
		{"system owner", coffer.OwnerWorld, "dev", "", "owner"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := s.Assign(ctx, tt.owner, tt.chain, tt.asset)
			var ce *coffer.Error
			if !errors.As(err, &ce) || ce.Code != coffer.EINVALID || ce.Param != tt.param {
				t.Fatalf("Assign(%q, %q, %q): %v, want invalid about %s", tt.owner, tt.chain, tt.asset, err, tt.param)
			}
		})
	}
	noKeys := *s
	noKeys.Keys = nil
	if _, _, err := noKeys.Assign(ctx, "1003", "dev", ""); coffer.ErrorCode(err) != coffer.EUNAVAILABLE {
		t.Fatalf("Assign without keys: %v, want unavailable", err)
	}
	list, err := s.List(ctx, coffer.DepositAddressFilter{Owner: "1001"})
	if err != nil || len(list) != 2 || list[0].Chain != "bsc" || list[1].Chain != "dev" {
		t.Fatalf("List of 1001: %+v, %v; want bsc then dev", list, err)
	}
}

// racingStore loses the first races of its assignments.
type racingStore struct {
	coffer.DepositAddressStore
	losses int
}

func (r *racingStore) AssignDepositAddress(ctx context.Context, chain, owner string, derive func(uint32) (string, error)) (coffer.DepositAddress, bool, error) {
	if r.losses > 0 {
		r.losses--
		return coffer.DepositAddress{}, false, fmt.Errorf("assign deposit address: %w", coffer.ErrRetry)
	}
	return r.DepositAddressStore.AssignDepositAddress(ctx, chain, owner, derive)
}

func TestAssignRetries(t *testing.T) {
	s := setup(t)
	racing := &racingStore{DepositAddressStore: s.Store, losses: 2}
	s.Store = racing
	if a, _, err := s.Assign(t.Context(), "1001", "dev", ""); err != nil || a.Index != 0 {
		t.Fatalf("Assign after two lost races: %+v, %v; want the address", a, err)
	}
	racing.losses = 3
	if _, _, err := s.Assign(t.Context(), "1002", "dev", ""); !errors.Is(err, coffer.ErrRetry) {
		t.Fatalf("Assign after three lost races: %v; want ErrRetry", err)
	}
}
