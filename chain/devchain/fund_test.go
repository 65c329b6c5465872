package devchain_test

import (
	"context"
	"math/big"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/devchain"
	"github.com/cofferhq/coffer/chain/testtoken"
)

// setup starts a dev chain that mines only when the test calls Mine.
func setup(t *testing.T) *devchain.Chain {
	t.Helper()
	c, err := devchain.Start(t.Context(), devchain.Config{Manual: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	return c
}

func newAddress(t *testing.T) common.Address {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return crypto.PubkeyToAddress(key.PublicKey)
}

func tokenBalance(t *testing.T, c *devchain.Chain, owner common.Address) *big.Int {
	t.Helper()
	token := testtoken.NewCofferTestToken()
	balance, err := bind.Call(token.Instance(c.Client(), c.Token()), &bind.CallOpts{Context: t.Context()},
		token.PackBalanceOf(owner), token.UnpackBalanceOf)
	if err != nil {
		t.Fatal(err)
	}
	return balance
}

func mine(t *testing.T, c *devchain.Chain) common.Hash {
	t.Helper()
	hash, err := c.Mine()
	if err != nil {
		t.Fatal(err)
	}
	return hash
}

func waitMined(t *testing.T, c *devchain.Chain, hash common.Hash) *types.Receipt {
	t.Helper()
	receipt, err := c.WaitMined(t.Context(), hash)
	if err != nil {
		t.Fatal(err)
	}
	if receipt.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("transaction %s failed", hash)
	}
	return receipt
}

func TestStartDeploysTheToken(t *testing.T) {
	t.Parallel()
	c := setup(t)
	ctx := t.Context()
	if id, err := c.Client().ChainID(ctx); err != nil || id.Cmp(c.ChainID()) != 0 || id.Int64() != devchain.ChainID {
		t.Fatalf("chain id %v (%v), want %d", id, err, devchain.ChainID)
	}
	token := testtoken.NewCofferTestToken()
	instance := token.Instance(c.Client(), c.Token())
	opts := &bind.CallOpts{Context: ctx}
	name, err := bind.Call(instance, opts, token.PackName(), token.UnpackName)
	if err != nil || name != devchain.TokenName {
		t.Errorf("name %q (%v), want %q", name, err, devchain.TokenName)
	}
	symbol, err := bind.Call(instance, opts, token.PackSymbol(), token.UnpackSymbol)
	if err != nil || symbol != "USDT" {
		t.Errorf("symbol %q (%v), want USDT", symbol, err)
	}
	decimals, err := bind.Call(instance, opts, token.PackDecimals(), token.UnpackDecimals)
	if err != nil || decimals != 6 {
		t.Errorf("decimals %d (%v), want 6", decimals, err)
	}
	supply, err := bind.Call(instance, opts, token.PackTotalSupply(), token.UnpackTotalSupply)
	if err != nil || supply.Cmp(big.NewInt(devchain.FaucetUSDT)) != 0 {
		t.Errorf("total supply %v (%v), want %d", supply, err, devchain.FaucetUSDT)
	}
	if got := tokenBalance(t, c, c.Faucet()); got.Cmp(big.NewInt(devchain.FaucetUSDT)) != 0 {
		t.Errorf("faucet holds %v USDT units, want %d", got, devchain.FaucetUSDT)
	}
	if wei, err := c.Client().BalanceAt(ctx, c.Faucet(), nil); err != nil || wei.Sign() <= 0 {
		t.Errorf("faucet holds %v wei (%v)", wei, err)
	}
}

func TestFund(t *testing.T) {
	t.Parallel()
	c := setup(t)
	ctx := t.Context()
	to := newAddress(t)
	wei := new(big.Int).Mul(big.NewInt(15), big.NewInt(1e17)) // 1.5 ETH
	units := big.NewInt(12_345_678)                           // 12.345678 USDT

	ethHash, err := c.Fund(ctx, to, devchain.AssetETH, wei)
	if err != nil {
		t.Fatal(err)
	}
	usdtHash, err := c.Fund(ctx, to, devchain.AssetUSDT, units)
	if err != nil {
		t.Fatal(err)
	}
	block := mine(t, c)
	ethReceipt := waitMined(t, c, ethHash)
	usdtReceipt := waitMined(t, c, usdtHash)
	if ethReceipt.BlockHash != block || usdtReceipt.BlockHash != block {
		t.Errorf("mined in %s and %s, want both in the block just mined, %s", ethReceipt.BlockHash, usdtReceipt.BlockHash, block)
	}

	// The funds arrived, exactly.
	if got, err := c.Client().BalanceAt(ctx, to, nil); err != nil || got.Cmp(wei) != 0 {
		t.Errorf("balance %v wei (%v), want %v", got, err, wei)
	}
	if got := tokenBalance(t, c, to); got.Cmp(units) != 0 {
		t.Errorf("token balance %v, want %v", got, units)
	}
	if got, want := tokenBalance(t, c, c.Faucet()), new(big.Int).Sub(big.NewInt(devchain.FaucetUSDT), units); got.Cmp(want) != 0 {
		t.Errorf("faucet token balance %v, want %v", got, want)
	}

	// The receipts are what a watcher will read: no log for ether, one Transfer for the token.
	if len(ethReceipt.Logs) != 0 {
		t.Errorf("the ether transfer logged %d events, want none", len(ethReceipt.Logs))
	}
	if len(usdtReceipt.Logs) != 1 {
		t.Fatalf("the token transfer logged %d events, want 1", len(usdtReceipt.Logs))
	}
	log := usdtReceipt.Logs[0]
	if log.Address != c.Token() {
		t.Errorf("the log is from %s, want the token %s", log.Address, c.Token())
	}
	ev, err := testtoken.NewCofferTestToken().UnpackTransferEvent(log)
	if err != nil {
		t.Fatal(err)
	}
	if ev.From != c.Faucet() || ev.To != to || ev.Value.Cmp(units) != 0 {
		t.Errorf("Transfer(%s, %s, %v), want Transfer(%s, %s, %v)", ev.From, ev.To, ev.Value, c.Faucet(), to, units)
	}

	// A transaction of each kind is EIP-1559, from the faucet, on chain 1337.
	for _, hash := range []common.Hash{ethHash, usdtHash} {
		tx, _, err := c.Client().TransactionByHash(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		from, err := types.Sender(types.LatestSignerForChainID(c.ChainID()), tx)
		if tx.Type() != types.DynamicFeeTxType || err != nil || from != c.Faucet() {
			t.Errorf("transaction %s: type %d, from %s (%v); want type %d from the faucet", hash, tx.Type(), from, err, types.DynamicFeeTxType)
		}
	}
}

// TestFundConcurrently checks that concurrent Funds take a nonce each: every transaction is
// mined by the next block.
func TestFundConcurrently(t *testing.T) {
	t.Parallel()
	c := setup(t)
	const n = 12
	hashes := make([]common.Hash, n)
	addrs := make([]common.Address, n)
	var wg sync.WaitGroup
	for i := range n {
		addrs[i] = newAddress(t)
		asset := devchain.AssetETH
		if i%2 == 1 {
			asset = devchain.AssetUSDT
		}
		wg.Go(func() {
			hash, err := c.Fund(t.Context(), addrs[i], asset, big.NewInt(int64(i+1)))
			if err != nil {
				t.Error(err)
			}
			hashes[i] = hash
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	block := mine(t, c)
	for i, hash := range hashes {
		if r := waitMined(t, c, hash); r.BlockHash != block {
			t.Errorf("transaction %d was not mined by the next block", i)
		}
	}
}

func TestFundRefuses(t *testing.T) {
	t.Parallel()
	c := setup(t)
	to := newAddress(t)
	for _, tc := range []struct {
		name   string
		to     common.Address
		asset  string
		amount *big.Int
	}{
		{"unknown asset", to, "BTC", big.NewInt(1)},
		{"lower-case asset", to, "eth", big.NewInt(1)},
		{"zero amount", to, devchain.AssetETH, new(big.Int)},
		{"negative amount", to, devchain.AssetUSDT, big.NewInt(-1)},
		{"no amount", to, devchain.AssetETH, nil},
		{"zero address", common.Address{}, devchain.AssetUSDT, big.NewInt(1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.Fund(t.Context(), tc.to, tc.asset, tc.amount); coffer.ErrorCode(err) != coffer.EINVALID {
				t.Fatalf("Fund: %v, want %s", err, coffer.EINVALID)
			}
		})
	}
}

// TestWaitMinedGivesUp checks that WaitMined waits for a block, and stops with its context.
func TestWaitMinedGivesUp(t *testing.T) {
	t.Parallel()
	c := setup(t)
	hash, err := c.Fund(t.Context(), newAddress(t), devchain.AssetETH, big.NewInt(1))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.WaitMined(ctx, hash); err == nil {
		t.Fatal("WaitMined returned before the transaction was mined")
	}
	mine(t, c)
	waitMined(t, c, hash)
}
