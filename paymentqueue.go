package coffer

import (
	"context"
	"time"
)

// PaymentQueueRequest is a withdraw or pay request of the mining pool's payment-queue contract
// (package paymentqueue), kept by its queue_id, the contract's idempotency key: a request sent
// again is answered from it, and the same queue_id with other parameters is refused.
type PaymentQueueRequest struct {
	QueueID string
	Kind    string // "withdraw" or "pay"
	// Fingerprint identifies the request's parameters, so that a queue_id sent again with
	// others is told apart from a redelivery.
	Fingerprint string
	// TransferID is the ledger transfer of the payout the request started.
	TransferID string
	// Data is what the replies repeat of the request (the amount as sent, the addresses in
	// the form the request used, chain, symbol, order id), and its refusal if it was refused:
	// JSON the paymentqueue package writes and reads.
	Data      []byte
	CreatedAt time.Time
	// NoticeID and Notice are the final notice of the request's payout, its id and its bytes,
	// once the payout has ended and the notice is built; until then both are empty. A
	// request sent again after its end is answered with them.
	NoticeID string
	Notice   []byte
}

// PaymentQueueWatch is an address a topup request of the payment-queue contract registered:
// deposits to it are answered with notices on the topup return queue, the address written in
// the form the request used.
type PaymentQueueWatch struct {
	Chain     string
	Address   string // as the request wrote it: lowercase or EIP-55 checksummed
	Owner     string
	Symbol    string
	CreatedAt time.Time
}

// PaymentQueueStore keeps the payment-queue contract's requests and registered addresses: a
// capability of its own beside Store, implemented by both stores.
type PaymentQueueStore interface {
	// PutPaymentQueueRequest stores r unless its QueueID is taken, and returns the stored one
	// and whether it is new.
	PutPaymentQueueRequest(ctx context.Context, r PaymentQueueRequest) (PaymentQueueRequest, bool, error)
	// PaymentQueueRequest returns the request with queueID, or ENOTFOUND.
	PaymentQueueRequest(ctx context.Context, queueID string) (PaymentQueueRequest, error)
	// PaymentQueueRequestByTransfer returns the request whose payout is the transfer id, or
	// ENOTFOUND.
	PaymentQueueRequestByTransfer(ctx context.Context, transferID string) (PaymentQueueRequest, error)
	// PutPaymentQueueNotice stores the final notice (its id and bytes) of the request with
	// queueID unless the request has one, and returns the request as stored: the first notice
	// stored is kept, so every copy of it is the same. ENOTFOUND when there is no such request.
	PutPaymentQueueNotice(ctx context.Context, queueID, noticeID string, notice []byte) (PaymentQueueRequest, error)
	// PutPaymentQueueWatch registers w's address on its chain, or, when the address (compared
	// without regard to case) is registered already, replaces the form, owner and symbol it
	// was registered with and keeps its CreatedAt. It returns what is stored.
	PutPaymentQueueWatch(ctx context.Context, w PaymentQueueWatch) (PaymentQueueWatch, error)
	// PaymentQueueWatch returns the registration of address on chain, compared without
	// regard to case, or ENOTFOUND.
	PaymentQueueWatch(ctx context.Context, chain, address string) (PaymentQueueWatch, error)
}
