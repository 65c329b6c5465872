package coffer

import (
	"context"
	"math/big"
	"time"
)

// SendState is where an intent to send stands.
type SendState string

// The states of an intent to send. Queued is new; WaitingFunds means the sender's balance did
// not cover the amount and the most the gas may cost, and the intent goes out once it does.
// Signed means a transaction with the intent's nonce is committed in the store and may or may
// not have reached a node; Broadcast that a node took it. Confirmed (mined with status 1 and, for
// a token, the matching Transfer log, at the chain's confirmations), Failed (mined and reverted,
// the nonce consumed; or abandoned from Queued or WaitingFunds, never signed, because it can
// never be sent as it must be: no TxHash then) and Cancelled (only from Queued or
// WaitingFunds: never broadcast) are final.
const (
	SendQueued       SendState = "queued"
	SendWaitingFunds SendState = "waiting_funds"
	SendSigned       SendState = "signed"
	SendBroadcast    SendState = "broadcast"
	SendConfirmed    SendState = "confirmed"
	SendFailed       SendState = "failed"
	SendCancelled    SendState = "cancelled"
)

// Final reports whether s is an end: confirmed, failed or cancelled.
func (s SendState) Final() bool {
	return s == SendConfirmed || s == SendFailed || s == SendCancelled
}

// SendIntent is one transfer Coffer must make on a chain from one of its addresses: a withdrawal
// or a payment. Addresses and hashes are lowercase 0x-prefixed hex.
type SendIntent struct {
	ID    string // chosen by the caller, unique
	Chain string // the chain's name
	From  string // the sending address
	To    string
	Asset string // the ledger asset
	// Contract is the ERC-20 token's contract for a token, "" for the chain's native coin.
	Contract string
	Amount   *big.Int // in the asset's minor unit (wei for ether), positive
	State    SendState
	// Nonce is the intent's nonce from the first attempt on: every attempt of an intent has it,
	// and no other intent's attempt does.
	Nonce uint64
	// TxHash, BlockNumber, GasUsed and Fee (gas used times the effective gas price, in wei) are
	// the mined attempt's, once confirmed or failed.
	TxHash      string
	BlockNumber uint64
	GasUsed     uint64
	Fee         *big.Int
	Reason      string // why it failed
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// SendAttemptState is where one signed transaction of an intent stands.
type SendAttemptState string

// The attempt states: signed (committed, maybe not yet sent), broadcast (a node took it),
// replaced (another attempt of the same nonce was mined) and mined.
const (
	AttemptSigned    SendAttemptState = "signed"
	AttemptBroadcast SendAttemptState = "broadcast"
	AttemptReplaced  SendAttemptState = "replaced"
	AttemptMined     SendAttemptState = "mined"
)

// SendAttempt is one signed transaction of an intent. Replacements of a transaction not mined
// in time are further attempts with the same nonce and higher fees; exactly one attempt of an
// intent is ever mined.
type SendAttempt struct {
	TxHash   string // the transaction's hash: the attempt's key
	IntentID string
	Chain    string
	From     string
	Nonce    uint64
	// Raw is the signed transaction as sent (its binary encoding), so that it can be sent again
	// byte for byte.
	Raw       []byte
	GasFeeCap *big.Int // wei per gas
	GasTipCap *big.Int // wei per gas
	Gas       uint64
	State     SendAttemptState
	// SentBlock is the chain's head when a node last took the attempt (0 before): replacement
	// counts blocks from it. BlockNumber is the block that mined it.
	SentBlock   uint64
	BlockNumber uint64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// SendFilter selects one sender's intents in some states.
type SendFilter struct {
	Chain  string
	From   string
	States []SendState
	Limit  int // PageSizeDefault when zero, at most ListRowsMax
}

// SendStore keeps the intents to send and their attempts. A capability of its own beside Store,
// implemented by both stores. One sender per chain and address writes its intents, under a
// duty's lease: the writes that could send or end an intent carry the sender's fence and are
// refused (ECONFLICT) once the lease has a newer token.
type SendStore interface {
	// CreateSendIntent stores in as queued. A taken id is ECONFLICT.
	CreateSendIntent(ctx context.Context, in SendIntent) error
	// SendIntent returns the intent with id, or ENOTFOUND.
	SendIntent(ctx context.Context, id string) (SendIntent, error)
	// SendIntents lists the intents f selects, oldest first: by CreatedAt, then ID.
	SendIntents(ctx context.Context, f SendFilter) ([]SendIntent, error)
	// CancelSendIntent cancels the intent if it is queued or waiting for funds, and returns it
	// as stored. One in any other state is ECONFLICT: it may have been broadcast. It takes turns
	// with AddSendAttempt, so an intent is either cancelled or signed, never both.
	CancelSendIntent(ctx context.Context, id string) (SendIntent, error)
	// SetSendState moves the intent to state (queued, waiting_funds or broadcast) when it is in
	// one of from; otherwise it changes nothing and is ECONFLICT, as is a stale fence.
	SetSendState(ctx context.Context, id string, from []SendState, state SendState, f Fence) error
	// AddSendAttempt stores a (signed) and sets its intent's nonce and, from queued or waiting
	// for funds, its state to signed, in one transaction. The intent must be queued or waiting
	// with a nonce no other intent of the address holds, or signed or broadcast with a.Nonce its
	// own (a replacement); otherwise it is ECONFLICT, as is a stale fence.
	AddSendAttempt(ctx context.Context, a SendAttempt, f Fence) error
	// SendAttempts returns the intent's attempts in the order they were added.
	SendAttempts(ctx context.Context, intentID string) ([]SendAttempt, error)
	// MarkSendBroadcast records that a node took the attempts txHashes, in one transaction: each
	// becomes broadcast with SentBlock sentBlock (an attempt sent again because the node had
	// lost it counts its blocks afresh), and its intent, if signed, broadcast. An unknown
	// attempt is ENOTFOUND, and then nothing changes.
	MarkSendBroadcast(ctx context.Context, txHashes []string, sentBlock uint64) error
	// FinishSendIntent ends an intent that was signed or broadcast as in.State, confirmed or
	// failed, with in's TxHash, BlockNumber, GasUsed, Fee and Reason; the attempt in.TxHash is
	// marked mined at BlockNumber and the intent's other attempts replaced, in one transaction.
	// An intent already final, an unknown attempt or a stale fence is ECONFLICT.
	FinishSendIntent(ctx context.Context, in SendIntent, f Fence) error
	// AbandonSendIntent ends an intent that is queued or waiting for funds as failed with
	// reason: nothing was signed, and no nonce is taken. Any other state, or a stale fence, is
	// ECONFLICT; an unknown intent ENOTFOUND.
	AbandonSendIntent(ctx context.Context, id, reason string, f Fence) error
	// SendNonceNext returns the nonce after the highest one any attempt from the address has
	// on the chain: 0 when there is none.
	SendNonceNext(ctx context.Context, chain, from string) (uint64, error)
}

// SendIntentCursor is the position of an intent in the listing of ListSendIntents: by
// CreatedAt, then ID.
type SendIntentCursor struct {
	CreatedAt time.Time
	ID        string
}

// SendIntentQuery selects a page of intents for people, newest first: by CreatedAt, then ID,
// both descending. Empty fields match all.
type SendIntentQuery struct {
	Chain string
	State SendState
	// IDPrefix keeps only the intents whose id starts with it; IDPrefixNot leaves them out: the
	// sweeps' ids have a prefix of their own (the payouts' listing leaves it out).
	IDPrefix    string
	IDPrefixNot string
	// Address keeps only the intents from or to it (lowercase hex).
	Address string
	Before  *SendIntentCursor // cursor: only intents after this one in the listing
	Limit   int               // PageSizeDefault when zero, at most ListRowsMax
}

// SendIntentLister lists the intents of every sender, for the payouts' listing: a capability of
// its own, implemented by both stores on the indexes of migration 0012.
type SendIntentLister interface {
	ListSendIntents(ctx context.Context, q SendIntentQuery) ([]SendIntent, error)
}

// ListSendIntentsIn lists every intent q selects in each of the states, in turn, a page of
// ListRowsMax at a time; q's State, Before and Limit are set here.
func ListSendIntentsIn(ctx context.Context, l SendIntentLister, q SendIntentQuery, states ...SendState) ([]SendIntent, error) {
	var out []SendIntent
	for _, st := range states {
		q.State, q.Before, q.Limit = st, nil, ListRowsMax
		for {
			page, err := l.ListSendIntents(ctx, q)
			if err != nil {
				return nil, err
			}
			out = append(out, page...)
			if len(page) < ListRowsMax {
				break
			}
			last := page[len(page)-1]
			q.Before = &SendIntentCursor{CreatedAt: last.CreatedAt, ID: last.ID}
		}
	}
	return out, nil
}

// SendForgetter forgets the send state of a chain that no longer exists (`coffer serve`'s
// embedded dev chain, new at every start): a capability of its own beside SendStore,
// implemented by both stores.
type SendForgetter interface {
	// ForgetSends ends every unfinished intent of the chain (queued, waiting for funds, signed
	// or broadcast) as failed with reason, and deletes the chain's attempts and nonces, in one
	// transaction: the chain's senders then start from the node's nonce, and no hash of a
	// transaction of the old chain stands in the way of the same bytes on the new one. The
	// ended intents keep their rows; those that ended before keep theirs with their hashes. It
	// returns how many intents it ended. The intents' ledger side is the caller's, to end
	// first: a crash in between leaves the intents unfinished, to be ended again.
	ForgetSends(ctx context.Context, chain, reason string) (int, error)
}
