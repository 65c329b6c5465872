package hdkey

import (
	"github.com/btcsuite/btcd/btcutil/hdkeychain"
	"github.com/ethereum/go-ethereum/accounts"
)

// hardened marks a path element as hardened (written with ' in a path).
const hardened = hdkeychain.HardenedKeyStart

// DepositIndexMax is the last deposit index: the indexes above it are hardened ones, which an
// XPub cannot derive.
const DepositIndexMax = hdkeychain.HardenedKeyStart - 1

// pathDepthMax caps the paths PrivateKey takes: BIP44's have 5 elements, and BIP32 allows 255.
const pathDepthMax = 10

// DepositChain returns m/44'/60'/0'/0, the BIP44 chain whose child i is deposit address i;
// its XPub is what watch-only processes hold.
func DepositChain() accounts.DerivationPath {
	return accounts.DerivationPath{hardened + 44, hardened + 60, hardened + 0, 0}
}

// DepositPath returns m/44'/60'/0'/0/i, the path of deposit address i.
func DepositPath(i uint32) accounts.DerivationPath {
	return append(DepositChain(), i)
}

// HotWalletPath returns m/44'/60'/1'/0/0, the key payouts are signed with: another BIP44
// account than the deposits', so that no deposit address is ever the hot wallet.
func HotWalletPath() accounts.DerivationPath {
	return accounts.DerivationPath{hardened + 44, hardened + 60, hardened + 1, 0, 0}
}

// GasWalletPath returns m/44'/60'/2'/0/0, the key of the sweeps' gas wallet, which tops up a
// deposit address with the ether a token sweep's gas costs: an account of its own, so that its
// nonces never queue behind the hot wallet's payouts.
func GasWalletPath() accounts.DerivationPath {
	return accounts.DerivationPath{hardened + 44, hardened + 60, hardened + 2, 0, 0}
}
