// Package node reaches a chain's nodes: one or more JSON-RPC URLs, tried in order, as one
// client of the chain watcher. Calls go to the current node; when it fails as a node (it cannot
// be reached, times out or answers with an HTTP error), the next calls go to the next URL, round
// the list. A node's answer, even an error (a log query too large, say), is its answer and
// changes nothing. A URL's API key, in its path or query, never appears in an error.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
	"go.opentelemetry.io/otel/trace"

	"github.com/cofferhq/coffer/chain"
)

// Client is a chain's nodes. It is safe for concurrent use.
type Client struct {
	chain  string
	urls   []string
	logger *slog.Logger

	mu      sync.Mutex
	tracer  trace.Tracer // nil: no spans
	current int
	clients []*ethclient.Client // dialled on first use
}

// New returns a client of the nodes at urls, for the chain named name. Nothing is dialled yet.
func New(name string, urls []string, logger *slog.Logger) (*Client, error) {
	if len(urls) == 0 {
		return nil, fmt.Errorf("chain %s: no node URL", name)
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Client{chain: name, urls: urls, logger: logger, clients: make([]*ethclient.Client, len(urls))}, nil
}

// Close closes the connections.
func (c *Client) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, ec := range c.clients {
		if ec != nil {
			ec.Close()
			c.clients[i] = nil
		}
	}
}

// Current returns the URL calls go to now, redacted.
func (c *Client) Current() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return chain.RedactURL(c.urls[c.current])
}

// pick returns the current node's client, dialling it if needed.
func (c *Client) pick(ctx context.Context) (int, *ethclient.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := c.current
	if c.clients[i] == nil {
		var opts []rpc.ClientOption
		if hc := c.httpClient(); hc != nil {
			opts = append(opts, rpc.WithHTTPClient(hc))
		}
		rc, err := rpc.DialOptions(ctx, c.urls[i], opts...)
		if err != nil {
			c.next(i, err)
			return i, nil, err
		}
		c.clients[i] = ethclient.NewClient(rc)
	}
	return i, c.clients[i], nil
}

// next moves the calls on from node i after its failure err, if they have not moved already.
// c.mu is held.
func (c *Client) next(i int, err error) {
	if len(c.urls) == 1 || c.current != i {
		return
	}
	c.current = (i + 1) % len(c.urls)
	c.logger.Warn("chain node failed; the next calls go to the next node", "chain", c.chain,
		"failed", chain.RedactURL(c.urls[i]), "next", chain.RedactURL(c.urls[c.current]), "err", c.redact(err))
}

// call runs fn on the current node and moves on from it if it failed as a node.
func (c *Client) call(ctx context.Context, fn func(ec *ethclient.Client) error) error {
	i, ec, err := c.pick(ctx)
	if err == nil {
		err = fn(ec)
	}
	if err == nil {
		return nil
	}
	if nodeFault(ctx, err) {
		c.mu.Lock()
		c.next(i, err)
		c.mu.Unlock()
	}
	return &redacted{msg: c.redact(err).Error(), err: err}
}

// nodeFault reports whether err says the node failed rather than answered: not a JSON-RPC
// error, not "not found", not the caller's own context ending.
func nodeFault(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, ethereum.NotFound) {
		return false
	}
	var re rpc.Error
	if errors.As(err, &re) {
		return false
	}
	var he rpc.HTTPError
	if errors.As(err, &he) {
		return he.StatusCode >= 500 || he.StatusCode == 429 || he.StatusCode == 401 || he.StatusCode == 403
	}
	return true
}

// redact returns err's message with every node URL redacted.
func (c *Client) redact(err error) error {
	msg := err.Error()
	for _, u := range c.urls {
		msg = strings.ReplaceAll(msg, u, chain.RedactURL(u))
	}
	return errors.New(msg)
}

// redacted is an error whose message hides the node URLs; errors.As still reaches the node's.
type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }

// ChainID asks the current node for the chain id.
func (c *Client) ChainID(ctx context.Context) (id *big.Int, err error) {
	err = c.call(ctx, func(ec *ethclient.Client) error { id, err = ec.ChainID(ctx); return err })
	return id, err
}

// HeaderByNumber returns the canonical header at number, the head's for nil.
func (c *Client) HeaderByNumber(ctx context.Context, number *big.Int) (h *types.Header, err error) {
	err = c.call(ctx, func(ec *ethclient.Client) error { h, err = ec.HeaderByNumber(ctx, number); return err })
	return h, err
}

// BlockByNumber returns the canonical block at number with its transactions.
func (c *Client) BlockByNumber(ctx context.Context, number *big.Int) (b *types.Block, err error) {
	err = c.call(ctx, func(ec *ethclient.Client) error { b, err = ec.BlockByNumber(ctx, number); return err })
	return b, err
}

// FilterLogs runs a log query.
func (c *Client) FilterLogs(ctx context.Context, q ethereum.FilterQuery) (logs []types.Log, err error) {
	err = c.call(ctx, func(ec *ethclient.Client) error { logs, err = ec.FilterLogs(ctx, q); return err })
	return logs, err
}

// BalanceAtHash returns the account's wei at the block with the hash.
func (c *Client) BalanceAtHash(ctx context.Context, account common.Address, hash common.Hash) (b *big.Int, err error) {
	err = c.call(ctx, func(ec *ethclient.Client) error { b, err = ec.BalanceAtHash(ctx, account, hash); return err })
	return b, err
}

// CallContractAtHash runs a call on the state of the block with the hash.
func (c *Client) CallContractAtHash(ctx context.Context, msg ethereum.CallMsg, hash common.Hash) (out []byte, err error) {
	err = c.call(ctx, func(ec *ethclient.Client) error { out, err = ec.CallContractAtHash(ctx, msg, hash); return err })
	return out, err
}

// TransactionReceipt returns a mined transaction's receipt.
func (c *Client) TransactionReceipt(ctx context.Context, hash common.Hash) (r *types.Receipt, err error) {
	err = c.call(ctx, func(ec *ethclient.Client) error { r, err = ec.TransactionReceipt(ctx, hash); return err })
	return r, err
}

// NonceAt returns the account's nonce at the block, the head's for nil: its mined transactions.
func (c *Client) NonceAt(ctx context.Context, account common.Address, number *big.Int) (n uint64, err error) {
	err = c.call(ctx, func(ec *ethclient.Client) error { n, err = ec.NonceAt(ctx, account, number); return err })
	return n, err
}

// PendingNonceAt returns the account's nonce counting the node's pool.
func (c *Client) PendingNonceAt(ctx context.Context, account common.Address) (n uint64, err error) {
	err = c.call(ctx, func(ec *ethclient.Client) error { n, err = ec.PendingNonceAt(ctx, account); return err })
	return n, err
}

// BalanceAt returns the account's wei at the block, the head's for nil.
func (c *Client) BalanceAt(ctx context.Context, account common.Address, number *big.Int) (b *big.Int, err error) {
	err = c.call(ctx, func(ec *ethclient.Client) error { b, err = ec.BalanceAt(ctx, account, number); return err })
	return b, err
}

// SuggestGasTipCap returns the node's suggested priority fee.
func (c *Client) SuggestGasTipCap(ctx context.Context) (tip *big.Int, err error) {
	err = c.call(ctx, func(ec *ethclient.Client) error { tip, err = ec.SuggestGasTipCap(ctx); return err })
	return tip, err
}

// EstimateGas returns the gas the call would use.
func (c *Client) EstimateGas(ctx context.Context, msg ethereum.CallMsg) (gas uint64, err error) {
	err = c.call(ctx, func(ec *ethclient.Client) error { gas, err = ec.EstimateGas(ctx, msg); return err })
	return gas, err
}

// CallContract runs a call on the state of the block, the head's for nil.
func (c *Client) CallContract(ctx context.Context, msg ethereum.CallMsg, number *big.Int) (out []byte, err error) {
	err = c.call(ctx, func(ec *ethclient.Client) error { out, err = ec.CallContract(ctx, msg, number); return err })
	return out, err
}

// SendTransaction hands a signed transaction to the current node. Sending it again, to this
// node or the next after a failure, is harmless: a signed transaction is the same bytes.
func (c *Client) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	return c.call(ctx, func(ec *ethclient.Client) error { return ec.SendTransaction(ctx, tx) })
}

// TransactionByHash returns a transaction and whether it is still pending.
func (c *Client) TransactionByHash(ctx context.Context, hash common.Hash) (tx *types.Transaction, pending bool, err error) {
	err = c.call(ctx, func(ec *ethclient.Client) error { tx, pending, err = ec.TransactionByHash(ctx, hash); return err })
	return tx, pending, err
}
