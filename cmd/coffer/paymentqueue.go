package main

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/payout"
	"github.com/cofferhq/coffer/duty"
	"github.com/cofferhq/coffer/internal/broadcast"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/outbox"
	"github.com/cofferhq/coffer/paymentqueue"
)

// dutyPaymentQueue runs the relay of the payment-queue contract's notices.
const dutyPaymentQueue = "paymentqueue"

// paymentQueueValue is --payment-queue: a broker URL paymentqueue.ParseURL accepts.
type paymentQueueValue struct{ p *string }

func (v paymentQueueValue) Type() string   { return "url" }
func (v paymentQueueValue) String() string { return redact(*v.p) }

func (v paymentQueueValue) Set(s string) error {
	s = strings.TrimSpace(s)
	if s != "" {
		if _, err := paymentqueue.ParseURL(s); err != nil {
			return err
		}
	}
	*v.p = s
	return nil
}

// chainNamesValue is --payment-queue-chain: NAME=chain pairs, a list.
type chainNamesValue struct{ m *map[string]string }

func (v chainNamesValue) Type() string { return "NAME=chain" }

func (v chainNamesValue) String() string { return strings.Join(v.GetSlice(), ",") }

func (v chainNamesValue) GetSlice() []string {
	var out []string
	for name, c := range *v.m {
		out = append(out, name+"="+c)
	}
	slices.Sort(out)
	return out
}

func (v chainNamesValue) Set(s string) error { return v.Append(s) }

func (v chainNamesValue) Append(s string) error {
	name, c, ok := strings.Cut(strings.TrimSpace(s), "=")
	if !ok || name == "" || c == "" {
		return fmt.Errorf("%q is not NAME=chain, such as ETH=ethereum", s)
	}
	if *v.m == nil {
		*v.m = map[string]string{}
	}
	for have := range *v.m {
		if strings.EqualFold(have, name) {
			return fmt.Errorf("names the contract's chain %s twice", name)
		}
	}
	(*v.m)[name] = c
	return nil
}

func (v chainNamesValue) Replace(items []string) error {
	*v.m = nil
	return replaceAll(v, items)
}

// paymentQueue is what serve runs of the contract: the consumer of its requests, and the
// duty that relays its notices.
type paymentQueue struct {
	consumer *paymentqueue.Consumer
	duty     duty.Duty
}

// startPaymentQueue makes the contract's consumer and notice duty, or returns nil when
// --payment-queue is not set. Its payouts are the chains' payout service, when serve has one. The notices have a relay of their own, with its own cursor
// (named after the broker and exchange), woken by every commit.
func startPaymentQueue(cfg Config, store coffer.Store, chains *chains, committed *broadcast.Signal,
	logger *slog.Logger) (*paymentQueue, error) {
	if cfg.PaymentQueue == "" {
		return nil, nil
	}
	switch {
	case cfg.PaymentQueueKey == "":
		return nil, usageErr("--payment-queue: COFFER_PAYMENT_QUEUE_KEY (commands.payment_queue_key) must be set: every request is signed")
	case chains == nil:
		return nil, usageErr("--payment-queue: the contract pays and watches on a chain; add --chain")
	}
	broker, err := paymentqueue.ParseURL(cfg.PaymentQueue)
	if err != nil {
		return nil, usageErr("--payment-queue: %v", err)
	}
	ps, ok := store.(coffer.PaymentQueueStore)
	if !ok {
		return nil, fmt.Errorf("the %T store keeps no payment queue requests", store)
	}
	relayStore, ok := store.(relayStore)
	if !ok {
		return nil, fmt.Errorf("the %T store keeps no sink cursors", store)
	}
	names := cfg.PaymentQueueChains
	if len(names) == 0 {
		if len(chains.config.Chains) != 1 {
			return nil, usageErr("--payment-queue-chain: name the chain of ETH (ETH=name): %d chains are configured", len(chains.config.Chains))
		}
		names = map[string]string{"ETH": chains.config.Chains[0].Name}
	}
	var requests paymentqueue.Payouts = noPayouts{}
	if chains.payouts != nil {
		requests = payoutRequests{chains.payouts}
	}
	svc, err := paymentqueue.New(paymentqueue.Config{Key: []byte(cfg.PaymentQueueKey), Chains: names, ChainConfig: chains.config,
		Store: ps, Addresses: paymentQueueAddresses{chains}, Payouts: requests, SignatureWindow: cfg.PaymentQueueWindow, Logger: logger})
	if err != nil {
		return nil, usageErr("--payment-queue-chain: %v", err)
	}
	consumer, err := paymentqueue.NewConsumer(svc, broker)
	if err != nil {
		return nil, usageErr("--payment-queue: %v", err)
	}
	notifier, err := paymentqueue.NewNotifier(svc, broker)
	if err != nil {
		return nil, usageErr("--payment-queue: %v", err)
	}
	relay := outbox.New(outbox.Config{Store: relayStore, Sinks: []outbox.Sink{notifier}, Logger: logger})
	run := func(ctx context.Context, fence coffer.Fence, report func(any)) error {
		defer notifier.Close()
		go func() {
			for {
				select {
				case <-committed.Wait():
					relay.Notify()
				case <-ctx.Done():
					return
				}
			}
		}()
		return relay.Run(ctx, fence, report)
	}
	logger.Info("payment queue", "broker", broker.Name(),
		"chains", strings.Join(slices.Sorted(maps.Keys(names)), ","))
	return &paymentQueue{consumer: consumer, duty: duty.Duty{Name: dutyPaymentQueue, Run: run}}, nil
}

// paymentQueueAddresses gives the contract the deposit addresses: assigned by the chains'
// service, looked up in its store.
type paymentQueueAddresses struct{ chains *chains }

func (a paymentQueueAddresses) Assign(ctx context.Context, owner, chainName, assetCode string) (coffer.DepositAddress, bool, error) {
	return a.chains.addresses.Assign(ctx, owner, chainName, assetCode)
}

func (a paymentQueueAddresses) LookupDepositAddresses(ctx context.Context, chain string, addresses []string) ([]coffer.DepositAddress, error) {
	return a.chains.addresses.Store.LookupDepositAddresses(ctx, chain, addresses)
}

// payoutRequests is the payout pipeline as the contract asks for payouts: a withdraw request
// is a withdrawal, a pay request a payment with its order id.
type payoutRequests struct{ svc *payout.Service }

func (p payoutRequests) Payout(ctx context.Context, r paymentqueue.Payout) error {
	kind := ledger.PayoutWithdrawal
	if r.Kind == paymentqueue.KindPay {
		kind = ledger.PayoutPayment
	}
	_, err := p.svc.Request(ctx, payout.Request{ID: r.ID, Kind: kind, Owner: r.Owner, Chain: r.Chain, Asset: r.Asset,
		Amount: r.Amount, To: r.To, OrderID: r.OrderID})
	return err
}

// noPayouts refuses every withdraw and pay request while no payout pipeline is wired.
type noPayouts struct{}

func (noPayouts) Payout(context.Context, paymentqueue.Payout) error {
	return coffer.Errorf(coffer.EFORBIDDEN, "this server sends no payouts on chain; withdraw and pay requests are refused")
}
