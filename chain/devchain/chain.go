// Package devchain runs a real EVM chain inside the process, on go-ethereum's simulated
// backend, for development and tests: chain id 1337, a faucet funded at genesis, and Coffer's
// test token deployed as USDT. Nothing leaves the process: no port is opened and nothing is
// written to disk, so every Start begins the same chain from genesis.
package devchain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/cofferhq/coffer/chain/testtoken"
	"github.com/cofferhq/coffer/internal/broadcast"
)

const (
	// ChainID is the simulated backend's chain id; it cannot be changed.
	ChainID = 1337
	// BlockPeriodDefault is how often the loop mines a block: a second, so that a watcher sees
	// confirmations arrive at a human pace while developing.
	BlockPeriodDefault = time.Second

	// AssetETH and AssetUSDT are the assets Fund sends: ether in wei, and the test token in its
	// minor unit.
	AssetETH  = "ETH"
	AssetUSDT = "USDT"
	// TokenName, TokenSymbol and TokenDecimals are the test token's, shaped like Tether's USDT.
	TokenName     = "Coffer Test USD"
	TokenSymbol   = "USDT"
	TokenDecimals = 6
	// FaucetUSDT is the faucet's token balance at start, in minor units: a billion USDT.
	FaucetUSDT = 1_000_000_000 * 1_000_000
)

// faucetKeyHex is go-ethereum's well-known DeveloperKey, the key of `geth --dev`. It is a
// throwaway dev key, public in geth's source: anything it holds on any other chain is anyone's.
// Being fixed, the faucet's address and so the token's (the faucet's first deployment) are the
// same at every start.
const faucetKeyHex = "b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291"

// faucetWei is the faucet's ether at genesis: a billion ether.
var faucetWei = new(big.Int).Mul(big.NewInt(1_000_000_000), big.NewInt(1e18))

// ErrClosed is returned by Mine after Close.
var ErrClosed = errors.New("devchain: closed")

// Config configures a dev chain. The zero value of a field means its default.
type Config struct {
	// BlockPeriod is how often the loop mines a block; BlockPeriodDefault if zero.
	BlockPeriod time.Duration
	// Manual turns the loop off: blocks are mined only by Mine, so that a test decides when
	// each transaction is included and never waits on a clock.
	Manual bool
	Logger *slog.Logger
}

// Chain is a running dev chain. Its methods are safe for concurrent use.
type Chain struct {
	cfg        Config
	sim        *simulated.Backend
	client     simulated.Client
	faucet     *ecdsa.PrivateKey
	faucetAddr common.Address
	token      common.Address

	// mined wakes WaitMined after each block.
	mined broadcast.Signal

	// mineMu serializes Commit (the loop's and Mine's) with Close: the simulated backend's
	// Commit may not run concurrently with itself or with Close.
	mineMu sync.Mutex
	closed bool
	head   common.Hash

	// nonceMu serializes the faucet's transactions; nonceNext is the nonce after the last one
	// sent, since the pool's pending nonce may not count a transaction just sent yet.
	nonceMu   sync.Mutex
	nonceNext uint64

	stop      context.CancelFunc
	loopDone  chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// Start starts a dev chain: the faucet funded at genesis, the test token deployed and a
// FaucetUSDT minted to the faucet, each in a block of its own. Unless cfg.Manual is set, a loop
// then mines a block every cfg.BlockPeriod until ctx ends or Close is called. The caller must
// call Close.
func Start(ctx context.Context, cfg Config) (*Chain, error) {
	if cfg.BlockPeriod <= 0 {
		cfg.BlockPeriod = BlockPeriodDefault
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	key, err := crypto.HexToECDSA(faucetKeyHex)
	if err != nil {
		panic(err) // a constant
	}
	faucet := crypto.PubkeyToAddress(key.PublicKey)
	sim := simulated.NewBackend(types.GenesisAlloc{faucet: {Balance: faucetWei}})
	c := &Chain{
		cfg:        cfg,
		sim:        sim,
		client:     sim.Client(),
		faucet:     key,
		faucetAddr: faucet,
		loopDone:   make(chan struct{}),
	}
	if err := c.deployToken(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("devchain: %w", err), sim.Close())
	}
	loopCtx, stop := context.WithCancel(ctx)
	c.stop = stop
	if cfg.Manual {
		close(c.loopDone)
	} else {
		go c.loop(loopCtx)
	}
	return c, nil
}

// deployToken deploys the test token and mints FaucetUSDT to the faucet, mining a block after
// each: the mint's gas is estimated against the deployed code.
func (c *Chain) deployToken(ctx context.Context) error {
	token := testtoken.NewCofferTestToken()
	opts := bind.NewKeyedTransactor(c.faucet, big.NewInt(ChainID))
	opts.Context = ctx
	addr, tx, err := bind.DeployContract(opts, common.FromHex(testtoken.CofferTestTokenMetaData.Bin),
		c.client, token.PackConstructor(TokenName, TokenSymbol, TokenDecimals))
	if err != nil {
		return fmt.Errorf("deploy token: %w", err)
	}
	if err := c.mineOK(ctx, tx, "deploy token"); err != nil {
		return err
	}
	c.token = addr
	tx, err = bind.Transact(token.Instance(c.client, addr), opts, token.PackMint(c.Faucet(), big.NewInt(FaucetUSDT)))
	if err != nil {
		return fmt.Errorf("mint: %w", err)
	}
	return c.mineOK(ctx, tx, "mint")
}

// mineOK mines a block and checks that it holds tx, successful.
func (c *Chain) mineOK(ctx context.Context, tx *types.Transaction, what string) error {
	if _, err := c.Mine(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	receipt, err := c.client.TransactionReceipt(ctx, tx.Hash())
	if err != nil {
		return fmt.Errorf("%s: receipt: %w", what, err)
	}
	if receipt.Status != types.ReceiptStatusSuccessful {
		return fmt.Errorf("%s: transaction %s failed", what, tx.Hash())
	}
	return nil
}

// loop mines a block every BlockPeriod until its context ends.
func (c *Chain) loop(ctx context.Context) {
	defer close(c.loopDone)
	tick := time.NewTicker(c.cfg.BlockPeriod)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if _, err := c.Mine(); err != nil {
				c.cfg.Logger.Warn("devchain: mine", "err", err)
			}
		}
	}
}

// Mine mines a block now, with the transactions in the pool, and returns its hash. It may be
// called whether or not the loop runs; it returns ErrClosed after Close.
func (c *Chain) Mine() (common.Hash, error) {
	c.mineMu.Lock()
	defer c.mineMu.Unlock()
	if c.closed {
		return common.Hash{}, ErrClosed
	}
	// Commit logs and swallows a failure to seal, returning the unchanged head.
	hash := c.sim.Commit()
	if hash == c.head {
		return common.Hash{}, errors.New("devchain: no block was sealed (see go-ethereum's log)")
	}
	c.head = hash
	c.mined.Notify()
	return hash, nil
}

// Close stops the loop, waits for it to return and closes the chain. Only the first call
// does anything; later ones return its result.
func (c *Chain) Close() error {
	c.closeOnce.Do(func() {
		c.stop()
		<-c.loopDone
		c.mineMu.Lock()
		defer c.mineMu.Unlock()
		c.closed = true
		c.closeErr = c.sim.Close()
	})
	return c.closeErr
}

// Client returns the chain's client: what a chain watcher reads the chain through. Its
// concrete value embeds *ethclient.Client, so block receipts and the other ethclient methods
// are there too. It fails once the chain is closed.
func (c *Chain) Client() simulated.Client { return c.client }

// ChainID returns the chain id, 1337.
func (c *Chain) ChainID() *big.Int { return big.NewInt(ChainID) }

// Token returns the test token's address.
func (c *Chain) Token() common.Address { return c.token }

// Faucet returns the address Fund sends from.
func (c *Chain) Faucet() common.Address { return c.faucetAddr }

// Fork makes the block parent the head at once, abandoning the blocks above it: a reorg, for
// tests. The next Mine builds on parent. The pool is then brought to the new head and emptied:
// the abandoned blocks' transactions are not taken back, so that what the next block holds does
// not depend on the pool's background work; a test sends again those it wants mined again. It
// fails while the pool holds transactions not yet mined. The faucet's transactions in the
// abandoned blocks are lost with them: Fund after a Fork that abandoned some is not supported.
func (c *Chain) Fork(parent common.Hash) error {
	c.mineMu.Lock()
	defer c.mineMu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if err := c.sim.Fork(parent); err != nil {
		return fmt.Errorf("devchain: fork at %s: %w", parent, err)
	}
	// Rollback syncs the pool to the new head before clearing it.
	c.sim.Rollback()
	c.head = parent
	return nil
}
