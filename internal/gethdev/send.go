package gethdev

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/cofferhq/coffer/chain/testtoken"
)

// The test token DeployToken deploys, shaped like Tether's USDT.
const (
	TokenName     = "Coffer Test USD"
	TokenSymbol   = "USDT"
	TokenDecimals = 6
	// TokenMinted is what DeployToken mints to the dev account, in minor units: a billion.
	TokenMinted = 1_000_000_000 * 1_000_000
)

const (
	// gasETH is the gas of a plain value transfer to an account without code.
	gasETH = 21_000
	// gasMint bounds the mint's gas, about 70,000 into an empty balance: it is sent with the
	// deployment, before there is code to estimate it against.
	gasMint = 150_000
)

// tipCap is the priority fee of the dev account's transactions: 1 gwei, above what the dev
// miner asks, so that the next block takes each.
var tipCap = big.NewInt(1_000_000_000)

// DeployToken deploys Coffer's test token (CofferTestToken) from the dev account, mints
// TokenMinted to the dev account in the same block, waits for both and returns the token's
// address. FundToken sends from what it minted.
func (n *Node) DeployToken(t testing.TB) common.Address {
	t.Helper()
	if n.token != (common.Address{}) {
		t.Fatal("gethdev: the token is deployed already")
	}
	token := testtoken.NewCofferTestToken()
	code := append(common.FromHex(testtoken.CofferTestTokenMetaData.Bin), token.PackConstructor(TokenName, TokenSymbol, TokenDecimals)...)
	deploy, nonce := n.send(t, nil, nil, code, 0)
	addr := crypto.CreateAddress(n.account, nonce)
	mint, _ := n.send(t, &addr, nil, token.PackMint(n.account, big.NewInt(TokenMinted)), gasMint)
	for _, tx := range []common.Hash{deploy, mint} {
		if r := n.WaitMined(t, tx); r.Status != types.ReceiptStatusSuccessful {
			t.Fatalf("gethdev: deploy token: transaction %s failed", tx)
		}
	}
	n.token = addr
	return addr
}

// Token returns the test token's address, once DeployToken has deployed it.
func (n *Node) Token() common.Address { return n.token }

// FundETH sends wei to to from the dev account in a signed transaction and returns its hash
// once the node's pool has it; the next block mines it (WaitMined waits for that).
func (n *Node) FundETH(t testing.TB, to common.Address, wei *big.Int) common.Hash {
	t.Helper()
	if wei.Sign() <= 0 {
		t.Fatalf("gethdev: fund %s wei", wei)
	}
	h, _ := n.send(t, &to, wei, nil, gasETH)
	return h
}

// FundToken sends amount of the test token, in its minor unit, to to from the dev account: a
// signed call of the token's transfer, whose Transfer log is the first of its transaction's. It
// returns the transaction's hash once the node's pool has it.
func (n *Node) FundToken(t testing.TB, to common.Address, amount *big.Int) common.Hash {
	t.Helper()
	if n.token == (common.Address{}) {
		t.Fatal("gethdev: FundToken before DeployToken")
	}
	if amount.Sign() <= 0 {
		t.Fatalf("gethdev: fund %s of the token", amount)
	}
	h, _ := n.send(t, &n.token, nil, testtoken.NewCofferTestToken().PackTransfer(to, amount), 0)
	return h
}

// send signs a transaction from the dev account (to nil deploys data) and sends it. A gas of
// zero is estimated. It returns the transaction's hash and nonce.
func (n *Node) send(t testing.TB, to *common.Address, value *big.Int, data []byte, gas uint64) (common.Hash, uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitTimeout)
	defer cancel()
	if value == nil {
		value = new(big.Int)
	}
	head, err := n.client.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatalf("gethdev: send: head: %v", err)
	}
	// Twice the base fee leaves room for it to rise over the next blocks.
	feeCap := new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), tipCap)
	if gas == 0 {
		gas, err = n.client.EstimateGas(ctx, ethereum.CallMsg{From: n.account, To: to, GasFeeCap: feeCap,
			GasTipCap: tipCap, Value: value, Data: data})
		if err != nil {
			t.Fatalf("gethdev: send: estimate gas: %v", err)
		}
	}
	n.sendMu.Lock()
	defer n.sendMu.Unlock()
	nonce, err := n.client.PendingNonceAt(ctx, n.account)
	if err != nil {
		t.Fatalf("gethdev: send: nonce: %v", err)
	}
	nonce = max(nonce, n.nonceNext)
	chainID := big.NewInt(ChainID)
	tx, err := types.SignNewTx(n.key, types.LatestSignerForChainID(chainID), &types.DynamicFeeTx{
		ChainID: chainID, Nonce: nonce, GasTipCap: tipCap, GasFeeCap: feeCap, Gas: gas, To: to, Value: value, Data: data,
	})
	if err != nil {
		t.Fatalf("gethdev: send: sign: %v", err)
	}
	if err := n.client.SendTransaction(ctx, tx); err != nil {
		t.Fatalf("gethdev: send: %v", err)
	}
	n.nonceNext = nonce + 1
	return tx.Hash(), nonce
}

// WaitMined waits until the transaction is in a block, at most WaitTimeout, and returns its
// receipt, whatever its status.
func (n *Node) WaitMined(t testing.TB, tx common.Hash) *types.Receipt {
	t.Helper()
	var r *types.Receipt
	n.poll(t, fmt.Sprintf("transaction %s to be mined", tx), func(ctx context.Context) (bool, error) {
		var err error
		r, err = n.client.TransactionReceipt(ctx, tx)
		if notMinedYet(err) {
			return false, nil
		}
		return err == nil, err
	})
	return r
}

// WaitBlock waits until the node's head is block number or above, at most WaitTimeout.
func (n *Node) WaitBlock(t testing.TB, number uint64) {
	t.Helper()
	n.poll(t, fmt.Sprintf("block %d", number), func(ctx context.Context) (bool, error) {
		head, err := n.client.BlockNumber(ctx)
		return head >= number, err
	})
}

// Head returns the number of the node's head block.
func (n *Node) Head(t testing.TB) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitTimeout)
	defer cancel()
	head, err := n.client.BlockNumber(ctx)
	if err != nil {
		t.Fatalf("gethdev: head: %v", err)
	}
	return head
}

// poll asks done every pollInterval until it is true, fails or WaitTimeout passes.
func (n *Node) poll(t testing.TB, what string, done func(ctx context.Context) (bool, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitTimeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		ok, err := done(ctx)
		switch {
		case ok:
			return
		case err != nil:
			t.Fatalf("gethdev: wait for %s: %v", what, err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("gethdev: waited %s for %s", WaitTimeout, what)
		case <-tick.C:
		}
	}
}

// notMinedYet tells whether a receipt lookup's error means only that there is no receipt yet:
// not found, or not found while the node is still indexing transactions.
func notMinedYet(err error) bool {
	if errors.Is(err, ethereum.NotFound) {
		return true
	}
	var de rpc.DataError
	return errors.As(err, &de) && de.ErrorData() == "transaction indexing is in progress"
}
