package hdkey

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/btcutil/hdkeychain"
	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"
)

// golden is BIP39's best-known vector, the one every wallet agrees on.
const golden = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"

// goldenAddresses are golden's first deposit addresses (empty passphrase), as MetaMask shows them.
var goldenAddresses = []string{
	"0x9858EfFD232B4033E47d90003D41EC34EcaEda94",
	"0x6Fac4D18c912343BF86fa7049364Dd4E424Ab9C0",
	"0xb6716976A3ebe8D39aCEB04372f22Ff8e6802D7A",
	"0xF3f50213C1d2e255e4B2bAD430F8A38EEF8D718E",
	"0x51cA8ff9f1C0a99f88E86B8112eA3237F55374cA",
}

// goldenXPub is golden's xpub of m/44'/60'/0'/0, as other wallets export it.
const goldenXPub = "xpub6EF8jXqFeFEW5bwMU7RpQtHkzE4KJxcqJtvkCjJumzW8CPpacXkb92ek4WzLQXjL93HycJwTPUAcuNxCqFPKKU5m5Z2Vq4nCyh5CyPeBFFr"

func newGolden(t *testing.T) *Seed {
	t.Helper()
	s, err := NewSeed(golden, "")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestGoldenVector: the golden mnemonic's deposit addresses are the published ones, exactly as
// checksummed; its xpub is the published one; and the xpub derives the same addresses as the
// seed, for indexes 0 to 9.
func TestGoldenVector(t *testing.T) {
	t.Parallel()
	s := newGolden(t)
	for i, want := range goldenAddresses {
		a, err := s.Address(uint32(i))
		if err != nil || a.Hex() != want {
			t.Errorf("Address(%d) = %s, %v; want %s", i, a.Hex(), err, want)
		}
	}
	x, err := s.XPub()
	if err != nil {
		t.Fatal(err)
	}
	if x.String() != goldenXPub {
		t.Errorf("XPub = %s; want %s", x, goldenXPub)
	}
	// A watch-only process reads the xpub from its string.
	watch, err := ParseXPub(x.String())
	if err != nil {
		t.Fatal(err)
	}
	for i := range uint32(10) {
		fromSeed, err1 := s.Address(i)
		fromXPub, err2 := watch.Address(i)
		if err1 != nil || err2 != nil || fromSeed != fromXPub {
			t.Errorf("index %d: seed %s (%v), xpub %s (%v)", i, fromSeed.Hex(), err1, fromXPub.Hex(), err2)
		}
	}
}

// TestBIP32Vector4 derives BIP32's test vector 4 (bitcoin/bips#1030): m/0H's private key has a
// leading zero byte, which the old non-standard derivation dropped (btcsuite/btcutil#172), so
// that m/0H/1H came out wrong. hdkeychain keeps such a key without its leading zero, and
// IsAffectedByIssue172 reports exactly that: true means "the non-standard derivation would get
// this key's hardened children wrong", a property of the key, true for m/0H here whatever the
// derivation. What proves Derive right is m/0H/1H's published strings.
func TestBIP32Vector4(t *testing.T) {
	t.Parallel()
	seed, _ := hex.DecodeString("3ddd5602285899a946114506157c7997e5444528f3003f6134712147db19b678")
	s, err := newSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		chain      string
		path       accounts.DerivationPath
		xprv, xpub string
		issue172   bool
	}{
		{"m", nil,
			"xprv9s21ZrQH143K48vGoLGRPxgo2JNkJ3J3fqkirQC2zVdk5Dgd5w14S7fRDyHH4dWNHUgkvsvNDCkvAwcSHNAQwhwgNMgZhLtQC63zxwhQmRv",
			"xpub661MyMwAqRbcGczjuMoRm6dXaLDEhW1u34gKenbeYqAix21mdUKJyuyu5F1rzYGVxyL6tmgBUAEPrEz92mBXjByMRiJdba9wpnN37RLLAXa", false},
		{"m/0H", accounts.DerivationPath{hardened + 0},
			"xprv9vB7xEWwNp9kh1wQRfCCQMnZUEG21LpbR9NPCNN1dwhiZkjjeGRnaALmPXCX7SgjFTiCTT6bXes17boXtjq3xLpcDjzEuGLQBM5ohqkao9G",
			"xpub69AUMk3qDBi3uW1sXgjCmVjJ2G6WQoYSnNHyzkmdCHEhSZ4tBok37xfFEqHd2AddP56Tqp4o56AePAgCjYdvpW2PU2jbUPFKsav5ut6Ch1m", true},
		{"m/0H/1H", accounts.DerivationPath{hardened + 0, hardened + 1},
			"xprv9xJocDuwtYCMNAo3Zw76WENQeAS6WGXQ55RCy7tDJ8oALr4FWkuVoHJeHVAcAqiZLE7Je3vZJHxspZdFHfnBEjHqU5hG1Jaj32dVoS6XLT1",
			"xpub6BJA1jSqiukeaesWfxe6sNK9CCGaujFFSJLomWHprUL9DePQ4JDkM5d88n49sMGJxrhpjazuXYWdMf17C9T5XnxkopaeS7jGk1GyyVziaMt", false},
	} {
		k := s.master
		if tc.path != nil {
			if k, err = s.derive(tc.path); err != nil {
				t.Fatalf("%s: %v", tc.chain, err)
			}
		}
		pub, err := k.Neuter()
		if err != nil {
			t.Fatal(err)
		}
		if k.String() != tc.xprv || pub.String() != tc.xpub {
			t.Errorf("chain %s: got\n%s\n%s\nwant\n%s\n%s", tc.chain, k, pub, tc.xprv, tc.xpub)
		}
		if k.IsAffectedByIssue172() != tc.issue172 {
			t.Errorf("chain %s: IsAffectedByIssue172 is %v", tc.chain, k.IsAffectedByIssue172())
		}
		priv, _ := k.ECPrivKey()
		if b := priv.Serialize(); len(b) != 32 || (b[0] == 0) != tc.issue172 {
			t.Errorf("chain %s: private key of %d bytes, first %x", tc.chain, len(b), b[:1])
		}
	}
}

// TestSignRecover: a key derived for deposit index i signs a message whose signer recovers as
// Address(i); the hot wallet's key signs too.
func TestSignRecover(t *testing.T) {
	t.Parallel()
	s := newGolden(t)
	hash := accounts.TextHash([]byte("coffer deposit proof"))
	for _, i := range []uint32{0, 1, 7, DepositIndexMax} {
		key, err := s.PrivateKey(DepositPath(i))
		if err != nil {
			t.Fatal(err)
		}
		if key.Curve != crypto.S256() {
			t.Errorf("index %d: the key's curve is not go-ethereum's secp256k1", i)
		}
		sig, err := crypto.Sign(hash, key)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := crypto.SigToPub(hash, sig)
		if err != nil {
			t.Fatal(err)
		}
		want, err := s.Address(i)
		if err != nil {
			t.Fatal(err)
		}
		if got := crypto.PubkeyToAddress(*pub); got != want {
			t.Errorf("index %d: signature recovers %s; Address is %s", i, got.Hex(), want.Hex())
		}
	}
	hot, err := s.PrivateKey(HotWalletPath())
	if err != nil {
		t.Fatal(err)
	}
	sig, err := crypto.Sign(hash, hot)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := crypto.SigToPub(hash, sig)
	if err != nil || crypto.PubkeyToAddress(*pub) != crypto.PubkeyToAddress(hot.PublicKey) {
		t.Fatalf("the hot wallet's signature does not recover: %v", err)
	}
	for i := range uint32(10) {
		if a, _ := s.Address(i); a == crypto.PubkeyToAddress(hot.PublicKey) {
			t.Errorf("the hot wallet is deposit address %d", i)
		}
	}
	if HotWalletPath().String() != "m/44'/60'/1'/0/0" || DepositPath(3).String() != "m/44'/60'/0'/0/3" {
		t.Errorf("paths: %s, %s", HotWalletPath(), DepositPath(3))
	}
}

// TestPassphrase: a BIP39 passphrase gives other keys; its composed and decomposed Unicode
// forms give the same ones (NFKD).
func TestPassphrase(t *testing.T) {
	t.Parallel()
	address := func(passphrase string) string {
		s, err := NewSeed(golden, passphrase)
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.Address(0)
		if err != nil {
			t.Fatal(err)
		}
		return a.Hex()
	}
	if got := address("correct horse"); got == goldenAddresses[0] {
		t.Errorf("a passphrase changed nothing: %s", got)
	}
	if composed, decomposed := address("caf\u00e9"), address("cafe\u0301"); composed != decomposed {
		t.Errorf("composed %s, decomposed %s", composed, decomposed)
	}
	// White space between the words is not part of the mnemonic.
	s, err := NewSeed("  "+strings.ReplaceAll(golden, " ", " \t\n ")+"\n", "")
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Address(0); a.Hex() != goldenAddresses[0] {
		t.Errorf("with extra white space: %s", a.Hex())
	}
	// Swapped arguments are refused: the passphrase is no mnemonic.
	if _, err := NewSeed("", golden); !errors.Is(err, ErrMnemonic) {
		t.Errorf("swapped: %v", err)
	}
}

// TestConcurrent derives from one Seed and one XPub in many goroutines at once (the race
// detector watches).
func TestConcurrent(t *testing.T) {
	t.Parallel()
	s := newGolden(t)
	x, err := ParseXPub(goldenXPub)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			i := uint32(g % len(goldenAddresses))
			a, err1 := s.Address(i)
			b, err2 := x.Address(i)
			_, err3 := s.PrivateKey(HotWalletPath())
			if err1 != nil || err2 != nil || err3 != nil || a.Hex() != goldenAddresses[i] || b != a {
				t.Errorf("goroutine %d: %s %s %v %v %v", g, a.Hex(), b.Hex(), err1, err2, err3)
			}
		})
	}
	wg.Wait()
}

func TestIndexAndPathRefused(t *testing.T) {
	t.Parallel()
	s := newGolden(t)
	x, err := s.XPub()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Address(DepositIndexMax + 1); err == nil {
		t.Error("Seed.Address took a hardened index")
	}
	if _, err := x.Address(DepositIndexMax + 1); err == nil {
		t.Error("XPub.Address took a hardened index")
	}
	for _, p := range []accounts.DerivationPath{{}, make(accounts.DerivationPath, pathDepthMax+1)} {
		if _, err := s.PrivateKey(p); err == nil {
			t.Errorf("PrivateKey(%v) took a path of %d elements", p, len(p))
		}
	}
}

// TestParseXPubRefused: an xprv, a key of another depth or index, and garbage are refused, and
// the error never quotes an xprv.
func TestParseXPubRefused(t *testing.T) {
	t.Parallel()
	s := newGolden(t)
	k, err := s.derive(DepositChain())
	if err != nil {
		t.Fatal(err)
	}
	xprv := k.String()
	account, err := s.derive(DepositChain()[:3])
	if err != nil {
		t.Fatal(err)
	}
	accountPub, _ := account.Neuter()
	second, err := s.derive(append(DepositChain()[:3], 1))
	if err != nil {
		t.Fatal(err)
	}
	secondPub, _ := second.Neuter()
	for _, tc := range []struct{ name, in, want string }{
		{"xprv", xprv, "an extended private key (xprv) was given"},
		{"the account's xpub", accountPub.String(), "is at depth 3, child 2147483648"},
		{"the change chain's xpub", secondPub.String(), "is at depth 4, child 1"},
		{"garbage", "xpub-not-really", "not an extended public key"},
		{"a changed character", goldenXPub[:50] + "x" + goldenXPub[51:], "not an extended public key"},
	} {
		_, err := ParseXPub(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "xprv9") {
			t.Errorf("%s: the error quotes an xprv: %v", tc.name, err)
		}
	}
}

func TestZero(t *testing.T) {
	t.Parallel()
	s := newGolden(t)
	master := s.master
	s.Zero()
	if master.String() != "zeroed extended key" {
		t.Error("the master key is still whole")
	}
	if _, err := s.Address(0); !errors.Is(err, ErrZeroed) {
		t.Errorf("Address after Zero: %v", err)
	}
	if _, err := s.PrivateKey(HotWalletPath()); !errors.Is(err, ErrZeroed) {
		t.Errorf("PrivateKey after Zero: %v", err)
	}
	if _, err := s.XPub(); !errors.Is(err, ErrZeroed) {
		t.Errorf("XPub after Zero: %v", err)
	}
	s.Zero() // twice is harmless
}

// secretsOf returns every string that printing or logging the golden seed must not show: the
// mnemonic's words, the master and deposit-chain xprvs, the private keys of the first deposit
// addresses and of the hot wallet, in hex.
func secretsOf(t *testing.T, s *Seed) []string {
	t.Helper()
	secrets := []string{"abandon", "about", s.master.String()}
	chain, err := s.derive(DepositChain())
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, chain.String())
	for _, p := range []accounts.DerivationPath{DepositPath(0), DepositPath(1), HotWalletPath()} {
		key, err := s.PrivateKey(p)
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, hex.EncodeToString(crypto.FromECDSA(key)))
	}
	return secrets
}

// TestRedaction prints and logs a seed every way there is: nothing shows a word of its
// mnemonic or any key.
func TestRedaction(t *testing.T) {
	t.Parallel()
	s := newGolden(t)
	secrets := secretsOf(t, s)
	var out bytes.Buffer
	fmt.Fprintf(&out, "%v %+v %#v %s %q %x %X %d\n", s, s, s, s, s, s, s, s)
	fmt.Fprintf(&out, "%v %+v %#v %s\n", *s, *s, *s, *s)
	fmt.Fprintln(&out, s, *s, s.String(), s.GoString())
	fmt.Fprintf(&out, "%v\n", struct{ Inner *Seed }{s})
	fmt.Fprintf(&out, "%+v\n", []any{s, map[string]*Seed{"k": s}})
	fmt.Fprintln(&out, fmt.Errorf("wrapped: %v", s))
	for _, h := range []slog.Handler{
		slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}),
		slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}),
	} {
		log := slog.New(h)
		log.Info("seed loaded", "seed", s, "value", *s)
		log.Debug("group", slog.Group("keys", slog.Any("seed", s)))
		log.With("seed", s).Warn("with")
	}
	if b, err := json.Marshal(s); err != nil || strings.Contains(string(b), "xprv") {
		t.Errorf("json: %s, %v", b, err)
	}
	text := out.String()
	for _, secret := range secrets {
		if strings.Contains(text, secret) {
			t.Errorf("the output shows %q:\n%s", secret, text)
		}
	}
	if !strings.Contains(text, redacted) || strings.Contains(text, "0x") {
		t.Errorf("the output is not the redacted form:\n%s", text)
	}
}

// TestXPubIsPublic: the xpub's string is no private key, and derives no private key.
func TestXPubIsPublic(t *testing.T) {
	t.Parallel()
	x, err := ParseXPub(goldenXPub)
	if err != nil {
		t.Fatal(err)
	}
	if x.key.IsPrivate() || !strings.HasPrefix(x.String(), "xpub") {
		t.Fatalf("not public: %s", x)
	}
	if _, err := x.key.ECPrivKey(); !errors.Is(err, hdkeychain.ErrNotPrivExtKey) {
		t.Errorf("ECPrivKey: %v", err)
	}
}
