// Package hdkey holds the keys of Coffer's on-chain deposits: one BIP39 mnemonic, from which
// BIP32 derives every deposit address and every signing key along BIP44 paths, the same on
// every EVM chain (coin type 60).
//
// Deposit address i is m/44'/60'/0'/0/i. A process that only needs addresses (an API server,
// a chain watcher) holds the XPub of m/44'/60'/0'/0, from which they derive without any
// secret; only a signer holds the Seed. The mnemonic is kept at rest sealed with a secret
// (Seal, Open, WriteFile, ReadFile), never in plain text.
//
// Nothing in this package prints key material: a Seed formats and logs as "hdkey.Seed(redacted)",
// and no error quotes a mnemonic, a word of one, or a key. Derived extended keys are zeroed
// once used; Go's garbage collector may still have copied them, so this is best effort.
package hdkey
