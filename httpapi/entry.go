package httpapi

import (
	"net/http"
	"strconv"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

func (s *Server) listEntries(r *http.Request) (int, any, error) {
	a, err := s.store.Account(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	scale, err := s.scale(r.Context(), a.Asset)
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	lp, err := listParams(q)
	if err != nil {
		return 0, nil, err
	}
	f := coffer.EntryFilter{AccountID: a.ID, Type: lp.typ, From: lp.from, To: lp.to, Desc: lp.desc, Limit: fetchLimit(lp.limit)}
	if c := q.Get("cursor"); c != "" {
		v, err := decodeCursor(c)
		if err != nil {
			return 0, nil, err
		}
		if f.AfterSeq, err = strconv.ParseUint(v, 10, 64); err != nil || f.AfterSeq == 0 {
			return 0, nil, errCursor()
		}
	}
	es, err := s.store.Entries(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	es, more := cut(es, lp.limit)
	page := client.EntryPage{Entries: make([]client.Entry, len(es)), HasMore: more}
	for i, e := range es {
		page.Entries[i] = client.Entry{
			AccountID: e.AccountID, Seq: e.Seq, TransferID: e.TransferID, Type: string(e.Type),
			Phase: string(e.Phase), Side: string(e.Side), Amount: e.Amount.Format(scale),
			BalanceBefore: e.BalanceBefore.Format(scale), BalanceAfter: e.BalanceAfter.Format(scale),
			AvailableBefore: e.AvailableBefore.Format(scale), AvailableAfter: e.AvailableAfter.Format(scale),
			CreatedAt: apiTime(e.CreatedAt),
		}
	}
	if more {
		page.NextCursor = encodeCursor(strconv.FormatUint(es[len(es)-1].Seq, 10))
	}
	return http.StatusOK, page, nil
}
