package hdkey

import (
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/ethereum/go-ethereum/common"
)

// XPub is the extended public key of DepositChain, m/44'/60'/0'/0: it derives every deposit
// address without any secret. Its methods may be called from many goroutines at once.
type XPub struct {
	key *hdkeychain.ExtendedKey
}

// ParseXPub reads an XPub as Seed.XPub's String writes it ("xpub..."). It refuses an extended
// private key (xprv) without quoting it, and any key that is not at m/44'/60'/0'/0's depth and
// index, which would derive other addresses than the seed's deposits.
func ParseXPub(s string) (*XPub, error) {
	k, err := hdkeychain.NewKeyFromString(s)
	if err != nil {
		return nil, fmt.Errorf("not an extended public key (xpub): %w", err)
	}
	chain := DepositChain()
	switch {
	case k.IsPrivate():
		k.Zero()
		return nil, errors.New("an extended private key (xprv) was given where the xpub belongs; it is a secret: keep it out of watch-only processes")
	case !k.IsForNet(&chaincfg.MainNetParams):
		return nil, errors.New("not an xpub: its version bytes are another network's")
	case int(k.Depth()) != len(chain) || k.ChildIndex() != chain[len(chain)-1]:
		return nil, fmt.Errorf("the xpub is at depth %d, child %d; the deposit chain %s is at depth %d, child %d",
			k.Depth(), k.ChildIndex(), chain, len(chain), chain[len(chain)-1])
	}
	return &XPub{key: k}, nil
}

// Address returns deposit address i, m/44'/60'/0'/0/i; i is at most DepositIndexMax.
func (x *XPub) Address(i uint32) (common.Address, error) {
	if i > DepositIndexMax {
		return common.Address{}, fmt.Errorf("deposit index %d is above %d", i, uint32(DepositIndexMax))
	}
	k, err := x.key.Derive(i)
	if err != nil {
		// hdkeychain.ErrInvalidChild, once in about 2^127 indexes: the caller skips it.
		return common.Address{}, fmt.Errorf("derive deposit address %d: %w", i, err)
	}
	return address(k)
}

// String returns the xpub as ParseXPub reads it.
func (x *XPub) String() string { return x.key.String() }
