// Package paymentqueue serves the mining pool payment system's RabbitMQ contract (004): topup
// (recharge), withdraw and pay requests taken from its request queues, and notices published
// on its return queues, so that a business system built for that contract switches to Coffer
// without changes on its side. docs/PAYMENT_QUEUE.md is the senders' guide.
//
// A topup request registers one of Coffer's deposit addresses for notices: each deposit to it
// is answered twice, status 2 when the chain watcher sees it and status 1 (confirmed) or 0
// (orphaned) at its end. A withdraw or pay request becomes a payout under the ledger transfer
// "pq-" and its queue_id: the amount is held on the wallet of the owner whose deposit address
// from_address is, and sent from the hot wallet to to_address; its one final notice is status
// 1 or 0 with the transaction's hash. Every notice is derived from a committed event (the
// Notifier is a sink of the event relay, whose durable cursor makes a notice go out at least
// once) or from a stored request, never from memory, so a crash repeats a notice, with the
// same id, and never changes it.
package paymentqueue

import (
	"context"
	"log/slog"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain"
)

// Defaults: 004's exchange, queues and routing keys.
const (
	ExchangeDefault     = "pay.exchange"
	ExchangeKindDefault = "direct"
	// SignatureWindowDefault is how far a request's timestamp may be from the clock: long
	// enough for a queue's usual delays and clocks a little apart, short enough that a
	// captured message cannot be replayed much later under a queue_id not yet used.
	SignatureWindowDefault = 5 * time.Minute
	// PrefetchDefault is how many requests of each queue are in flight at once.
	PrefetchDefault = 16
	// MessageBytesMax caps a request: 004's largest is a few hundred bytes.
	MessageBytesMax = 16 << 10
	// QueueIDBytesMax caps a queue_id: it becomes part of a ledger transfer id.
	QueueIDBytesMax = 100
	// TransferPrefix starts the ledger transfer id of a request's payout, followed by its
	// queue_id.
	TransferPrefix = "pq-"
)

// The request kinds, each a request queue and a return queue.
const (
	KindTopup    = "topup"
	KindWithdraw = "withdraw"
	KindPay      = "pay"
)

// Route is where one queue of the contract is: the queue, and the routing key that binds it
// to the exchange.
type Route struct {
	Queue      string
	RoutingKey string
}

// Routes are the contract's six queues.
type Routes struct {
	Topup, Withdraw, Pay                   Route
	TopupReturn, WithdrawReturn, PayReturn Route
}

// DefaultRoutes returns 004's queue names and routing keys.
func DefaultRoutes() Routes {
	return Routes{
		Topup:          Route{"pay.recharge.queue", "pay.recharge.routing.key"},
		Withdraw:       Route{"pay.withdraw.queue", "pay.withdraw.routing.key"},
		Pay:            Route{"pay.auto.queue", "pay.auto.routing.key"},
		TopupReturn:    Route{"pay.recharge.return.queue", "pay.recharge.return.routing.key"},
		WithdrawReturn: Route{"pay.withdraw.return.queue", "pay.withdraw.return.routing.key"},
		PayReturn:      Route{"pay.auto.return.queue", "pay.auto.return.routing.key"},
	}
}

// request returns the request route of kind, and returnOf its return route.
func (r Routes) request(kind string) Route {
	switch kind {
	case KindWithdraw:
		return r.Withdraw
	case KindPay:
		return r.Pay
	}
	return r.Topup
}

func (r Routes) returnOf(kind string) Route {
	switch kind {
	case KindWithdraw:
		return r.WithdrawReturn
	case KindPay:
		return r.PayReturn
	}
	return r.TopupReturn
}

// Payout is a withdrawal or payment to a chain address that a request asks for.
type Payout struct {
	// ID is the ledger transfer's id, the payout's and its operation's: TransferPrefix and the
	// queue_id.
	ID    string
	Kind  string // KindWithdraw or KindPay
	Owner string // whose wallet pays
	Chain string // Coffer's chain name
	Asset string
	// Amount is in the asset's minor unit.
	Amount coffer.Amount
	// To is the destination address, EIP-55 checksummed.
	To      string
	OrderID string // pay's
}

// Payouts is the on-chain payout pipeline.
type Payouts interface {
	// Payout holds p.Amount on the owner's wallet and queues its sending, once per p.ID: asked
	// again it changes nothing and answers as the first time did. A *coffer.Error whose code
	// is neither EUNAVAILABLE nor EINTERNAL is the request's final refusal (a ledger
	// operation's outcome is fixed the first time, so a repeat is refused alike); any other
	// error is transient. The payout's end is an event, coffer.EventPayoutConfirmed or
	// coffer.EventPayoutFailed, whose data (a coffer.PayoutNotice) names p.ID as its transfer.
	Payout(ctx context.Context, p Payout) error
}

// Addresses is what the contract needs of the owners' deposit addresses.
type Addresses interface {
	// Assign returns the owner's deposit address on the chain, creating it on first use.
	Assign(ctx context.Context, owner, chainName, assetCode string) (coffer.DepositAddress, bool, error)
	// LookupDepositAddresses returns those of addresses that are deposit addresses on chain.
	LookupDepositAddresses(ctx context.Context, chain string, addresses []string) ([]coffer.DepositAddress, error)
}

// Config configures a Service.
type Config struct {
	// Key is the shared key requests are signed with. Required.
	Key []byte
	// Chains maps the contract's chain names ("ETH") to Coffer's configured chains. A name is
	// compared without regard to case.
	Chains map[string]string
	// ChainConfig is every chain and chain asset Coffer knows: a request's symbol is the code
	// of an asset on its chain, whose decimals bound the amount's.
	ChainConfig chain.Config
	Store       coffer.PaymentQueueStore
	Addresses   Addresses
	Payouts     Payouts
	// SignatureWindow bounds a request's timestamp. Default SignatureWindowDefault.
	SignatureWindow time.Duration
	Logger          *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Service judges the contract's requests and writes its notices; the Consumer and the
// Notifier carry them over RabbitMQ.
type Service struct {
	cfg Config
	// back maps Coffer's chain names to the contract's.
	back map[string]string
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if len(cfg.Key) == 0 {
		return nil, coffer.Errorf(coffer.EINVALID, "payment queue: no signing key")
	}
	if cfg.SignatureWindow <= 0 {
		cfg.SignatureWindow = SignatureWindowDefault
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{cfg: cfg, back: map[string]string{}}
	for name, c := range cfg.Chains {
		if _, ok := cfg.ChainConfig.Chain(c); !ok {
			return nil, coffer.Errorf(coffer.EINVALID, "payment queue: chain %s maps to %q, which is not a configured chain", name, c)
		}
		s.back[c] = name
	}
	return s, nil
}
