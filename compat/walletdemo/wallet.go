package walletdemo

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/cofferhq/coffer"
)

// CreateWalletRequest is the body of POST /api/wallets.
type CreateWalletRequest struct {
	UserID   *uint64 `json:"user_id"`
	Currency string  `json:"currency"`
}

// Wallet is a wallet as the demo answers it: its number, its owner's user id, its currency
// (a Coffer asset) and its balance, a decimal string. The balance is the wallet account's
// (posted) balance.
type Wallet struct {
	ID        uint64    `json:"ID"`
	CreatedAt time.Time `json:"CreatedAt"`
	UpdatedAt time.Time `json:"UpdatedAt"`
	UserID    uint64    `json:"UserID"`
	Currency  string    `json:"Currency"`
	Balance   string    `json:"Balance"`
}

// createWallet numbers the user's wallet in the currency. Asking again for the same user and
// currency answers the same wallet: the demo made a second one, which Coffer's one wallet
// account per owner and asset cannot be.
func (p *Profile) createWallet(r *http.Request) (int, any, error) {
	var req CreateWalletRequest
	if err := decode(r, &req); err != nil {
		return 0, nil, err
	}
	switch {
	case req.UserID == nil:
		return 0, nil, coffer.Invalid("user_id", "user_id is required: the whole number of the user who owns the wallet")
	case req.Currency == "":
		return 0, nil, coffer.Invalid("currency", "currency is required: the code of an asset of this ledger, such as \"USD\"")
	}
	asset, err := p.cfg.Store.Asset(r.Context(), req.Currency)
	if coffer.ErrorCode(err) == coffer.ENOTFOUND {
		return 0, nil, coffer.Invalid("currency", "currency %q is not an asset of this ledger; an admin creates it (POST /v1/assets)", clip(req.Currency))
	}
	if err != nil {
		return 0, nil, err
	}
	dw, _, err := p.cfg.Store.PutDemoWallet(r.Context(), strconv.FormatUint(*req.UserID, 10), asset.Code, p.now())
	if err != nil {
		return 0, nil, err
	}
	w, err := p.render(r.Context(), dw, asset)
	return http.StatusOK, w, err
}

func (p *Profile) getWallet(r *http.Request) (int, any, error) {
	dw, asset, err := p.wallet(r)
	if err != nil {
		return 0, nil, err
	}
	w, err := p.render(r.Context(), dw, asset)
	return http.StatusOK, w, err
}

// wallet returns the wallet the path names and its asset.
func (p *Profile) wallet(r *http.Request) (coffer.DemoWallet, coffer.Asset, error) {
	id, err := walletID(r)
	if err != nil {
		return coffer.DemoWallet{}, coffer.Asset{}, err
	}
	dw, err := p.cfg.Store.DemoWallet(r.Context(), id)
	if err != nil {
		return coffer.DemoWallet{}, coffer.Asset{}, inOldWords(err, map[string]string{coffer.ENOTFOUND: oldWalletNotFound})
	}
	asset, err := p.cfg.Store.Asset(r.Context(), dw.Asset)
	return dw, asset, err
}

// render answers a wallet with its account's balance; a wallet whose account has had no
// transfer yet has none, and a balance of zero.
func (p *Profile) render(ctx context.Context, dw coffer.DemoWallet, asset coffer.Asset) (Wallet, error) {
	user, _ := strconv.ParseUint(dw.Owner, 10, 64)
	w := Wallet{ID: dw.ID, CreatedAt: dw.CreatedAt, UpdatedAt: dw.CreatedAt, UserID: user, Currency: dw.Asset, Balance: "0"}
	a, err := p.cfg.Store.Account(ctx, dw.AccountID())
	switch coffer.ErrorCode(err) {
	case "":
		w.Balance = formatAmount(a.Balance(), asset.Scale)
		if a.UpdatedAt.After(w.UpdatedAt) {
			w.UpdatedAt = a.UpdatedAt
		}
	case coffer.ENOTFOUND:
	default:
		return Wallet{}, err
	}
	return w, nil
}
