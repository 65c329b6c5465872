package httpapi

import (
	"net/http"

	"github.com/cofferhq/coffer"
)

// listPending answers GET /v1/pending: the transfers still pending that will expire, soonest
// first; the cursor is the last one's expiry and id.
func (s *Server) listPending(r *http.Request) (int, any, error) {
	ps, ok := s.store.(coffer.PendingStore)
	if !ok {
		return 0, nil, coffer.Errorf(coffer.EUNAVAILABLE, "this server's store does not list pending transfers")
	}
	q := r.URL.Query()
	typ, err := typeParam(q)
	if err != nil {
		return 0, nil, err
	}
	limit, err := pageLimit(q)
	if err != nil {
		return 0, nil, err
	}
	f := coffer.PendingFilter{Type: typ, Limit: fetchLimit(limit)}
	if c := q.Get("cursor"); c != "" {
		if f.AfterExpiresAt, f.AfterID, err = decodeTimeCursor(c); err != nil {
			return 0, nil, err
		}
	}
	ts, err := ps.PendingTransfers(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	ts, more := cut(ts, limit)
	page, err := s.transferPage(r.Context(), ts, more)
	if err != nil {
		return 0, nil, err
	}
	if more {
		last := ts[len(ts)-1]
		page.NextCursor = timeCursor(*last.ExpiresAt, last.ID)
	}
	return http.StatusOK, page, nil
}
