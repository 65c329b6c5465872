package send

import (
	"context"
	"errors"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/txpool"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"
)

// Client is the part of a node's JSON-RPC API the sender uses. *ethclient.Client, chain/node's
// client and the simulated backend's client satisfy it, and tests wrap it to inject faults.
type Client interface {
	ChainID(ctx context.Context) (*big.Int, error)
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	// NonceAt is the account's nonce at the block (the head's for nil): its mined transactions.
	NonceAt(ctx context.Context, account common.Address, number *big.Int) (uint64, error)
	// PendingNonceAt counts the node's pool too.
	PendingNonceAt(ctx context.Context, account common.Address) (uint64, error)
	BalanceAt(ctx context.Context, account common.Address, number *big.Int) (*big.Int, error)
	SuggestGasTipCap(ctx context.Context) (*big.Int, error)
	EstimateGas(ctx context.Context, msg ethereum.CallMsg) (uint64, error)
	CallContract(ctx context.Context, msg ethereum.CallMsg, number *big.Int) ([]byte, error)
	SendTransaction(ctx context.Context, tx *types.Transaction) error
	TransactionByHash(ctx context.Context, hash common.Hash) (tx *types.Transaction, isPending bool, err error)
	TransactionReceipt(ctx context.Context, txHash common.Hash) (*types.Receipt, error)
}

// codeReverted is the JSON-RPC error code of a call or estimate that reverted.
const codeReverted = 3

// The node's refusals of a transaction that the sender understands. Nodes give them as code
// -32000 with geth's sentences (Erigon, Nethermind and Besu use the same words for these), so
// they are matched by the text of go-ethereum's own errors: there is no code to go by.
var (
	// errKnown: the pool holds this very transaction already; sending again did no harm.
	errKnown = txpool.ErrAlreadyKnown
	// errNonceLow: the nonce is used by a mined transaction; ours, if a receipt says so.
	errNonceLow = core.ErrNonceTooLow
	// errUnderpriced: the pool holds another transaction of this nonce whose fees this one does
	// not beat by the pool's bump: an attempt of ours sent later, as a rule.
	errUnderpriced = txpool.ErrReplaceUnderpriced
	// errFunds: the node's view of the balance does not cover the transaction. The sender
	// checked the balance at the head before signing, so this is a node whose pool has not yet
	// caught up with the head (geth resets its pool after each block, in the background), or
	// a balance spent meanwhile: the next pass sends the same bytes again.
	errFunds = core.ErrInsufficientFunds
)

// refusal tells which of the understood refusals err is, or nil.
func refusal(err error) error {
	if err == nil {
		return nil
	}
	for _, known := range []error{errKnown, errNonceLow, errUnderpriced, errFunds} {
		if errors.Is(err, known) || strings.Contains(err.Error(), known.Error()) {
			return known
		}
	}
	return nil
}

// reverted reports whether err is a call's or an estimate's revert, by its JSON-RPC code.
func reverted(err error) bool {
	var re rpc.Error
	return errors.As(err, &re) && re.ErrorCode() == codeReverted
}

// notFound reports whether err means the node does not know the transaction (yet).
func notFound(err error) bool {
	if errors.Is(err, ethereum.NotFound) {
		return true
	}
	var de rpc.DataError
	return errors.As(err, &de) && de.ErrorData() == "transaction indexing is in progress"
}
