package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/ledger"
)

func (s *Server) renderTransfer(ctx context.Context, t coffer.Transfer) (client.Transfer, error) {
	scale, err := s.scale(ctx, t.Asset)
	if err != nil {
		return client.Transfer{}, err
	}
	return client.Transfer{
		ID: t.ID, Type: string(t.Type), State: string(t.State), Asset: t.Asset,
		DebitAccountID: t.DebitAccountID, CreditAccountID: t.CreditAccountID,
		Amount: t.Amount.Format(scale), Pending: t.Pending, PostedAmount: t.PostedAmount.Format(scale),
		Refunded: t.Refunded.Format(scale), ExpiresAt: apiTimePtr(t.ExpiresAt), Group: t.Group,
		Reference: t.Reference, Metadata: t.Metadata, CreatedAt: apiTime(t.CreatedAt),
		ResolvedAt: apiTimePtr(t.ResolvedAt),
	}, nil
}

// transferResult renders a ledger result whose main transfer has the id mainID. The wallet
// verbs name the other transfers after it: mainID+"/fee", mainID+"/counter".
func (s *Server) transferResult(ctx context.Context, status int, res *ledger.Result, mainID string) (int, any, error) {
	var out client.TransferResult
	found := false
	for _, t := range res.Transfers {
		rt, err := s.renderTransfer(ctx, t)
		if err != nil {
			return 0, nil, err
		}
		switch {
		case t.ID == mainID:
			out.Transfer, found = rt, true
		// ":fee" and ":counter" were the derived ids before '/' was reserved for them: a replay
		// of an operation recorded then shows them as it did.
		case t.ID == coffer.DerivedID(mainID, "fee") || t.ID == mainID+":fee":
			out.Fee = &rt
		case t.ID == coffer.DerivedID(mainID, "counter") || t.ID == mainID+":counter":
			out.Counter = &rt
		case t.Type == coffer.TypePayment:
			out.Payment = &rt
		}
	}
	if !found {
		return 0, nil, errNoSnapshot("transfer " + mainID)
	}
	out.Rate = res.Rate
	return status, out, nil
}

// spec validates one transfer request and turns it into a ledger spec. Both accounts must exist
// and hold one asset, in which the amount is parsed.
func (s *Server) spec(ctx context.Context, req client.TransferRequest) (ledger.TransferSpec, error) {
	typ := coffer.TransferType(req.Type)
	err := firstError(
		checkID("id", req.ID),
		checkID("debit_account_id", req.DebitAccountID),
		checkID("credit_account_id", req.CreditAccountID),
		checkText("reference", req.Reference),
		checkMetadata(req.Metadata),
	)
	switch {
	case err != nil:
	case req.DebitAccountID == req.CreditAccountID:
		err = coffer.Invalid("credit_account_id", "debit_account_id and credit_account_id are both %q", req.DebitAccountID)
	case typ != "" && !coffer.ValidType(typ):
		err = coffer.Invalid("type", "type %q is not a transfer type", req.Type)
	case !req.Pending && req.TimeoutSeconds != 0:
		err = coffer.Invalid("timeout_seconds", "timeout_seconds is for pending transfers only")
	}
	if err != nil {
		return ledger.TransferSpec{}, err
	}
	timeout, err := checkTimeout(req.TimeoutSeconds)
	if err != nil {
		return ledger.TransferSpec{}, err
	}
	asset, err := s.accountAsset(ctx, "debit_account_id", req.DebitAccountID)
	if err != nil {
		return ledger.TransferSpec{}, err
	}
	creditAsset, err := s.accountAsset(ctx, "credit_account_id", req.CreditAccountID)
	if err != nil {
		return ledger.TransferSpec{}, err
	}
	if asset.Code != creditAsset.Code {
		return ledger.TransferSpec{}, coffer.Invalid("credit_account_id", "account %s holds %s but account %s holds %s",
			req.DebitAccountID, asset.Code, req.CreditAccountID, creditAsset.Code)
	}
	amount, err := parseAmount("amount", req.Amount, asset.Scale, positive)
	if err != nil {
		return ledger.TransferSpec{}, err
	}
	return ledger.TransferSpec{ID: req.ID, DebitAccountID: req.DebitAccountID, CreditAccountID: req.CreditAccountID,
		Amount: amount, Type: typ, Pending: req.Pending, Timeout: timeout, Reference: req.Reference,
		Metadata: req.Metadata}, nil
}

func (s *Server) createTransfer(r *http.Request) (int, any, error) {
	return s.createTransferInput(r.Context(), httpInput(r))
}

func (s *Server) createTransferInput(ctx context.Context, in input) (int, any, error) {
	var req client.TransferRequest
	if err := s.decodeInput(in, &req, false); err != nil {
		return 0, nil, err
	}
	if err := in.operationID(&req.ID); err != nil {
		return 0, nil, err
	}
	sp, err := s.spec(ctx, req)
	if err != nil {
		return 0, nil, err
	}
	res, err := s.do(ctx, ledger.CreateTransfers{ID: sp.ID, Transfers: []ledger.TransferSpec{sp}})
	if err != nil {
		return 0, nil, err
	}
	return s.transferResult(ctx, http.StatusCreated, res, sp.ID)
}

// transferOfType loads the transfer in the path that an action on transfers of type typ (empty:
// any) is about, so that a mistyped id or the wrong verb is answered before the ledger records an
// outcome under the operation id: posting a hold through a withdrawal's "complete" would
// otherwise fix a rejection under "<id>/post", the default id of the right verb too.
func (s *Server) transferOfType(ctx context.Context, id string, typ coffer.TransferType) (coffer.Transfer, error) {
	t, err := s.store.Transfer(ctx, id)
	if err != nil {
		return coffer.Transfer{}, err
	}
	if typ != "" && t.Type != typ {
		return coffer.Transfer{}, coffer.Errorf(coffer.ENOTFOUND, "%s %q does not exist (transfer %q is a %s)", typ, id, id, t.Type)
	}
	return t, nil
}

// post posts the pending transfer in the path; typ is the verb's transfer type.
func (s *Server) post(ctx context.Context, in input, typ coffer.TransferType) (int, any, error) {
	var req client.PostRequest
	if err := s.decodeInput(in, &req, true); err != nil {
		return 0, nil, err
	}
	if err := in.operationID(&req.ID); err != nil {
		return 0, nil, err
	}
	if err := checkOptionalID("id", req.ID); err != nil {
		return 0, nil, err
	}
	t, err := s.transferOfType(ctx, in.target, typ)
	if err != nil {
		return 0, nil, err
	}
	scale, err := s.scale(ctx, t.Asset)
	if err != nil {
		return 0, nil, err
	}
	amount, err := parseAmount("amount", req.Amount, scale, optionalPositive)
	if err != nil {
		return 0, nil, err
	}
	if amount.Cmp(t.Amount) > 0 {
		return 0, nil, coffer.Invalid("amount", "amount %s is more than the %s transfer %q holds", req.Amount, t.Amount.Format(scale), t.ID)
	}
	// An id left out is derived by the ledger: "<transfer id>/post".
	res, err := s.do(ctx, ledger.PostTransfer{ID: req.ID, TransferID: t.ID, Amount: amount, Type: typ})
	if err != nil {
		return 0, nil, err
	}
	return s.transferResult(ctx, http.StatusOK, res, t.ID)
}

// void voids the pending transfer in the path; typ is the verb's transfer type.
func (s *Server) void(ctx context.Context, in input, typ coffer.TransferType) (int, any, error) {
	var req client.VoidRequest
	if err := s.decodeInput(in, &req, true); err != nil {
		return 0, nil, err
	}
	if err := in.operationID(&req.ID); err != nil {
		return 0, nil, err
	}
	if err := checkOptionalID("id", req.ID); err != nil {
		return 0, nil, err
	}
	t, err := s.transferOfType(ctx, in.target, typ)
	if err != nil {
		return 0, nil, err
	}
	// An id left out is derived by the ledger: "<transfer id>/void".
	res, err := s.do(ctx, ledger.VoidTransfer{ID: req.ID, TransferID: t.ID, Type: typ})
	if err != nil {
		return 0, nil, err
	}
	return s.transferResult(ctx, http.StatusOK, res, t.ID)
}

func (s *Server) postTransfer(r *http.Request) (int, any, error) {
	return s.postTransferInput(r.Context(), httpInput(r))
}

func (s *Server) voidTransfer(r *http.Request) (int, any, error) {
	return s.voidTransferInput(r.Context(), httpInput(r))
}

func (s *Server) postTransferInput(ctx context.Context, in input) (int, any, error) {
	return s.post(ctx, in, "")
}

func (s *Server) voidTransferInput(ctx context.Context, in input) (int, any, error) {
	return s.void(ctx, in, "")
}

func (s *Server) getTransfer(r *http.Request) (int, any, error) {
	t, err := s.store.Transfer(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	out, err := s.renderTransfer(r.Context(), t)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}

func (s *Server) listTransfers(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	lp, err := listParams(q)
	if err != nil {
		return 0, nil, err
	}
	if q.Get("account_id") != "" {
		return s.listAccountTransfers(r.Context(), q, lp)
	}
	f := coffer.TransferFilter{Reference: q.Get("reference"),
		Type: lp.typ, From: lp.from, To: lp.to, Desc: lp.desc, Limit: fetchLimit(lp.limit)}
	if c := q.Get("cursor"); c != "" {
		if f.AfterTime, f.AfterID, err = decodeTimeCursor(c); err != nil {
			return 0, nil, err
		}
	}
	ts, err := s.store.Transfers(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	ts, more := cut(ts, lp.limit)
	page, err := s.transferPage(r.Context(), ts, more)
	if err != nil {
		return 0, nil, err
	}
	if more {
		last := ts[len(ts)-1]
		page.NextCursor = timeCursor(last.CreatedAt, last.ID)
	}
	return http.StatusOK, page, nil
}

// listAccountTransfers lists the transfers of one account in the order they reached it; its
// cursor is the account's entry seq, which a cursor of the whole listing cannot be mistaken for.
func (s *Server) listAccountTransfers(ctx context.Context, q url.Values, lp listQuery) (int, any, error) {
	f := coffer.AccountTransferFilter{AccountID: q.Get("account_id"), Reference: q.Get("reference"),
		Type: lp.typ, From: lp.from, To: lp.to, Desc: lp.desc, Limit: fetchLimit(lp.limit)}
	if c := q.Get("cursor"); c != "" {
		v, err := decodeCursor(c)
		if err != nil {
			return 0, nil, err
		}
		seq, ok := strings.CutPrefix(v, accountCursorPrefix)
		if f.AfterSeq, err = strconv.ParseUint(seq, 10, 64); !ok || err != nil || f.AfterSeq == 0 {
			return 0, nil, coffer.Invalid("cursor", "cursor is not one this API returned for an account's transfers")
		}
	}
	ats, err := s.store.AccountTransfers(ctx, f)
	if err != nil {
		return 0, nil, err
	}
	ats, more := cut(ats, lp.limit)
	ts := make([]coffer.Transfer, len(ats))
	for i, at := range ats {
		ts[i] = at.Transfer
	}
	page, err := s.transferPage(ctx, ts, more)
	if err != nil {
		return 0, nil, err
	}
	if more {
		page.NextCursor = encodeCursor(accountCursorPrefix + strconv.FormatUint(ats[len(ats)-1].Seq, 10))
	}
	return http.StatusOK, page, nil
}

// accountCursorPrefix starts the cursor of an account's transfers.
const accountCursorPrefix = "seq\n"

func (s *Server) transferPage(ctx context.Context, ts []coffer.Transfer, more bool) (client.TransferPage, error) {
	page := client.TransferPage{Transfers: make([]client.Transfer, len(ts)), HasMore: more}
	for i, t := range ts {
		var err error
		if page.Transfers[i], err = s.renderTransfer(ctx, t); err != nil {
			return client.TransferPage{}, err
		}
	}
	return page, nil
}
