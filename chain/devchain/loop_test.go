package devchain

import (
	"context"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// testDeadline bounds each wait of these tests: far more than they need, so that only a hang
// reaches it.
const testDeadline = 20 * time.Second

// TestLoopMinesUntilClose watches the loop mine blocks through a head subscription, as a
// watcher would, then checks that Close stops it.
func TestLoopMinesUntilClose(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), testDeadline)
	defer cancel()
	c, err := Start(ctx, Config{BlockPeriod: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })

	heads := make(chan *types.Header, 16)
	sub, err := c.Client().SubscribeNewHead(ctx, heads)
	if err != nil {
		t.Fatal(err)
	}
	start, err := c.Client().BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for seen := start; seen < start+3; {
		select {
		case h := <-heads:
			seen = max(seen, h.Number.Uint64())
		case err := <-sub.Err():
			t.Fatalf("head subscription: %v", err)
		case <-ctx.Done():
			t.Fatalf("the loop mined up to block %d of %d by the deadline", seen, start+3)
		}
	}
	sub.Unsubscribe()

	// With the loop mining, Fund's transaction is mined without a Mine, and WaitMined wakes
	// on the block.
	hash, err := c.Fund(ctx, common.Address{1}, AssetETH, big.NewInt(1))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := c.WaitMined(ctx, hash); err != nil || r.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("WaitMined: %v, %v", r, err)
	}

	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("Close did not return")
	}
	// Close returned only after the loop did: nothing mines any more.
	select {
	case <-c.loopDone:
	default:
		t.Fatal("the loop still runs after Close")
	}
	if _, err := c.Mine(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Mine after Close: %v, want ErrClosed", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("a second Close: %v", err)
	}
}

// TestLoopStopsWithContext checks that the loop ends with Start's context while the chain
// stays open: the next block is the one Mine makes.
func TestLoopStopsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), testDeadline)
	defer cancel()
	loopCtx, stop := context.WithCancel(ctx)
	c, err := Start(loopCtx, Config{BlockPeriod: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })

	stop()
	select {
	case <-c.loopDone:
	case <-ctx.Done():
		t.Fatal("the loop did not stop with its context")
	}
	before, err := c.Client().BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Mine(); err != nil {
		t.Fatal(err)
	}
	if after, err := c.Client().BlockNumber(ctx); err != nil || after != before+1 {
		t.Fatalf("block %d (%v) after Mine, want %d", after, err, before+1)
	}
}
