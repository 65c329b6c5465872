package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/chain/payout"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/ledger"
)

// The wallet verbs: thin requests over the ledger's commands, each answered with a
// client.TransferResult whose transfer id is the request's id.

func (s *Server) deposit(r *http.Request) (int, any, error) {
	return s.depositInput(r.Context(), httpInput(r))
}

func (s *Server) depositInput(ctx context.Context, in input) (int, any, error) {
	var req client.DepositRequest
	if err := s.decodeInput(in, &req, false); err != nil {
		return 0, nil, err
	}
	if err := in.operationID(&req.ID); err != nil {
		return 0, nil, err
	}
	if err := firstError(checkID("id", req.ID), checkOwner("owner", req.Owner),
		checkText("source", req.Source), checkMetadata(req.Metadata)); err != nil {
		return 0, nil, err
	}
	asset, amount, err := s.assetAmount(ctx, req.Asset, req.Amount)
	if err != nil {
		return 0, nil, err
	}
	res, err := s.do(ctx, ledger.Deposit{ID: req.ID, Owner: req.Owner, Asset: asset.Code,
		Amount: amount, Source: req.Source, Metadata: req.Metadata})
	if err != nil {
		return 0, nil, err
	}
	return s.transferResult(ctx, http.StatusCreated, res, req.ID)
}

func (s *Server) withdraw(r *http.Request) (int, any, error) {
	return s.withdrawInput(r.Context(), httpInput(r))
}

func (s *Server) withdrawInput(ctx context.Context, in input) (int, any, error) {
	var req client.WithdrawalRequest
	if err := s.decodeInput(in, &req, false); err != nil {
		return 0, nil, err
	}
	if err := in.operationID(&req.ID); err != nil {
		return 0, nil, err
	}
	if err := firstError(checkID("id", req.ID), checkOwner("owner", req.Owner),
		checkRequiredText("destination", req.Destination), checkMetadata(req.Metadata)); err != nil {
		return 0, nil, err
	}
	if req.Chain != "" {
		if req.TimeoutSeconds != 0 {
			return 0, nil, coffer.Invalid("timeout_seconds", "a withdrawal on a chain has no timeout: it ends when the chain confirms or fails it")
		}
		return s.payout(ctx, payout.Request{ID: req.ID, Kind: ledger.PayoutWithdrawal, Owner: req.Owner, Chain: req.Chain,
			To: req.Destination, Metadata: req.Metadata}, req.Asset, req.Amount)
	}
	timeout, err := checkTimeout(req.TimeoutSeconds)
	if err != nil {
		return 0, nil, err
	}
	asset, amount, err := s.assetAmount(ctx, req.Asset, req.Amount)
	if err != nil {
		return 0, nil, err
	}
	res, err := s.do(ctx, ledger.Withdraw{ID: req.ID, Owner: req.Owner, Asset: asset.Code,
		Amount: amount, Destination: req.Destination, Timeout: timeout, Metadata: req.Metadata})
	if err != nil {
		return 0, nil, err
	}
	return s.transferResult(ctx, http.StatusCreated, res, req.ID)
}

func (s *Server) completeWithdrawal(r *http.Request) (int, any, error) {
	return s.completeWithdrawalInput(r.Context(), httpInput(r))
}

func (s *Server) failWithdrawal(r *http.Request) (int, any, error) {
	return s.failWithdrawalInput(r.Context(), httpInput(r))
}

func (s *Server) completeWithdrawalInput(ctx context.Context, in input) (int, any, error) {
	return s.post(ctx, in, coffer.TypeWithdrawal)
}

func (s *Server) failWithdrawalInput(ctx context.Context, in input) (int, any, error) {
	return s.void(ctx, in, coffer.TypeWithdrawal)
}

func (s *Server) pay(r *http.Request) (int, any, error) {
	return s.payInput(r.Context(), httpInput(r))
}

func (s *Server) payInput(ctx context.Context, in input) (int, any, error) {
	var req client.PaymentRequest
	if err := s.decodeInput(in, &req, false); err != nil {
		return 0, nil, err
	}
	if err := in.operationID(&req.ID); err != nil {
		return 0, nil, err
	}
	if req.Chain != "" || req.To != "" {
		return s.chainPayment(ctx, req)
	}
	if err := firstError(checkID("id", req.ID), checkOwner("owner", req.Owner),
		checkOwner("merchant", req.Merchant), checkRequiredText("order_id", req.OrderID),
		checkMetadata(req.Metadata)); err != nil {
		return 0, nil, err
	}
	asset, amount, err := s.assetAmount(ctx, req.Asset, req.Amount)
	if err != nil {
		return 0, nil, err
	}
	fee, err := parseAmount("fee", req.Fee, asset.Scale, nonNegative)
	if err != nil {
		return 0, nil, err
	}
	if fee.Cmp(amount) > 0 {
		return 0, nil, coffer.Invalid("fee", "fee %s is more than the amount %s", req.Fee, req.Amount)
	}
	res, err := s.do(ctx, ledger.Pay{ID: req.ID, Owner: req.Owner, Merchant: req.Merchant,
		Asset: asset.Code, Amount: amount, Fee: fee, OrderID: req.OrderID, Metadata: req.Metadata})
	if err != nil {
		return 0, nil, err
	}
	return s.transferResult(ctx, http.StatusCreated, res, req.ID)
}

func (s *Server) refund(r *http.Request) (int, any, error) {
	return s.refundInput(r.Context(), httpInput(r))
}

func (s *Server) refundInput(ctx context.Context, in input) (int, any, error) {
	var req client.RefundRequest
	if err := s.decodeInput(in, &req, false); err != nil {
		return 0, nil, err
	}
	if err := in.operationID(&req.ID); err != nil {
		return 0, nil, err
	}
	if err := firstError(checkID("id", req.ID), checkText("reason", req.Reason),
		checkMetadata(req.Metadata)); err != nil {
		return 0, nil, err
	}
	p, err := s.transferOfType(ctx, in.target, coffer.TypePayment)
	if err != nil {
		return 0, nil, err
	}
	scale, err := s.scale(ctx, p.Asset)
	if err != nil {
		return 0, nil, err
	}
	amount, err := parseAmount("amount", req.Amount, scale, optionalPositive)
	if err != nil {
		return 0, nil, err
	}
	if amount.Cmp(p.Amount) > 0 {
		return 0, nil, coffer.Invalid("amount", "amount %s is more than the payment's %s", req.Amount, p.Amount.Format(scale))
	}
	res, err := s.do(ctx, ledger.Refund{ID: req.ID, PaymentID: p.ID, Amount: amount,
		Reason: req.Reason, Metadata: req.Metadata})
	if err != nil {
		return 0, nil, err
	}
	return s.transferResult(ctx, http.StatusCreated, res, req.ID)
}

// rateLengthMax bounds a rate, as the ledger does, so a hostile rate cannot make its arithmetic
// slow.
const rateLengthMax = 40

// validRate reports whether s is a rate the ledger accepts: digits with at most one point, not
// zero, at most rateLengthMax characters.
func validRate(s string) bool {
	whole, frac, hasPoint := strings.Cut(s, ".")
	if len(s) > rateLengthMax || whole == "" || (hasPoint && frac == "") {
		return false
	}
	nonZero := false
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return false
		}
		nonZero = nonZero || c != '0'
	}
	return nonZero
}

func (s *Server) exchange(r *http.Request) (int, any, error) {
	return s.exchangeInput(r.Context(), httpInput(r))
}

func (s *Server) exchangeInput(ctx context.Context, in input) (int, any, error) {
	var req client.ExchangeRequest
	if err := s.decodeInput(in, &req, false); err != nil {
		return 0, nil, err
	}
	if err := in.operationID(&req.ID); err != nil {
		return 0, nil, err
	}
	err := firstError(checkID("id", req.ID), checkOwner("owner", req.Owner), checkMetadata(req.Metadata))
	switch {
	case err != nil:
	case (req.Rate == "") == (req.CounterAmount == ""):
		err = coffer.Invalid("rate", "give exactly one of rate and counter_amount")
	case req.From != "" && req.From == req.To:
		err = coffer.Invalid("to", "from and to are both %s; an exchange needs two different assets", req.From)
	case req.Rate != "" && !validRate(req.Rate):
		err = coffer.Invalid("rate", "rate %q must be a positive decimal number such as \"7.25\", at most %d characters", req.Rate, rateLengthMax)
	}
	if err != nil {
		return 0, nil, err
	}
	from, err := s.asset(ctx, "from", req.From)
	if err != nil {
		return 0, nil, err
	}
	to, err := s.asset(ctx, "to", req.To)
	if err != nil {
		return 0, nil, err
	}
	amount, err := parseAmount("amount", req.Amount, from.Scale, positive)
	if err != nil {
		return 0, nil, err
	}
	var counter coffer.Amount
	if req.CounterAmount != "" {
		if counter, err = parseAmount("counter_amount", req.CounterAmount, to.Scale, positive); err != nil {
			return 0, nil, err
		}
	}
	cmd := ledger.Exchange{ID: req.ID, Owner: req.Owner, From: from.Code, To: to.Code,
		Amount: amount, Rate: req.Rate, CounterAmount: counter, Metadata: req.Metadata}
	// The rate and the pair's band are checked here too, so that a refusal does not use up the id.
	if err := s.ledger.CheckExchange(cmd, from, to); err != nil {
		return 0, nil, err
	}
	res, err := s.do(ctx, cmd)
	if err != nil {
		return 0, nil, err
	}
	return s.transferResult(ctx, http.StatusCreated, res, req.ID)
}

func (s *Server) hold(r *http.Request) (int, any, error) {
	return s.holdInput(r.Context(), httpInput(r))
}

func (s *Server) holdInput(ctx context.Context, in input) (int, any, error) {
	var req client.HoldRequest
	if err := s.decodeInput(in, &req, false); err != nil {
		return 0, nil, err
	}
	if err := in.operationID(&req.ID); err != nil {
		return 0, nil, err
	}
	err := firstError(checkID("id", req.ID), checkOwner("owner", req.Owner),
		checkText("reference", req.Reference), checkMetadata(req.Metadata))
	if err == nil && req.Merchant != "" {
		err = checkOwner("merchant", req.Merchant)
	}
	if err != nil {
		return 0, nil, err
	}
	timeout, err := checkTimeout(req.TimeoutSeconds)
	if err != nil {
		return 0, nil, err
	}
	asset, amount, err := s.assetAmount(ctx, req.Asset, req.Amount)
	if err != nil {
		return 0, nil, err
	}
	res, err := s.do(ctx, ledger.Hold{ID: req.ID, Owner: req.Owner, Asset: asset.Code,
		Amount: amount, Merchant: req.Merchant, Timeout: timeout, Reference: req.Reference, Metadata: req.Metadata})
	if err != nil {
		return 0, nil, err
	}
	return s.transferResult(ctx, http.StatusCreated, res, req.ID)
}

func (s *Server) captureHold(r *http.Request) (int, any, error) {
	return s.captureHoldInput(r.Context(), httpInput(r))
}

func (s *Server) releaseHold(r *http.Request) (int, any, error) {
	return s.releaseHoldInput(r.Context(), httpInput(r))
}

func (s *Server) captureHoldInput(ctx context.Context, in input) (int, any, error) {
	return s.post(ctx, in, coffer.TypeHold)
}

func (s *Server) releaseHoldInput(ctx context.Context, in input) (int, any, error) {
	return s.void(ctx, in, coffer.TypeHold)
}

func (s *Server) adjust(r *http.Request) (int, any, error) {
	return s.adjustInput(r.Context(), httpInput(r))
}

func (s *Server) adjustInput(ctx context.Context, in input) (int, any, error) {
	var req client.AdjustmentRequest
	if err := s.decodeInput(in, &req, false); err != nil {
		return 0, nil, err
	}
	if err := in.operationID(&req.ID); err != nil {
		return 0, nil, err
	}
	cmd, err := s.adjustment(ctx, req)
	if err != nil {
		return 0, nil, err
	}
	if s.cfg.ApprovalsRequired {
		return s.requestApproval(ctx, req)
	}
	cmd.ByKeyID = info(ctx).keyID
	res, err := s.do(ctx, cmd)
	if err != nil {
		return 0, nil, err
	}
	return s.transferResult(ctx, http.StatusCreated, res, req.ID)
}

// adjustment checks an adjustment's request and returns its command.
func (s *Server) adjustment(ctx context.Context, req client.AdjustmentRequest) (ledger.Adjust, error) {
	dir := coffer.Side(req.Direction)
	err := firstError(checkID("id", req.ID), checkOptionalID("counter_account_id", req.CounterAccountID),
		checkRequiredText("reason", req.Reason))
	if err == nil && dir != coffer.Credit && dir != coffer.Debit {
		err = coffer.Invalid("direction", "direction %q must be credit or debit", req.Direction)
	}
	if err != nil {
		return ledger.Adjust{}, err
	}
	asset, err := s.accountAsset(ctx, "account_id", req.AccountID)
	if err != nil {
		return ledger.Adjust{}, err
	}
	if req.CounterAccountID != "" {
		counterAsset, err := s.accountAsset(ctx, "counter_account_id", req.CounterAccountID)
		if err != nil {
			return ledger.Adjust{}, err
		}
		if counterAsset.Code != asset.Code {
			return ledger.Adjust{}, coffer.Invalid("counter_account_id", "account %s holds %s but counter account %s holds %s",
				req.AccountID, asset.Code, req.CounterAccountID, counterAsset.Code)
		}
	}
	amount, err := parseAmount("amount", req.Amount, asset.Scale, positive)
	if err != nil {
		return ledger.Adjust{}, err
	}
	return ledger.Adjust{ID: req.ID, AccountID: req.AccountID, Direction: dir,
		Amount: amount, CounterAccountID: req.CounterAccountID, Reason: req.Reason}, nil
}

// assetAmount returns the asset named in the request's "asset" field and its "amount" parsed at
// that asset's scale, which must be greater than zero.
func (s *Server) assetAmount(ctx context.Context, code, amount string) (coffer.Asset, coffer.Amount, error) {
	asset, err := s.asset(ctx, "asset", code)
	if err != nil {
		return coffer.Asset{}, coffer.Amount{}, err
	}
	a, err := parseAmount("amount", amount, asset.Scale, positive)
	return asset, a, err
}
