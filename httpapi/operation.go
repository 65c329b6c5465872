package httpapi

import (
	"context"
	"net/http"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// operationStore returns the store's listing of operations, or unavailable if it has none.
func (s *Server) operationStore() (coffer.OperationStore, error) {
	if s.operations == nil {
		return nil, coffer.Errorf(coffer.EUNAVAILABLE, "this server's store does not list operations")
	}
	return s.operations, nil
}

func (s *Server) renderOperation(ctx context.Context, o coffer.Operation) (client.Operation, error) {
	out := client.Operation{ID: o.ID, Kind: o.Kind, Status: o.Status(), Owner: o.Owner, AccountID: o.AccountID,
		CounterAccountID: o.CounterAccountID, Asset: o.Asset, CreatedAt: apiTime(o.CreatedAt)}
	if o.ErrCode != "" {
		out.Error = &client.ErrorBody{Code: o.ErrCode, Message: o.ErrMessage}
	}
	if o.Asset != "" && !o.Amount.IsZero() {
		// An operation refused because its asset does not exist names an asset without a
		// scale: its amount cannot be written in major units, so it is left out.
		scale, err := s.scale(ctx, o.Asset)
		switch coffer.ErrorCode(err) {
		case "":
			out.Amount = o.Amount.Format(scale)
		case coffer.ENOTFOUND:
		default:
			return client.Operation{}, err
		}
	}
	return out, nil
}

func (s *Server) getOperation(r *http.Request) (int, any, error) {
	st, err := s.operationStore()
	if err != nil {
		return 0, nil, err
	}
	o, err := st.Operation(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	out, err := s.renderOperation(r.Context(), o)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}

func (s *Server) listOperations(r *http.Request) (int, any, error) {
	st, err := s.operationStore()
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	f := coffer.OperationFilter{Owner: q.Get("owner"), AccountID: q.Get("account"), Code: q.Get("code"),
		Kind: q.Get("kind"), Status: q.Get("status")}
	switch f.Status {
	case "", coffer.OperationDone, coffer.OperationRejected:
	default:
		return 0, nil, errInvalid("status must be %s or %s", coffer.OperationDone, coffer.OperationRejected)
	}
	if f.Code != "" && f.Status == coffer.OperationDone {
		return 0, nil, errInvalid("code selects rejected operations; it cannot go with status %s", coffer.OperationDone)
	}
	if f.From, err = timeParam(q, "from"); err != nil {
		return 0, nil, err
	}
	if f.To, err = timeParam(q, "to"); err != nil {
		return 0, nil, err
	}
	if f.Desc, err = descending(q); err != nil {
		return 0, nil, err
	}
	limit, err := pageLimit(q)
	if err != nil {
		return 0, nil, err
	}
	if c := q.Get("cursor"); c != "" {
		if f.AfterTime, f.AfterID, err = decodeTimeCursor(c); err != nil {
			return 0, nil, err
		}
	}
	f.Limit = fetchLimit(limit)
	ops, err := st.Operations(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	var page client.OperationPage
	ops, page.HasMore = cut(ops, limit)
	page.Operations = make([]client.Operation, 0, len(ops))
	for _, o := range ops {
		ro, err := s.renderOperation(r.Context(), o)
		if err != nil {
			return 0, nil, err
		}
		page.Operations = append(page.Operations, ro)
	}
	if page.HasMore {
		last := ops[len(ops)-1]
		page.NextCursor = timeCursor(last.CreatedAt, last.ID)
	}
	return http.StatusOK, page, nil
}
