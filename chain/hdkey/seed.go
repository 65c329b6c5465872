package hdkey

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"

	"github.com/btcsuite/btcd/btcutil/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/tyler-smith/go-bip39"
	"golang.org/x/text/unicode/norm"
)

// redacted is how a Seed prints and logs, whatever the verb or the handler.
const redacted = "hdkey.Seed(redacted)"

// ErrZeroed is returned by a Seed's methods after Zero.
var ErrZeroed = errors.New("the seed was zeroed")

// Seed is the BIP32 master key of a mnemonic: what signs. It derives every deposit address and
// every private key, and the XPub that watch-only processes hold.
//
// A Seed never prints its key: String, GoString, Format (every fmt verb) and LogValue (log/slog)
// give "hdkey.Seed(redacted)". Its methods may be called from many goroutines at once, except
// Zero, which must come after the last of them.
type Seed struct {
	master *hdkeychain.ExtendedKey
}

// NewSeed returns the Seed of a BIP39 mnemonic and an optional BIP39 passphrase ("" for none).
// The mnemonic is checked first (CheckMnemonic), so swapping the two arguments is refused. Both
// are normalized as BIP39 says (NFKD; single spaces between words): a passphrase typed in
// composed or decomposed Unicode opens the same wallet. A passphrase gives a whole other set of
// keys, and nothing stores it: lose it and the funds are lost, even with the mnemonic.
func NewSeed(mnemonic, passphrase string) (*Seed, error) {
	if err := CheckMnemonic(mnemonic); err != nil {
		return nil, err
	}
	seed := bip39.NewSeed(norm.NFKD.String(normalizeMnemonic(mnemonic)), norm.NFKD.String(passphrase))
	defer clear(seed)
	return newSeed(seed)
}

// newSeed returns the Seed of a BIP32 seed, 16 to 64 bytes.
func newSeed(seed []byte) (*Seed, error) {
	// The version bytes are Bitcoin mainnet's, so that keys serialize as xprv and xpub, the form
	// other wallets read; they play no part in the keys themselves.
	master, err := hdkeychain.NewMaster(seed, &chaincfg.MainNetParams)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	// An extended private key computes its public key when first asked (every Derive asks its
	// parent's) and keeps it: asked now, so that derivations running at once only read the master.
	if _, err := master.Neuter(); err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return &Seed{master: master}, nil
}

// derive returns the extended private key at path, zeroing the keys it passes on the way. The
// caller zeroes the key returned. Derive, never DeriveNonStandard, which gets one hardened key in
// 256 wrong (btcsuite/btcutil#172).
func (s *Seed) derive(path accounts.DerivationPath) (*hdkeychain.ExtendedKey, error) {
	if s.master == nil {
		return nil, ErrZeroed
	}
	if len(path) == 0 || len(path) > pathDepthMax {
		return nil, fmt.Errorf("derive %s: a path has 1 to %d elements", path, pathDepthMax)
	}
	k := s.master
	for _, i := range path {
		child, err := k.Derive(i)
		if k != s.master {
			k.Zero()
		}
		if err != nil {
			// hdkeychain.ErrInvalidChild, once in about 2^127 indexes: the caller skips it.
			return nil, fmt.Errorf("derive %s: %w", path, err)
		}
		k = child
	}
	return k, nil
}

// PrivateKey returns the private key at path: HotWalletPath for payouts, DepositPath(i) to sweep
// deposit address i. Its curve is go-ethereum's secp256k1, so that crypto.Sign and
// types.SignTx take it. The caller should not keep it longer than it needs it.
func (s *Seed) PrivateKey(path accounts.DerivationPath) (*ecdsa.PrivateKey, error) {
	k, err := s.derive(path)
	if err != nil {
		return nil, err
	}
	defer k.Zero()
	// ECPrivKey keeps a key with leading zero bytes whole, where the raw bytes given to
	// crypto.ToECDSA would be refused for being short (decred/dcrdex#1337).
	priv, err := k.ECPrivKey()
	if err != nil {
		return nil, fmt.Errorf("private key %s: %w", path, err)
	}
	defer priv.Zero()
	key := priv.ToECDSA()
	key.Curve = crypto.S256()
	return key, nil
}

// Address returns deposit address i, of the key at DepositPath(i); i is at most DepositIndexMax.
// It is derived through the private keys, and an XPub's Address(i) through the public ones: the
// two agree.
func (s *Seed) Address(i uint32) (common.Address, error) {
	if i > DepositIndexMax {
		return common.Address{}, fmt.Errorf("deposit index %d is above %d", i, uint32(DepositIndexMax))
	}
	k, err := s.derive(DepositPath(i))
	if err != nil {
		return common.Address{}, err
	}
	defer k.Zero()
	return address(k)
}

// XPub returns the watch-only extended public key of DepositChain, m/44'/60'/0'/0: a process
// that holds it derives every deposit address and no private key. It is no secret, but keep it
// private all the same: with it, anyone can link every deposit address to the others, and with
// it and any one private key of the chain, anyone can compute all the others.
func (s *Seed) XPub() (*XPub, error) {
	k, err := s.derive(DepositChain())
	if err != nil {
		return nil, err
	}
	defer k.Zero()
	pub, err := k.Neuter()
	if err != nil {
		return nil, fmt.Errorf("neuter %s: %w", DepositChain(), err)
	}
	// Neuter shares the chain code with k, which is zeroed on return: the XPub is read back from
	// its serialization, and so shares nothing.
	return ParseXPub(pub.String())
}

// Zero clears the master key from memory; the Seed's methods return ErrZeroed afterwards.
func (s *Seed) Zero() {
	if s.master != nil {
		s.master.Zero()
		s.master = nil
	}
}

// String returns "hdkey.Seed(redacted)".
func (Seed) String() string { return redacted }

// GoString returns "hdkey.Seed(redacted)", for %#v.
func (Seed) GoString() string { return redacted }

// Format prints "hdkey.Seed(redacted)" for every verb, so that no verb or flag of fmt reaches
// the fields.
func (Seed) Format(f fmt.State, _ rune) { fmt.Fprint(f, redacted) }

// LogValue returns "hdkey.Seed(redacted)", for log/slog.
func (Seed) LogValue() slog.Value { return slog.StringValue(redacted) }

// address returns the EVM address of an extended key's public key.
func address(k *hdkeychain.ExtendedKey) (common.Address, error) {
	pub, err := k.ECPubKey()
	if err != nil {
		return common.Address{}, fmt.Errorf("public key: %w", err)
	}
	return crypto.PubkeyToAddress(*pub.ToECDSA()), nil
}
