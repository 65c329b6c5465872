package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/payout"
	"github.com/cofferhq/coffer/chain/sweep"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/ledger"
)

// payoutService returns the payout service, or answers unavailable when the server sends no
// payouts.
func (s *Server) payoutService() (*payout.Service, payout.Lister, error) {
	l, ok := s.cfg.Store.(payout.Lister)
	if s.cfg.Payouts == nil || !ok {
		return nil, nil, coffer.Errorf(coffer.EUNAVAILABLE, "this server sends no payouts: it has no chains configured")
	}
	return s.cfg.Payouts, l, nil
}

// payout holds and queues a payout of amount of asset, given as the request gave them.
func (s *Server) payout(ctx context.Context, r payout.Request, asset, amount string) (int, any, error) {
	svc, _, err := s.payoutService()
	if err != nil {
		return 0, nil, err
	}
	a, amt, err := s.assetAmount(ctx, asset, amount)
	if err != nil {
		return 0, nil, err
	}
	r.Asset, r.Amount = a.Code, amt
	if err := s.permit(ctx, ledger.RequestPayout{ID: r.ID, Owner: r.Owner, Asset: a.Code}); err != nil {
		return 0, nil, err
	}
	res, err := svc.Request(ctx, r)
	if err != nil {
		return 0, nil, err
	}
	return s.transferResult(ctx, http.StatusCreated, res, r.ID)
}

// chainPayment is a payment to a merchant's chain address: a payout.
func (s *Server) chainPayment(ctx context.Context, req client.PaymentRequest) (int, any, error) {
	if err := firstError(checkID("id", req.ID), checkOwner("owner", req.Owner),
		checkRequiredText("order_id", req.OrderID), checkRequiredText("chain", req.Chain),
		checkRequiredText("to", req.To), checkMetadata(req.Metadata)); err != nil {
		return 0, nil, err
	}
	if req.Fee != "" {
		return 0, nil, coffer.Invalid("fee", "a payment on a chain takes no merchant fee: the hot wallet sends the whole amount")
	}
	md := req.Metadata
	if req.Merchant != "" {
		if err := checkOwner("merchant", req.Merchant); err != nil {
			return 0, nil, err
		}
		md = make(map[string]string, len(req.Metadata)+1)
		for k, v := range req.Metadata {
			md[k] = v
		}
		md["merchant"] = req.Merchant
	}
	return s.payout(ctx, payout.Request{ID: req.ID, Kind: ledger.PayoutPayment, Owner: req.Owner, Chain: req.Chain,
		To: req.To, OrderID: req.OrderID, Metadata: md}, req.Asset, req.Amount)
}

// listPayouts pages the payouts, newest first; the cursor is the last one's creation time and
// id.
func (s *Server) listPayouts(r *http.Request) (int, any, error) {
	svc, l, err := s.payoutService()
	if err != nil {
		return 0, nil, err
	}
	f, limit, err := sendIntentQuery(r.URL.Query())
	if err != nil {
		return 0, nil, err
	}
	// The sweeps are send intents too, listed by GET /v1/sweeps.
	f.IDPrefixNot = sweep.Prefix
	vs, err := svc.List(r.Context(), l, f)
	if err != nil {
		return 0, nil, err
	}
	items, more, next, err := paged(vs, limit, func(v payout.View) (client.Payout, error) { return s.renderPayout(r.Context(), v) },
		func(v payout.View) string { return timeCursor(v.Intent.CreatedAt, v.Intent.ID) })
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, client.PayoutPage{Payouts: items, HasMore: more, NextCursor: next}, nil
}

// getPayout answers one payout.
func (s *Server) getPayout(r *http.Request) (int, any, error) {
	svc, l, err := s.payoutService()
	if err != nil {
		return 0, nil, err
	}
	v, err := svc.Get(r.Context(), l, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	p, err := s.renderPayout(r.Context(), v)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, p, nil
}

// cancelPayout cancels a payout not yet signed and releases its hold.
func (s *Server) cancelPayout(r *http.Request) (int, any, error) {
	svc, l, err := s.payoutService()
	if err != nil {
		return 0, nil, err
	}
	id := r.PathValue("id")
	if _, err := svc.Get(r.Context(), l, id); err != nil {
		return 0, nil, err
	}
	if _, err := svc.Cancel(r.Context(), id); err != nil {
		return 0, nil, err
	}
	v, err := svc.Get(r.Context(), l, id)
	if err != nil {
		return 0, nil, err
	}
	p, err := s.renderPayout(r.Context(), v)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, p, nil
}

// renderPayout writes a payout's amounts in its asset's major unit, the fee in the chain's
// coin's.
func (s *Server) renderPayout(ctx context.Context, v payout.View) (client.Payout, error) {
	t := v.Transfer
	scale, err := s.scale(ctx, t.Asset)
	if err != nil {
		return client.Payout{}, err
	}
	p := client.Payout{ID: t.ID, Kind: ledger.PayoutWithdrawal, Owner: ownerOfWallet(t.DebitAccountID),
		Chain: t.Metadata["chain"], From: t.Metadata["from"], To: t.Metadata["to"], Asset: t.Asset,
		Amount: t.Amount.Format(scale), State: v.State, HoldState: string(t.State),
		Confirmations: v.Confirmations, ConfirmationsRequired: v.ConfirmationsRequired,
		CreatedAt: apiTime(t.CreatedAt), UpdatedAt: apiTime(t.CreatedAt)}
	if t.Type == coffer.TypePayment {
		p.Kind, p.OrderID = ledger.PayoutPayment, t.Reference
	}
	if v.NetworkFee != nil {
		p.NetworkFee = v.NetworkFee.Amount.Format(scale)
	}
	if in := v.Intent; in != nil {
		if in.State != coffer.SendQueued && in.State != coffer.SendWaitingFunds && in.State != coffer.SendCancelled {
			n := in.Nonce
			p.Nonce = &n
		}
		p.TxHash, p.BlockNumber, p.Reason, p.UpdatedAt = in.TxHash, in.BlockNumber, in.Reason, apiTime(in.UpdatedAt)
		if in.Fee != nil && v.FeeAsset != "" {
			fs, err := s.scale(ctx, v.FeeAsset)
			if err != nil {
				return client.Payout{}, err
			}
			if fee, ok := coffer.AmountFromBig(in.Fee); ok {
				p.Fee, p.FeeAsset = fee.Format(fs), v.FeeAsset
			}
		}
	}
	return p, nil
}

// ownerOfWallet returns the owner in a wallet's account id "wallet:owner:asset".
func ownerOfWallet(id string) string {
	_, rest, _ := strings.Cut(id, ":")
	owner, _, _ := strings.Cut(rest, ":")
	return owner
}
