package watch_test

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/devchain"
	"github.com/cofferhq/coffer/chain/testtoken"
	"github.com/cofferhq/coffer/chain/watch"
)

// An amount above 2^127-1 minor units is recorded refused and never reaches the ledger; one
// of exactly 2^127-1 is a deposit.
func TestRefusedAmount(t *testing.T) {
	f := setup(t, options{confirmations: 2})
	u := f.user(t)
	// A token of the user's own, so that the user may mint any amount.
	token := testtoken.NewCofferTestToken()
	opts := bind.NewKeyedTransactor(u.key, big.NewInt(devchain.ChainID))
	opts.Context = t.Context()
	addr, _, err := bind.DeployContract(opts, common.FromHex(testtoken.CofferTestTokenMetaData.Bin),
		f.dev.Client(), token.PackConstructor("Big", "BIG", 18))
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	f.mine(t, 1)
	f.cfg.Assets = append(f.cfg.Assets, chain.Asset{Code: "BIG", Chain: "dev", Contract: &addr, Decimals: 18})
	f.restart(t)
	alice := f.address("alice")
	limit := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 127), big.NewInt(1))
	ok := f.send(t, u, 1, addr, new(big.Int), token.PackMint(alice, limit), 100)
	huge := f.send(t, u, 2, addr, new(big.Int), token.PackMint(alice, new(big.Int).Add(limit, big.NewInt(1))), 100)
	f.mine(t, 2)
	f.pass(t)
	p := f.wantCalls(t, "pending", 1)[0]
	if p.Key != key(ok.Hash(), "0") || p.Amount != limit.String() {
		t.Fatalf("pending %+v; want the mint of 2^127-1", p)
	}
	d, err := f.store.Deposit(t.Context(), key(huge.Hash(), "0"))
	if err != nil || d.Status != coffer.DepositRefused || d.Reason == "" || d.Asset != "BIG" {
		t.Fatalf("deposit of 2^127: %+v, %v; want refused with a reason", d, err)
	}
	f.mine(t, 3)
	f.pass(t)
	if c := f.wantCalls(t, "confirmed", 1)[0]; c.Key != p.Key {
		t.Fatalf("confirmed %+v", c)
	}
}

// Ether sent to a deposit address in a transaction that failed is no deposit; nor is a
// Transfer of nothing.
func TestFailedTransactionsAreNoDeposits(t *testing.T) {
	f := setup(t, options{})
	u := f.user(t)
	// The token has no payable function: ether sent to it reverts. Say it is a deposit address.
	f.owners[f.dev.Token()] = "mallory"
	alice := f.address("alice")
	failed := f.send(t, u, 0, f.dev.Token(), ether(1), nil, 100)
	f.send(t, u, 1, f.dev.Token(), new(big.Int), testtoken.NewCofferTestToken().PackTransfer(alice, new(big.Int)), 100)
	f.mine(t, 1)
	r, err := f.dev.Client().TransactionReceipt(t.Context(), failed.Hash())
	if err != nil || r.Status != 0 {
		t.Fatalf("receipt %+v, %v; want a failed transaction", r, err)
	}
	f.pass(t)
	f.wantCalls(t, "pending", 0)
}

// failingLedger fails each call of one kind a number of times.
type failingLedger struct {
	*ledger
	confirmedFails int
}

func (l *failingLedger) Confirmed(ctx context.Context, d coffer.Deposit) error {
	if l.confirmedFails > 0 {
		l.confirmedFails--
		return errors.New("ledger down")
	}
	return l.ledger.Confirmed(ctx, d)
}

// A ledger's error stops the pass before the status is stored: the next pass calls again.
func TestLedgerErrorIsRetried(t *testing.T) {
	f := setup(t, options{confirmations: 2})
	fl := &failingLedger{ledger: f.ledger, confirmedFails: 1}
	f.cfg.Ledger = fl
	f.restart(t)
	dep := f.fund(t, f.address("alice"), devchain.AssetETH, 42)
	f.mine(t, 2)
	if err := f.w.Pass(t.Context()); err == nil {
		t.Fatal("Pass succeeded though the ledger failed")
	}
	if d, _ := f.store.Deposit(t.Context(), key(dep, "native")); d.Status != coffer.DepositPending {
		t.Fatalf("deposit %+v; want still pending", d)
	}
	f.pass(t)
	f.pass(t)
	if c := f.wantCalls(t, "confirmed", 1)[0]; c.Key != key(dep, "native") {
		t.Fatalf("confirmed %+v", c)
	}
}

// Run passes, reports the cursor and returns when its context ends.
func TestRun(t *testing.T) {
	f := setup(t, options{})
	ctx, cancel := context.WithCancel(t.Context())
	var got any
	err := f.w.Run(ctx, coffer.Fence{}, func(p any) { got = p; cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v; want context.Canceled", err)
	}
	head := f.head(t).Number.Uint64()
	if p, ok := got.(watch.Progress); !ok || p.Block != head || p.Head != head || p.Chain != "dev" || p.At.IsZero() ||
		p.LastError != "" || p.LastErrorAt != nil {
		t.Fatalf("reported %#v; want block and head %d, a time and no error", got, head)
	}
	if f.w.Head() != head {
		t.Fatalf("Head() = %d; want %d", f.w.Head(), head)
	}
}

// keyedNode fails as a provider's client library may: quoting the URL it called, key and all.
type keyedNode struct {
	watch.Client
	url string
}

func (n keyedNode) ChainID(context.Context) (*big.Int, error) {
	return nil, fmt.Errorf("Post %q: 401 Unauthorized", n.url)
}

// A failed pass is reported too, with its error and its time, and the RPC URL's key masked.
func TestRunReportsError(t *testing.T) {
	f := setup(t, options{})
	const rpc = "https://user:s3cr3t-pass@node.example/v3/k3y0123456789"
	f.cfg.Chain.RPC = []string{rpc}
	f.cfg.Client = keyedNode{Client: f.cfg.Client, url: rpc}
	f.restart(t)
	ctx, cancel := context.WithCancel(t.Context())
	var got any
	err := f.w.Run(ctx, coffer.Fence{}, func(p any) { got = p; cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v; want context.Canceled", err)
	}
	p, ok := got.(watch.Progress)
	if !ok || p.LastError == "" || p.LastErrorAt == nil || !p.LastErrorAt.Equal(p.At) || p.Head != 0 {
		t.Fatalf("reported %#v; want the error, its time and no head", got)
	}
	for _, secret := range []string{"s3cr3t-pass", "k3y0123456789"} {
		if strings.Contains(p.LastError, secret) {
			t.Fatalf("LastError %q holds %q", p.LastError, secret)
		}
	}
	if !strings.Contains(p.LastError, "node.example") || !strings.Contains(p.LastError, "401 Unauthorized") {
		t.Fatalf("LastError %q; want the host and the node's answer", p.LastError)
	}
}

// The node must be on the configured chain.
func TestWrongChainID(t *testing.T) {
	f := setup(t, options{})
	f.cfg.Chain.ID = 1
	f.restart(t)
	if err := f.w.Pass(t.Context()); err == nil {
		t.Fatal("Pass succeeded against a node of chain 1337 configured as chain 1")
	}
}
