package watch

import (
	"context"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"
)

// Client is the part of a node's JSON-RPC API the watcher reads. *ethclient.Client and the
// simulated backend's client both satisfy it, and tests wrap it to inject faults.
type Client interface {
	ChainID(ctx context.Context) (*big.Int, error)
	// HeaderByNumber returns the canonical header at number, the head's for nil.
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	// BlockByNumber returns the canonical block at number with its transactions.
	BlockByNumber(ctx context.Context, number *big.Int) (*types.Block, error)
	FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error)
	TransactionReceipt(ctx context.Context, txHash common.Hash) (*types.Receipt, error)
}

// RPC error codes and HTTP statuses by which a node refuses a log query as too large: -32005
// "query returned more than 10000 results", -32602 "block range exceeds limit" (Infura), and
// 413 for an answer too large. The watcher halves its range on them.
const (
	codeLimitExceeded = -32005
	codeInvalidParams = -32602
)

// tooLarge reports whether err is a node's refusal of a log query's size, judged by the
// JSON-RPC error code or the HTTP status, never by the message.
func tooLarge(err error) bool {
	var re rpc.Error
	if errors.As(err, &re) && (re.ErrorCode() == codeLimitExceeded || re.ErrorCode() == codeInvalidParams) {
		return true
	}
	var he rpc.HTTPError
	return errors.As(err, &he) && he.StatusCode == 413
}
