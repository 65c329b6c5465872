// Package address gives owners their deposit addresses: one per owner and chain, derived from
// the watch-only xpub at the owner's index, which is the same on every chain.
package address

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/hdkey"
)

// assignAttemptsMax bounds the attempts of one assignment that lose a race with another writer
// (coffer.ErrRetry): the stores take turns, so a second attempt finds the winner's rows, and a
// third is for a database that was briefly busy.
const assignAttemptsMax = 3

// Service assigns and lists deposit addresses. It holds no secret: Keys is the xpub of the
// deposit chain, m/44'/60'/0'/0.
type Service struct {
	Config chain.Config
	Keys   *hdkey.XPub
	Store  coffer.DepositAddressStore
}

// Assign returns the owner's deposit address on a chain, creating it on first use (created
// true). The chain is chainName, or the chain of the asset assetCode when chainName is empty;
// when both are given they must agree. An unknown chain or asset, or an owner that is not a
// valid owner name or is one of the ledger's system owners, is EINVALID with Param "chain",
// "asset" or "owner"; a Service without Keys is EUNAVAILABLE.
func (s *Service) Assign(ctx context.Context, owner, chainName, assetCode string) (coffer.DepositAddress, bool, error) {
	if err := checkOwner(owner); err != nil {
		return coffer.DepositAddress{}, false, err
	}
	if slices.Contains(coffer.SystemOwners, owner) {
		return coffer.DepositAddress{}, false, coffer.Invalid("owner", "owner %q is one of the ledger's system owners, which take no deposits", owner)
	}
	name, err := s.chainOf(chainName, assetCode)
	if err != nil {
		return coffer.DepositAddress{}, false, err
	}
	if s.Keys == nil {
		return coffer.DepositAddress{}, false, coffer.Errorf(coffer.EUNAVAILABLE, "this server has no deposit keys (xpub) configured, so it gives no deposit addresses")
	}
	derive := func(i uint32) (string, error) {
		a, err := s.Keys.Address(i)
		if err != nil {
			return "", err
		}
		return a.Hex(), nil
	}
	for attempt := 1; ; attempt++ {
		a, created, err := s.Store.AssignDepositAddress(ctx, name, owner, derive)
		if errors.Is(err, coffer.ErrRetry) && attempt < assignAttemptsMax {
			continue // another writer got there first; the next attempt reads what it wrote
		}
		return a, created, err
	}
}

// List returns deposit addresses as the filter selects, oldest first; a filter's owner name or
// chain that could not be Assign's is EINVALID.
func (s *Service) List(ctx context.Context, f coffer.DepositAddressFilter) ([]coffer.DepositAddress, error) {
	if f.Owner != "" {
		if err := checkOwner(f.Owner); err != nil {
			return nil, err
		}
	}
	if f.Chain != "" {
		if _, err := s.chainOf(f.Chain, ""); err != nil {
			return nil, err
		}
	}
	return s.Store.DepositAddresses(ctx, f)
}

// chainOf returns the name of the chain that chainName and assetCode name.
func (s *Service) chainOf(chainName, assetCode string) (string, error) {
	if chainName != "" {
		if _, ok := s.Config.Chain(chainName); !ok {
			return "", coffer.Invalid("chain", "chain %q is not configured; the chains are %s", chainName, s.chainNames())
		}
	}
	if assetCode == "" {
		if chainName == "" {
			return "", coffer.Invalid("chain", "a chain or an asset is required")
		}
		return chainName, nil
	}
	a, ok := s.Config.Asset(assetCode)
	if !ok {
		return "", coffer.Invalid("asset", "asset %q is not on any configured chain", assetCode)
	}
	if chainName != "" && a.Chain != chainName {
		return "", coffer.Invalid("asset", "asset %s is on chain %s, not %s", a.Code, a.Chain, chainName)
	}
	return a.Chain, nil
}

func (s *Service) chainNames() string {
	if len(s.Config.Chains) == 0 {
		return "none"
	}
	names := make([]string, len(s.Config.Chains))
	for i, ch := range s.Config.Chains {
		names[i] = ch.Name
	}
	return strings.Join(names, ", ")
}

func checkOwner(owner string) error {
	if owner == "" {
		return coffer.Invalid("owner", "owner is required")
	}
	if err := coffer.ValidateOwner(owner); err != nil {
		return coffer.Invalid("owner", "%s", coffer.ErrorMessage(err))
	}
	return nil
}
