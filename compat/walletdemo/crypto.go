package walletdemo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"github.com/cofferhq/coffer"
)

// The demo's crypto wallet credited a deposit by its tx hash once the chain showed six
// confirmations and the recipient was the wallet's address, and withdrew to an address by
// sending on chain and recording a "processing" transaction. In Coffer the chain watcher
// credits every deposit to an owner's deposit address by itself, once, after the chain's
// confirmations; so the deposit endpoint credits nothing: it answers what the watcher recorded
// of the tx hash for the wallet's owner, and a replay answers the same. A withdrawal is a
// payout of Coffer's payout pipeline (held at once, sent from the hot wallet, posted when
// confirmed or voided when it fails). Without chains (Config.Chains nil) both endpoints answer
// 501 and change nothing.

// Chains is the chain support the crypto endpoints are served by: serve's configured chains,
// the chain watcher's deposits and the payout pipeline. Its methods are safe for concurrent use.
type Chains interface {
	// ChainOf returns the chain a ledger asset is on, and false for an asset on no chain.
	ChainOf(asset string) (string, bool)
	// Deposits returns the deposits the chain watcher recorded of the transaction txHash to
	// owner's deposit addresses (to anyone's when owner is empty), on any chain, with their
	// depth: at most a page (100), which one owner's deposits in one transaction never fill.
	// A malformed hash is EINVALID with Param "tx_hash".
	Deposits(ctx context.Context, txHash, owner string) ([]ChainDeposit, error)
	// Payout holds p's amount on its owner's wallet and queues it to be sent, once per p.ID: a
	// repeat answers the hold as first recorded. Bad input is EINVALID naming the field
	// ("to", "amount", "chain", "asset"); funds the wallet lacks, EINSUFFICIENTFUNDS; the same
	// ID with other parameters, ECONFLICT; a server that sends no payouts, CodeNotAvailable.
	Payout(ctx context.Context, p Payout) (coffer.Transfer, error)
	// PayoutTxHash returns the hash of the chain transaction that carries the payout id, or ""
	// before it is signed.
	PayoutTxHash(ctx context.Context, id string) (string, error)
}

// ChainDeposit is a deposit the chain watcher recorded, with the depth of its block below the
// watcher's cursor (0 while in no canonical block) and the depth at which it is credited.
type ChainDeposit struct {
	coffer.Deposit
	Confirmations         uint64
	ConfirmationsRequired uint64
}

// Payout is a withdrawal of Amount of Asset from Owner's wallet to the address To on Chain.
type Payout struct {
	ID       string
	Owner    string
	Chain    string
	Asset    string
	Amount   coffer.Amount
	To       string
	Metadata map[string]string
}

// CodeAwaitingConfirmations answers a deposit the chain watcher has seen and not yet credited,
// with 409: asking again once the chain has grown answers the credit.
const CodeAwaitingConfirmations = "awaiting_confirmations"

// IdempotencyKeyHeader names a crypto withdrawal, as tx_hash names a fiat transaction: a retry
// with the same key answers the first withdrawal and sends nothing more. The demo sent none;
// without it every request is a new withdrawal.
const IdempotencyKeyHeader = "Idempotency-Key"

// Metadata key of a payout's idempotency key.
const metaIdempotencyKey = "idempotency_key"

// The crypto wallet's answers' messages.
const (
	msgDeposit  = "deposit successful"
	msgWithdraw = "withdrawal processing"
)

// CryptoDepositRequest is the body of POST /api/crypto/wallets/{id}/deposit.
type CryptoDepositRequest struct {
	TxHash string `json:"tx_hash"`
}

// CryptoWithdrawRequest is the body of POST /api/crypto/wallets/{id}/withdraw.
type CryptoWithdrawRequest struct {
	ToAddress string  `json:"to_address"`
	Amount    Decimal `json:"amount"`
}

// CryptoAnswer is the answer to a crypto deposit or withdrawal: the demo's message and the
// transaction.
type CryptoAnswer struct {
	Message     string            `json:"message"`
	Transaction CryptoTransaction `json:"transaction"`
}

// CryptoTransaction is a chain transaction of a wallet in the members of the demo's crypto
// transaction: Network is the chain's name, Amount a decimal in major units, Status
// "completed" for a credited deposit and "processing" for a withdrawal on its way. PayoutID is
// Coffer's id of a withdrawal (GET /v1/payouts/{id}); TxHash its chain transaction's hash,
// empty until it is signed.
type CryptoTransaction struct {
	CreatedAt     time.Time `json:"CreatedAt"`
	UpdatedAt     time.Time `json:"UpdatedAt"`
	WalletID      uint64    `json:"WalletID"`
	Type          string    `json:"Type"`
	Network       string    `json:"Network"`
	FromAddress   string    `json:"FromAddress"`
	ToAddress     string    `json:"ToAddress"`
	Amount        string    `json:"Amount"`
	Status        string    `json:"Status"`
	TxHash        string    `json:"TxHash"`
	Confirmations uint64    `json:"Confirmations"`
	BlockNumber   uint64    `json:"BlockNumber"`
	PayoutID      string    `json:"PayoutID,omitempty"`
}

// cryptoWallet returns the wallet the path names, its asset and the asset's chain; a wallet of
// an asset on no chain is EINVALID.
func (p *Profile) cryptoWallet(r *http.Request) (coffer.DemoWallet, coffer.Asset, string, error) {
	if p.cfg.Chains == nil {
		return coffer.DemoWallet{}, coffer.Asset{}, "", coffer.Errorf(CodeNotAvailable,
			"this server watches no chain: crypto deposits and withdrawals need coffer serve with --chain")
	}
	dw, asset, err := p.wallet(r)
	if err != nil {
		return coffer.DemoWallet{}, coffer.Asset{}, "", err
	}
	name, ok := p.cfg.Chains.ChainOf(asset.Code)
	if !ok {
		return coffer.DemoWallet{}, coffer.Asset{}, "", coffer.Invalid("id",
			"wallet %d holds %s, which is on no chain of this server: crypto deposits and withdrawals are of a chain asset's wallet", dw.ID, asset.Code)
	}
	return dw, asset, name, nil
}

// cryptoDeposit answers what the chain watcher recorded of the tx hash for the wallet: the
// deposit to its owner's deposit address on its asset's chain. It credits nothing: the watcher
// credited the deposit, once, when it was confirmed.
func (p *Profile) cryptoDeposit(r *http.Request) (int, any, error) {
	dw, asset, name, err := p.cryptoWallet(r)
	if err != nil {
		return 0, nil, err
	}
	var req CryptoDepositRequest
	if err := decode(r, &req); err != nil {
		return 0, nil, err
	}
	if req.TxHash == "" {
		return 0, nil, coffer.Invalid("tx_hash", "tx_hash is required: the hash of the chain transaction that paid the wallet's deposit address")
	}
	owners, err := p.cfg.Chains.Deposits(r.Context(), req.TxHash, dw.Owner)
	if err != nil {
		return 0, nil, err
	}
	var ours []ChainDeposit
	for _, d := range owners {
		if d.Chain == name && d.Asset == asset.Code {
			ours = append(ours, d)
		}
	}
	if len(ours) == 0 {
		all := owners
		if len(all) == 0 {
			if all, err = p.cfg.Chains.Deposits(r.Context(), req.TxHash, ""); err != nil {
				return 0, nil, err
			}
		}
		if len(all) == 0 {
			return 0, nil, coffer.Errorf(coffer.ENOTFOUND, "the chain watcher has seen no deposit in transaction %s: "+
				"it sees a transaction once it is mined in a block it has read; ask again later", clip(req.TxHash))
		}
		return 0, nil, coffer.Invalid("tx_hash", "transaction %s pays no %s to wallet %d's deposit address on chain %s", clip(req.TxHash), asset.Code, dw.ID, name)
	}
	t, err := depositTransaction(dw, asset, ours)
	if err != nil {
		return 0, nil, err
	}
	switch t.Status {
	case "completed":
		return http.StatusOK, CryptoAnswer{Message: msgDeposit, Transaction: t}, nil
	case string(coffer.DepositPending):
		return 0, nil, coffer.Errorf(CodeAwaitingConfirmations, "the deposit of transaction %s has %d of the %d confirmations it needs; "+
			"the chain watcher credits it by itself once it has them: ask again then", t.TxHash, t.Confirmations, ours[0].ConfirmationsRequired)
	default:
		return 0, nil, coffer.Errorf(coffer.ECONFLICT, "the deposit of transaction %s is %s and was not credited: %s", t.TxHash, t.Status, notCredited(ours))
	}
}

// depositTransaction renders the wallet's deposits of one transaction (one, but for a
// transaction that pays the address twice) as one: their sum, credited ("completed") when all
// are, pending while any is, else orphaned or refused.
func depositTransaction(dw coffer.DemoWallet, asset coffer.Asset, ds []ChainDeposit) (CryptoTransaction, error) {
	first := ds[0]
	t := CryptoTransaction{CreatedAt: first.CreatedAt, UpdatedAt: first.UpdatedAt, WalletID: dw.ID, Type: "deposit",
		Network: first.Chain, FromAddress: first.From, ToAddress: first.To, TxHash: first.TxHash,
		Confirmations: first.Confirmations, BlockNumber: first.BlockNumber, Status: "completed"}
	var sum coffer.Amount
	for _, d := range ds {
		a, ok := coffer.AmountFromBig(d.Amount)
		if !ok {
			return CryptoTransaction{}, coffer.Errorf(coffer.ECONFLICT, "the deposit of transaction %s is past what the ledger holds and was refused", d.TxHash)
		}
		if sum, ok = sum.Add(a); !ok {
			return CryptoTransaction{}, coffer.Errorf(coffer.ECONFLICT, "the deposits of transaction %s sum past what the ledger holds", d.TxHash)
		}
		t.Confirmations = min(t.Confirmations, d.Confirmations)
		if d.UpdatedAt.After(t.UpdatedAt) {
			t.UpdatedAt = d.UpdatedAt
		}
		switch {
		case d.Status == coffer.DepositPending:
			t.Status = string(coffer.DepositPending)
		case d.Status != coffer.DepositConfirmed && t.Status == "completed":
			t.Status = string(d.Status)
		}
	}
	t.Amount = formatAmount(sum, asset.Scale)
	return t, nil
}

// notCredited says why deposits orphaned or refused were not credited.
func notCredited(ds []ChainDeposit) string {
	for _, d := range ds {
		switch d.Status {
		case coffer.DepositRefused:
			return d.Reason
		case coffer.DepositOrphaned:
			return "its block was abandoned by a reorganisation of the chain and the transaction was not mined again"
		}
	}
	return ""
}

// cryptoWithdraw requests a payout of the wallet's money to the address: held at once (the
// wallet's balance stays, its available amount drops), sent from the hot wallet, posted when
// the chain confirms it ("completed" in the wallet's transactions) or voided when it fails
// ("failed"). The Idempotency-Key header names it; without one, each request is a new payout.
func (p *Profile) cryptoWithdraw(r *http.Request) (int, any, error) {
	dw, asset, name, err := p.cryptoWallet(r)
	if err != nil {
		return 0, nil, err
	}
	key := r.Header.Get(IdempotencyKeyHeader)
	if err := checkIdempotencyKey(key, r.Header.Values(IdempotencyKeyHeader)); err != nil {
		return 0, nil, err
	}
	var req CryptoWithdrawRequest
	if err := decode(r, &req); err != nil {
		if paramOf(err) == "amount" {
			err = inOldWords(err, map[string]string{coffer.EINVALID: oldInvalidWithdraw})
		}
		return 0, nil, err
	}
	if req.ToAddress == "" {
		return 0, nil, coffer.Invalid("to_address", "to_address is required: the %s address on chain %s to send to, 0x and 40 hexadecimal digits", asset.Code, name)
	}
	amount, err := parseAmount("amount", req.Amount, asset, false)
	if err != nil {
		return 0, nil, inOldWords(err, map[string]string{coffer.EINVALID: oldInvalidWithdraw})
	}
	md := map[string]string{metaWallet: strconv.FormatUint(dw.ID, 10)}
	id := ""
	if key != "" {
		id = opID(key)
		md[metaIdempotencyKey] = key
	} else {
		var b [16]byte
		rand.Read(b[:])
		id = opID("crypto-withdraw-" + hex.EncodeToString(b[:]))
	}
	t, err := p.cfg.Chains.Payout(r.Context(), Payout{ID: id, Owner: dw.Owner, Chain: name, Asset: asset.Code,
		Amount: amount, To: req.ToAddress, Metadata: md})
	if err != nil {
		return 0, nil, inOldWords(payoutParam(err), moneyWords)
	}
	out := CryptoTransaction{CreatedAt: t.CreatedAt, UpdatedAt: t.CreatedAt, WalletID: dw.ID, Type: "withdraw",
		Network: name, FromAddress: t.Metadata["from"], ToAddress: t.Metadata["to"],
		Amount: formatAmount(t.Amount, asset.Scale), Status: payoutStatus(t.State), PayoutID: t.ID}
	if t.ResolvedAt != nil {
		out.UpdatedAt = *t.ResolvedAt
	}
	return http.StatusOK, CryptoAnswer{Message: msgWithdraw, Transaction: out}, nil
}

// payoutParam names the request's fields in the payout pipeline's refusals.
func payoutParam(err error) error {
	if paramOf(err) == "to" {
		return coffer.Invalid("to_address", "%s", coffer.ErrorMessage(err))
	}
	return err
}

// payoutStatus is the demo's status of a payout by its hold: processing while held, completed
// once posted, failed once voided.
func payoutStatus(s coffer.TransferState) string {
	switch s {
	case coffer.StatePosted:
		return "completed"
	case coffer.StateVoided:
		return "failed"
	}
	return "processing"
}

// checkIdempotencyKey checks the Idempotency-Key header: once at most, and a tx hash's
// characters, since it takes the place of one.
func checkIdempotencyKey(key string, all []string) error {
	switch {
	case len(all) > 1:
		return coffer.Invalid(IdempotencyKeyHeader, "give the %s header once", IdempotencyKeyHeader)
	case len(all) == 1 && key == "":
		return coffer.Invalid(IdempotencyKeyHeader, "the %s header is empty: name the withdrawal, or leave the header out", IdempotencyKeyHeader)
	}
	header := "the " + IdempotencyKeyHeader + " header"
	return checkName(IdempotencyKeyHeader, header, header, key)
}

// isPayout says whether t is a payout: a withdrawal or a payment held to be sent on a chain.
func isPayout(t coffer.Transfer) bool {
	return (t.Type == coffer.TypeWithdrawal || t.Type == coffer.TypePayment) && t.Metadata["chain"] != ""
}
