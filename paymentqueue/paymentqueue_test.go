package paymentqueue_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
	"github.com/cofferhq/coffer/chain/address"
	"github.com/cofferhq/coffer/chain/credit"
	"github.com/cofferhq/coffer/chain/devchain"
	"github.com/cofferhq/coffer/chain/payout"
	"github.com/cofferhq/coffer/chain/send"
	"github.com/cofferhq/coffer/chain/watch"
	"github.com/cofferhq/coffer/duty"
	"github.com/cofferhq/coffer/internal/chaintest"
	"github.com/cofferhq/coffer/internal/client004"
	"github.com/cofferhq/coffer/internal/testdb"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/outbox"
	"github.com/cofferhq/coffer/paymentqueue"
)

// key is the shared signing key of the tests.
var key = []byte("coffer-test-key")

type store interface {
	coffer.Store
	coffer.ChainWatchStore
	coffer.DepositAddressStore
	coffer.PaymentQueueStore
	coffer.CursorStore
	coffer.LeaseStore
	coffer.SendStore
}

// fixture is a dev chain mined by hand, a store and the ledger over it, the deposit addresses
// and the watcher, the event relay with the contract's Notifier as its sink, the Consumer of
// the request queues on the real RabbitMQ, and a 004 client. The exchange and queues are the
// test's own.
type fixture struct {
	dev      *devchain.Chain
	store    store
	ledger   *ledger.Ledger
	addrs    *address.Service
	watcher  *watch.Watcher
	svc      *paymentqueue.Service
	notifier *paymentqueue.Notifier
	client   *client004.Client
	handled  chan string
	broker   paymentqueue.Broker
	payouts  *payout.Service
	sender   *send.Sender
	fence    coffer.Fence
	hot      common.Address // the hot wallet, which sends the payouts
}

func amqpURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("COFFER_TEST_AMQP")
	if u == "" {
		t.Skip("COFFER_TEST_AMQP is not set")
	}
	return u
}

func setup(t testing.TB, kind testdb.Kind) *fixture {
	t.Helper()
	url := amqpURL(t)
	ctx := t.Context()
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	dev := chaintest.DevChain(t)
	s := kind.Open(t).(store)
	relayWake := make(chan func(), 1)
	l := ledger.New(s, ledger.Config{Committed: func() {
		select {
		case f := <-relayWake:
			relayWake <- f
			f()
		default:
		}
	}})
	t.Cleanup(func() { l.Close() })
	chaintest.CreateAssets(t, l)
	cc := chaintest.Config(t, chain.Chain{Name: "dev", ID: devchain.ChainID, Confirmations: 3, BlockRangeMax: 1000}, dev.Token())
	xpub := chaintest.XPub(t)
	f := &fixture{dev: dev, store: s, ledger: l, addrs: &address.Service{Config: cc, Keys: xpub, Store: s}, handled: make(chan string, 100)}
	var err error
	f.watcher, err = watch.New(watch.Config{Chain: cc.Chains[0], Assets: cc.Assets, Client: dev.Client(), Store: s,
		Addresses: credit.Addresses(s, "dev"), Ledger: &credit.Credit{Chain: cc.Chains[0], Ledger: l, Transfers: s, Tops: s}, From: 1,
		Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	// The payout pipeline: a hot wallet funded from the dev chain's faucet, the payout service
	// and the hot wallet's sender, passed by hand.
	hot, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	hotAddr := crypto.PubkeyToAddress(hot.PublicKey)
	for _, fund := range []struct {
		asset  string
		amount *big.Int
	}{{"ETH", new(big.Int).Mul(big.NewInt(10), big.NewInt(1e18))}, {"USDT", big.NewInt(1_000_000_000)}} {
		if _, err := dev.Fund(ctx, hotAddr, fund.asset, fund.amount); err != nil {
			t.Fatalf("fund the hot wallet: %v", err)
		}
		if _, err := dev.Mine(); err != nil {
			t.Fatal(err)
		}
	}
	f.payouts, err = payout.New(payout.Config{Chains: cc, Hot: map[string]common.Address{"dev": hotAddr}, Ledger: l, Store: s, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	lease := send.DutyName("dev", hotAddr)
	le, ok, err := s.ClaimLease(ctx, lease, "test", time.Hour, nil)
	if err != nil || !ok {
		t.Fatalf("claim lease: %v %v", ok, err)
	}
	f.fence, f.hot = coffer.Fence{Lease: lease, Token: le.Token}, hotAddr
	f.sender, err = send.New(send.Config{Chain: cc.Chains[0], Assets: cc.Assets, Client: dev.Client(), Store: s, Key: hot,
		Ledger: f.payouts, FeeCapMax: big.NewInt(500_000_000_000), CheckTokens: true, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	f.svc, err = paymentqueue.New(paymentqueue.Config{Key: key, Chains: map[string]string{"ETH": "dev"}, ChainConfig: cc, Store: s,
		Addresses: addressesOf{f.addrs, s}, Payouts: payoutsOf{f.payouts}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("pq-%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), time.Now().UnixNano())
	f.broker = client004.Broker(url, name)
	// The client declares what the contract names, as 004's business systems do, so that a
	// request sent before Coffer is up waits in its queue.
	f.client = client004.Dial(t, f.broker, key)
	f.notifier, err = paymentqueue.NewNotifier(f.svc, f.broker)
	if err != nil {
		t.Fatal(err)
	}
	relay := outbox.New(outbox.Config{Store: s, Sinks: []outbox.Sink{f.notifier}, RetryMin: 10 * time.Millisecond,
		RetryMax: 100 * time.Millisecond, Logger: logger})
	relayWake <- relay.Notify
	consumer, err := paymentqueue.NewConsumer(f.svc, f.broker)
	if err != nil {
		t.Fatal(err)
	}
	consumer.Handled = func(kind, result string) { f.handled <- kind + ":" + result }
	runCtx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { consumer.Run(runCtx) })
	runner := duty.New(duty.Config{Store: s, Logger: logger}, duty.Duty{Name: "relay", Run: relay.Run})
	wg.Go(func() { runner.Run(runCtx) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		f.notifier.Close()
	})
	return f
}

// addressesOf is the deposit addresses as serve hands them to the contract.
type addressesOf struct {
	*address.Service
	coffer.DepositAddressStore
}

func (a addressesOf) Assign(ctx context.Context, owner, chainName, assetCode string) (coffer.DepositAddress, bool, error) {
	return a.Service.Assign(ctx, owner, chainName, assetCode)
}

// payoutsOf is the payout pipeline as serve hands it to the contract.
type payoutsOf struct{ svc *payout.Service }

func (p payoutsOf) Payout(ctx context.Context, r paymentqueue.Payout) error {
	kind := ledger.PayoutWithdrawal
	if r.Kind == paymentqueue.KindPay {
		kind = ledger.PayoutPayment
	}
	_, err := p.svc.Request(ctx, payout.Request{ID: r.ID, Kind: kind, Owner: r.Owner, Chain: r.Chain, Asset: r.Asset,
		Amount: r.Amount, To: r.To, OrderID: r.OrderID})
	return err
}

// handledOne waits for the consumer to settle one request and returns what became of it.
func (f *fixture) handledOne(t testing.TB) string {
	t.Helper()
	select {
	case h := <-f.handled:
		return h
	case <-time.After(20 * time.Second):
		t.Fatal("no request settled within 20s")
		return ""
	}
}

func (f *fixture) mine(t testing.TB, n int) {
	t.Helper()
	for range n {
		if _, err := f.dev.Mine(); err != nil {
			t.Fatalf("Mine: %v", err)
		}
	}
	if err := f.watcher.Pass(t.Context()); err != nil {
		t.Fatalf("Pass: %v", err)
	}
}

// fund sends USDT minor units to addr and returns the transaction's hash.
func (f *fixture) fund(t testing.TB, addr string, minor int64) string {
	t.Helper()
	h, err := f.dev.Fund(t.Context(), common.HexToAddress(addr), "USDT", big.NewInt(minor))
	if err != nil {
		t.Fatalf("Fund: %v", err)
	}
	return h.Hex()
}

// sendUntil passes the hot wallet's sender and mines a block at a time until done says so,
// within a deadline.
func (f *fixture) sendUntil(t testing.TB, done func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !done(); {
		if time.Now().After(deadline) {
			t.Fatal("the payout did not end within 20s")
		}
		if _, err := f.sender.Pass(t.Context(), f.fence); err != nil {
			t.Fatalf("sender pass: %v", err)
		}
		f.mine(t, 1)
	}
}

func now() int64 { return time.Now().Unix() }
