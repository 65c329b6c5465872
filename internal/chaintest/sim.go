package chaintest

import (
	"crypto/ecdsa"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/testtoken"
)

// SimChainID is the chain ID of go-ethereum's simulated backend.
const SimChainID = 1337

// faucetTip is the tip of the faucet's transactions, above any least tip the tests set.
var faucetTip = big.NewInt(10_000_000_000)

var erc20 = testtoken.NewCofferTestToken()

// Ether returns n ether in wei.
func Ether(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e18)) }

// SimConfig says how a Sim starts.
type SimConfig struct {
	HotWei      *big.Int // the hot wallet's ether at genesis: 100 ether if nil, none if zero
	HotUSDT     int64    // the hot wallet's test tokens, minted after genesis
	MinerMinTip *big.Int // the miner's least tip; the backend's own if nil
}

// Sim is a simulated chain whose blocks the test commits, with a faucet rich in ether, a hot
// wallet, and the test token (USDT, 6 decimals) deployed from the faucet.
type Sim struct {
	*simulated.Backend
	Faucet  *ecdsa.PrivateKey
	Hot     *ecdsa.PrivateKey
	Token   common.Address
	faucetN uint64 // the faucet's next nonce: its transactions are signed here
}

// NewSim starts a Sim, closed when the test ends.
func NewSim(t testing.TB, cfg SimConfig) *Sim {
	t.Helper()
	faucet, _ := crypto.GenerateKey()
	hot, _ := crypto.GenerateKey()
	if cfg.HotWei == nil {
		cfg.HotWei = Ether(100)
	}
	alloc := types.GenesisAlloc{crypto.PubkeyToAddress(faucet.PublicKey): {Balance: Ether(1_000_000)}}
	if cfg.HotWei.Sign() > 0 {
		alloc[crypto.PubkeyToAddress(hot.PublicKey)] = types.Account{Balance: cfg.HotWei}
	}
	var opts []func(*node.Config, *ethconfig.Config)
	if cfg.MinerMinTip != nil {
		opts = append(opts, simulated.WithMinerMinTip(cfg.MinerMinTip))
	}
	s := &Sim{Backend: simulated.NewBackend(alloc, opts...), Faucet: faucet, Hot: hot}
	t.Cleanup(func() { s.Close() })
	s.Token = s.Deploy(t, testtoken.CofferTestTokenMetaData.Bin, erc20.PackConstructor("Coffer Test USD", "USDT", 6))
	s.Mint(t, cfg.HotUSDT)
	return s
}

// HotAddr returns the hot wallet's address.
func (s *Sim) HotAddr() common.Address { return crypto.PubkeyToAddress(s.Hot.PublicKey) }

// Deploy deploys a contract from the faucet, its code bin (hex) and its packed constructor
// arguments, and commits the block that holds it.
func (s *Sim) Deploy(t testing.TB, bin string, constructor []byte) common.Address {
	t.Helper()
	opts := bind.NewKeyedTransactor(s.Faucet, big.NewInt(SimChainID))
	opts.GasTipCap = faucetTip
	opts.Nonce = new(big.Int).SetUint64(s.faucetN)
	addr, tx, err := bind.DeployContract(opts, common.FromHex(bin), s.Client(), constructor)
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	s.faucetN++
	s.MineOK(t, tx.Hash())
	return addr
}

// FaucetSend sends a transaction from the faucet, to be mined by the next block.
func (s *Sim) FaucetSend(t testing.TB, to common.Address, value *big.Int, data []byte, gas uint64) common.Hash {
	t.Helper()
	head, err := s.Client().HeaderByNumber(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if value == nil {
		value = new(big.Int)
	}
	tx, err := types.SignNewTx(s.Faucet, types.LatestSignerForChainID(big.NewInt(SimChainID)), &types.DynamicFeeTx{
		ChainID: big.NewInt(SimChainID), Nonce: s.faucetN, GasTipCap: faucetTip,
		GasFeeCap: new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), faucetTip),
		Gas:       gas, To: &to, Value: value, Data: data,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Client().SendTransaction(t.Context(), tx); err != nil {
		t.Fatalf("faucet send: %v", err)
	}
	s.faucetN++
	return tx.Hash()
}

// MineOK commits a block and fails the test unless the transaction h succeeded in it.
func (s *Sim) MineOK(t testing.TB, h common.Hash) {
	t.Helper()
	s.Commit()
	rc, err := s.Client().TransactionReceipt(t.Context(), h)
	if err != nil || rc.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("faucet transaction %s: %+v %v", h, rc, err)
	}
}

// Mint mints usdt test tokens to the hot wallet, in the next block, which it commits.
func (s *Sim) Mint(t testing.TB, usdt int64) {
	t.Helper()
	if usdt <= 0 {
		return
	}
	s.MineOK(t, s.FaucetSend(t, s.Token, nil, erc20.PackMint(s.HotAddr(), big.NewInt(usdt)), 100_000))
}

// TokenBalance returns a's test tokens.
func (s *Sim) TokenBalance(t testing.TB, a common.Address) *big.Int {
	t.Helper()
	return TokenBalance(t, s.Client(), s.Token, a)
}

// TokenBalance returns a's balance of the ERC-20 token at token, read through c.
func TokenBalance(t testing.TB, c ethereum.ContractCaller, token, a common.Address) *big.Int {
	t.Helper()
	out, err := c.CallContract(t.Context(), ethereum.CallMsg{To: &token, Data: erc20.PackBalanceOf(a)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := erc20.UnpackBalanceOf(out)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Settle calls pass, committing a block after each, until every send intent of ids is final in
// st; at most rounds times.
func (s *Sim) Settle(t testing.TB, rounds int, pass func(), st coffer.SendStore, ids ...string) {
	t.Helper()
	intent := func(id string) coffer.SendIntent {
		t.Helper()
		in, err := st.SendIntent(t.Context(), id)
		if err != nil {
			t.Fatalf("SendIntent %s: %v", id, err)
		}
		return in
	}
	for range rounds {
		pass()
		done := true
		for _, id := range ids {
			if !intent(id).State.Final() {
				done = false
			}
		}
		if done {
			return
		}
		s.Commit()
	}
	for _, id := range ids {
		t.Logf("%s: %+v", id, intent(id))
	}
	t.Fatalf("not every intent ended in %d rounds", rounds)
}
