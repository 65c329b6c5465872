package ledger

import (
	"regexp"
	"strings"

	"github.com/cofferhq/coffer"
)

// Custody: what Coffer holds at its own chain addresses, as system accounts of the ledger.
//
// Each address Coffer controls (an owner's deposit address, the hot wallet, a gas or sweep
// wallet) has one custody account per asset it holds, "system:custody.<address>:<asset>", the
// address in lowercase hex. An asset lives on exactly one chain (chain.Config refuses an asset
// code on two), so address and asset name the chain too. Money arriving at the address on the
// chain debits its custody account (a chain deposit: custody -> the owner's wallet); money
// leaving it credits it (a payout: the wallet -> the hot wallet's custody account; gas: the
// gas account -> the custody account of the native asset). So, as with the world account, a
// custody account's balance (credits - debits) is minus what the ledger says the address holds:
// its holding is DebitsPosted - CreditsPosted, and CustodyHolding computes it.
//
// Gas is an expense: "system:gas:<native asset>" is debited with every fee Coffer pays on its
// chain, so its balance is minus the gas spent. Both kinds are system accounts, created on first
// use with no floor, and every asset still sums to zero.

// OwnerGas owns the gas expense account of a chain's native asset.
const OwnerGas = "gas"

// custodyPrefix starts the owner of every custody account.
const custodyPrefix = "custody."

var addressRE = regexp.MustCompile(`^0x[0-9a-f]{40}$`)

// CustodyOwner returns the owner of the custody accounts of a chain address: "custody." and the
// address in lowercase hex.
func CustodyOwner(address string) string { return custodyPrefix + strings.ToLower(address) }

// CustodyAccountID returns the id of the account that keeps what the chain address holds of
// asset: "system:custody.0x…:USDT".
func CustodyAccountID(address, asset string) string {
	return coffer.AccountID(coffer.KindSystem, CustodyOwner(address), asset)
}

// GasAccountID returns the id of the gas expense account of a chain's native asset:
// "system:gas:ETH".
func GasAccountID(nativeAsset string) string {
	return coffer.AccountID(coffer.KindSystem, OwnerGas, nativeAsset)
}

// IsCustodyAccount reports whether id names a custody account, and of which address.
func IsCustodyAccount(id string) (address string, ok bool) {
	rest, ok := strings.CutPrefix(id, string(coffer.KindSystem)+":"+custodyPrefix)
	if !ok {
		return "", false
	}
	address, _, ok = strings.Cut(rest, ":")
	return address, ok && addressRE.MatchString(address)
}

// CustodyHolding returns what a custody account says its address holds: DebitsPosted -
// CreditsPosted, minus the account's balance.
func CustodyHolding(a *coffer.Account) coffer.Amount {
	h, _ := a.DebitsPosted.Sub(a.CreditsPosted)
	return h
}

// checkAddress refuses an address that is not 0x and 40 hex digits.
func checkAddress(field, address string) error {
	if !addressRE.MatchString(strings.ToLower(address)) {
		return coffer.Invalid(field, "%s %q must be a chain address: 0x and 40 hex digits", field, address)
	}
	return nil
}

// openSystem returns the system account of owner in asset, creating it on first use with no
// floor, as the accounts an asset is created with.
func (b *batch) openSystem(owner, asset string) (*coffer.Account, error) {
	id := coffer.AccountID(coffer.KindSystem, owner, asset)
	if a, ok := b.accounts[id]; ok {
		return a, nil
	}
	if _, err := b.asset(asset); err != nil {
		return nil, err
	}
	a := &coffer.Account{ID: id, Owner: owner, Asset: asset, Kind: coffer.KindSystem, OverdraftUnlimited: true,
		CreatedAt: b.now, UpdatedAt: b.now}
	if err := b.addAccount(a); err != nil {
		return nil, err
	}
	if err := b.event(coffer.EventAccountCreated, a.ID, a); err != nil {
		return nil, err
	}
	return a, nil
}
