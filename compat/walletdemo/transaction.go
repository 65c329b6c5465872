package walletdemo

import (
	"net/http"
	"strconv"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/ledger"
)

// MoneyRequest is the body of a deposit or a withdrawal: the amount, and the tx hash that names
// the transaction (its idempotency key).
type MoneyRequest struct {
	Amount      Decimal `json:"amount"`
	TxHash      string  `json:"tx_hash"`
	Description string  `json:"description"`
}

// Message is the demo's answer to a deposit or a withdrawal.
type Message struct {
	Message string `json:"message"`
}

// Transaction is one balance change of a wallet as the demo lists it. ID is the wallet
// account's entry sequence number: stable, unique within the wallet, growing with time.
type Transaction struct {
	ID            uint64    `json:"ID"`
	CreatedAt     time.Time `json:"CreatedAt"`
	UpdatedAt     time.Time `json:"UpdatedAt"`
	WalletID      uint64    `json:"WalletID"`
	Type          string    `json:"Type"`
	Amount        string    `json:"Amount"`
	BalanceBefore string    `json:"BalanceBefore"`
	BalanceAfter  string    `json:"BalanceAfter"`
	Status        string    `json:"Status"`
	TxHash        string    `json:"TxHash"`
	Description   string    `json:"Description"`
}

// Metadata keys of the transfers the profile makes.
const (
	metaTxHash      = "tx_hash"
	metaDescription = "description"
	metaWallet      = "wallet_demo_id"
)

// opID is the operation id, and the transfer id, of the transaction a tx hash names. One tx hash
// is one transaction across every wallet, as it was in the demo: the same hash as a deposit and
// then a withdrawal, or on another wallet, is a conflict.
func opID(txHash string) string { return opPrefix + txHash }

// money reads and checks a deposit's or a withdrawal's request, and the wallet it is for.
func (p *Profile) money(r *http.Request, invalid string) (coffer.DemoWallet, coffer.Amount, MoneyRequest, error) {
	dw, asset, err := p.wallet(r)
	if err != nil {
		return coffer.DemoWallet{}, coffer.Amount{}, MoneyRequest{}, err
	}
	var req MoneyRequest
	if err := decode(r, &req); err != nil {
		if paramOf(err) == "amount" {
			err = inOldWords(err, map[string]string{coffer.EINVALID: invalid})
		}
		return coffer.DemoWallet{}, coffer.Amount{}, MoneyRequest{}, err
	}
	if err := checkTxHash(req.TxHash); err != nil {
		return coffer.DemoWallet{}, coffer.Amount{}, MoneyRequest{}, err
	}
	if err := checkText("description", req.Description); err != nil {
		return coffer.DemoWallet{}, coffer.Amount{}, MoneyRequest{}, err
	}
	amount, err := parseAmount("amount", req.Amount, asset, false)
	if err != nil {
		return coffer.DemoWallet{}, coffer.Amount{}, MoneyRequest{}, inOldWords(err, map[string]string{coffer.EINVALID: invalid})
	}
	return dw, amount, req, nil
}

func metadata(dw coffer.DemoWallet, req MoneyRequest) map[string]string {
	m := map[string]string{metaTxHash: req.TxHash, metaWallet: strconv.FormatUint(dw.ID, 10)}
	if req.Description != "" {
		m[metaDescription] = req.Description
	}
	return m
}

// The demo's words for the ledger's refusals of a transaction.
var moneyWords = map[string]string{
	coffer.EINSUFFICIENTFUNDS: oldInsufficient,
	coffer.ECONFLICT:          oldProcessed,
}

// deposit is ledger.Deposit from the asset's world account into the wallet, under the tx
// hash's operation id: a replay answers the first outcome.
func (p *Profile) deposit(r *http.Request) (int, any, error) {
	dw, amount, req, err := p.money(r, oldInvalidDeposit)
	if err != nil {
		return 0, nil, err
	}
	_, err = p.cfg.Ledger.Do(r.Context(), ledger.Deposit{ID: opID(req.TxHash), Owner: dw.Owner, Asset: dw.Asset,
		Amount: amount, Source: req.TxHash, Metadata: metadata(dw, req)})
	if err != nil {
		return 0, nil, inOldWords(err, moneyWords)
	}
	return http.StatusOK, Message{"deposit successful"}, nil
}

// withdraw is ledger.Withdraw (money held, pending towards the world account) and at once its
// completion, ledger.PostTransfer: the demo's withdrawal is paid out as it is made. The hold
// refuses to take the wallet below zero, however many withdrawals run at once. Both commands
// are idempotent by the tx hash, so a retry after a crash between them completes the first.
func (p *Profile) withdraw(r *http.Request) (int, any, error) {
	dw, amount, req, err := p.money(r, oldInvalidWithdraw)
	if err != nil {
		return 0, nil, err
	}
	id := opID(req.TxHash)
	_, err = p.cfg.Ledger.Do(r.Context(), ledger.Withdraw{ID: id, Owner: dw.Owner, Asset: dw.Asset,
		Amount: amount, Destination: req.TxHash, Metadata: metadata(dw, req)})
	if err != nil {
		return 0, nil, inOldWords(err, moneyWords)
	}
	if _, err = p.cfg.Ledger.Do(r.Context(), ledger.PostTransfer{TransferID: id, Type: coffer.TypeWithdrawal}); err != nil {
		return 0, nil, inOldWords(err, moneyWords)
	}
	return http.StatusOK, Message{"withdrawal successful"}, nil
}

// transactionParams are the query parameters of GET /api/wallets/{id}/transactions: a period,
// and a page by page and page_size or by offset and limit.
var transactionParams = []string{"start_time", "end_time", "page", "page_size", "offset", "limit"}

// entryBatch is how many entries one read of a listing takes.
const entryBatch = 500

// transactions lists the wallet's balance changes newest first, as the demo did: each posted
// entry of its account, with the balance before and after ("completed"). Entries of money
// held or released change no balance and are not listed, but for a chain payout's hold: its
// withdrawal "processing" while the chain has not ended it, "failed" once voided (its balance
// before and after the same); a confirmed payout is listed by its posted entry.
func (p *Profile) transactions(r *http.Request) (int, any, error) {
	dw, asset, err := p.wallet(r)
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	f := coffer.EntryFilter{AccountID: dw.AccountID(), Desc: true, Limit: entryBatch}
	if s := q.Get("start_time"); s != "" {
		if f.From, err = parseTime("start_time", s); err != nil {
			return 0, nil, err
		}
	}
	if s := q.Get("end_time"); s != "" {
		end, err := parseTime("end_time", s)
		if err != nil {
			return 0, nil, err
		}
		f.To = end.Add(time.Microsecond) // the demo's period includes its end
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return 0, nil, coffer.Invalid("start_time", "start_time must not be after end_time")
	}
	offset, limit, err := page(q)
	if err != nil {
		return 0, nil, err
	}
	out := []Transaction{}
	for len(out) < limit {
		es, err := p.cfg.Store.Entries(r.Context(), f)
		if err != nil {
			return 0, nil, err
		}
		for _, e := range es {
			if e.Phase == coffer.PhaseReleased {
				continue
			}
			var t *coffer.Transfer
			status := "completed"
			if e.Phase == coffer.PhasePending {
				// A payout's hold is its withdrawal until the chain ends it: processing, or
				// failed once voided; once posted, its posted entry is listed instead.
				if e.Type != coffer.TypeWithdrawal && e.Type != coffer.TypePayment || e.Side != coffer.Debit {
					continue
				}
				if t, err = p.transfer(r, e); err != nil {
					return 0, nil, err
				}
				if !isPayout(*t) || t.State == coffer.StatePosted {
					continue
				}
				status = payoutStatus(t.State)
			}
			if offset > 0 {
				offset--
				continue
			}
			if t == nil {
				if t, err = p.transfer(r, e); err != nil {
					return 0, nil, err
				}
			}
			tr, err := p.transaction(r, dw, asset, e, *t, status)
			if err != nil {
				return 0, nil, err
			}
			if out = append(out, tr); len(out) == limit {
				break
			}
		}
		if len(es) < entryBatch {
			break
		}
		f.AfterSeq = es[len(es)-1].Seq
	}
	return http.StatusOK, out, nil
}

// transfer reads the transfer of an entry.
func (p *Profile) transfer(r *http.Request, e coffer.Entry) (*coffer.Transfer, error) {
	t, err := p.cfg.Store.Transfer(r.Context(), e.TransferID)
	return &t, err
}

// transaction renders one entry of the transfer t, with its tx hash and description: a
// payout's is its chain transaction's, once signed.
func (p *Profile) transaction(r *http.Request, dw coffer.DemoWallet, asset coffer.Asset, e coffer.Entry, t coffer.Transfer, status string) (Transaction, error) {
	kind := string(e.Type)
	if e.Type == coffer.TypeWithdrawal {
		kind = "withdraw"
	}
	hash := t.Metadata[metaTxHash]
	if isPayout(t) && p.cfg.Chains != nil {
		var err error
		if hash, err = p.cfg.Chains.PayoutTxHash(r.Context(), t.ID); err != nil {
			return Transaction{}, err
		}
	}
	return Transaction{ID: e.Seq, CreatedAt: e.CreatedAt, UpdatedAt: e.CreatedAt, WalletID: dw.ID, Type: kind,
		Amount: formatAmount(e.Amount, asset.Scale), BalanceBefore: formatAmount(e.BalanceBefore, asset.Scale),
		BalanceAfter: formatAmount(e.BalanceAfter, asset.Scale), Status: status,
		TxHash: hash, Description: t.Metadata[metaDescription]}, nil
}

// page reads the page: page (from 1) and page_size, or offset and limit; not both kinds.
func page(q map[string][]string) (offset, limit int, err error) {
	get := func(name string) (int, bool, error) {
		vs := q[name]
		if len(vs) == 0 {
			return 0, false, nil
		}
		n, err := strconv.Atoi(vs[0])
		if err != nil || n < 0 || vs[0][0] == '+' {
			return 0, true, coffer.Invalid(name, "%s %q must be a whole number of at least 0", name, clip(vs[0]))
		}
		return n, true, nil
	}
	pg, hasPage, err := get("page")
	if err != nil {
		return 0, 0, err
	}
	size, hasSize, err := get("page_size")
	if err != nil {
		return 0, 0, err
	}
	offset, hasOffset, err := get("offset")
	if err != nil {
		return 0, 0, err
	}
	limit, hasLimit, err := get("limit")
	if err != nil {
		return 0, 0, err
	}
	switch {
	case (hasPage || hasSize) && (hasOffset || hasLimit):
		return 0, 0, coffer.Invalid("offset", "give page and page_size, or offset and limit, not both")
	case hasPage && pg == 0:
		return 0, 0, coffer.Invalid("page", "page counts from 1")
	case hasSize:
		limit, hasLimit = size, true
	}
	if !hasLimit || limit == 0 {
		limit = PageSizeDefault
	}
	if limit > PageSizeMax {
		return 0, 0, coffer.Invalid(map[bool]string{true: "page_size", false: "limit"}[hasSize], "a page holds at most %d transactions", PageSizeMax)
	}
	if hasPage {
		if pg-1 > OffsetMax/limit {
			return 0, 0, coffer.Invalid("page", "a page may start at most %d transactions in; narrow the period with start_time and end_time instead", OffsetMax)
		}
		offset = (pg - 1) * limit
	}
	if offset > OffsetMax {
		return 0, 0, coffer.Invalid(map[bool]string{true: "page", false: "offset"}[hasPage],
			"a page may start at most %d transactions in; narrow the period with start_time and end_time instead", OffsetMax)
	}
	return offset, limit, nil
}
