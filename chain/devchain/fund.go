package devchain

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/testtoken"
)

// tipCap is the priority fee of the faucet's transactions: 1 gwei, well above the simulated
// miner's minimum, so that every one is mined by the next block.
var tipCap = big.NewInt(1_000_000_000)

// gasETH is the gas of a plain value transfer to an account without code.
const gasETH = 21_000

// Fund sends amount of asset from the faucet to to, in a signed EIP-1559 transaction, and
// returns its hash once the pool has taken it: AssetETH in wei, AssetUSDT in the token's minor
// unit (6 decimals) through its transfer. The next block mines it; WaitMined waits for that.
// An unknown asset, a zero address or an amount that is not positive is coffer.EINVALID.
func (c *Chain) Fund(ctx context.Context, to common.Address, asset string, amount *big.Int) (common.Hash, error) {
	if to == (common.Address{}) {
		return common.Hash{}, coffer.Errorf(coffer.EINVALID, "fund: the zero address cannot be funded")
	}
	if amount == nil || amount.Sign() <= 0 {
		return common.Hash{}, coffer.Errorf(coffer.EINVALID, "fund: the amount must be positive")
	}
	var (
		txTo  common.Address
		value *big.Int
		data  []byte
	)
	switch asset {
	case AssetETH:
		txTo, value = to, amount
	case AssetUSDT:
		txTo, value = c.token, new(big.Int)
		data = testtoken.NewCofferTestToken().PackTransfer(to, amount)
	default:
		return common.Hash{}, coffer.Errorf(coffer.EINVALID, "fund: asset %q is neither %s nor %s", asset, AssetETH, AssetUSDT)
	}
	hash, err := c.send(ctx, txTo, value, data)
	if err != nil {
		return common.Hash{}, fmt.Errorf("fund %s: %w", asset, err)
	}
	return hash, nil
}

// send signs and sends a transaction from the faucet.
func (c *Chain) send(ctx context.Context, to common.Address, value *big.Int, data []byte) (common.Hash, error) {
	head, err := c.client.HeaderByNumber(ctx, nil)
	if err != nil {
		return common.Hash{}, fmt.Errorf("head: %w", err)
	}
	// Twice the base fee leaves room for it to rise over the next blocks.
	feeCap := new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), tipCap)
	gas := uint64(gasETH)
	if len(data) > 0 {
		gas, err = c.client.EstimateGas(ctx, ethereum.CallMsg{
			From: c.Faucet(), To: &to, GasFeeCap: feeCap, GasTipCap: tipCap, Value: value, Data: data,
		})
		if err != nil {
			return common.Hash{}, fmt.Errorf("estimate gas: %w", err)
		}
	}

	// One transaction at a time takes the next nonce. The pool may count a transaction just
	// sent only a moment later, so the nonce is the larger of its count and ours.
	c.nonceMu.Lock()
	defer c.nonceMu.Unlock()
	nonce, err := c.client.PendingNonceAt(ctx, c.Faucet())
	if err != nil {
		return common.Hash{}, fmt.Errorf("nonce: %w", err)
	}
	nonce = max(nonce, c.nonceNext)
	tx, err := types.SignNewTx(c.faucet, types.LatestSignerForChainID(c.ChainID()), &types.DynamicFeeTx{
		ChainID:   c.ChainID(),
		Nonce:     nonce,
		GasTipCap: tipCap,
		GasFeeCap: feeCap,
		Gas:       gas,
		To:        &to,
		Value:     value,
		Data:      data,
	})
	if err != nil {
		return common.Hash{}, fmt.Errorf("sign: %w", err)
	}
	if err := c.client.SendTransaction(ctx, tx); err != nil {
		return common.Hash{}, fmt.Errorf("send: %w", err)
	}
	c.nonceNext = nonce + 1
	return tx.Hash(), nil
}

// WaitMined waits until the transaction is in a block and returns its receipt, whatever its
// status. It looks again after each block the chain mines, and gives up when ctx ends; with
// Config.Manual set, someone must call Mine.
func (c *Chain) WaitMined(ctx context.Context, txHash common.Hash) (*types.Receipt, error) {
	for {
		// Taken before the look, so that a block mined in between is not missed.
		next := c.mined.Wait()
		receipt, err := c.client.TransactionReceipt(ctx, txHash)
		if err == nil {
			return receipt, nil
		}
		if !notMinedYet(err) {
			return nil, fmt.Errorf("wait mined %s: %w", txHash, err)
		}
		select {
		case <-next:
		case <-ctx.Done():
			return nil, fmt.Errorf("wait mined %s: %w", txHash, ctx.Err())
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
