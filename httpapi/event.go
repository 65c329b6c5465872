package httpapi

import (
	"net/http"
	"strconv"

	"github.com/cofferhq/coffer/client"
)

func (s *Server) listEvents(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	var after uint64
	if v := q.Get("after"); v != "" {
		var err error
		if after, err = strconv.ParseUint(v, 10, 64); err != nil {
			return 0, nil, errParam("after", "after must be an event seq: an integer of 0 or more")
		}
	}
	limit, err := pageLimit(q)
	if err != nil {
		return 0, nil, err
	}
	es, err := s.store.Events(r.Context(), after, fetchLimit(limit))
	if err != nil {
		return 0, nil, err
	}
	es, more := cut(es, limit)
	page := client.EventPage{Events: make([]client.Event, len(es)), HasMore: more}
	for i, e := range es {
		page.Events[i] = client.Event{Seq: e.Seq, ID: e.ID, Type: e.Type, Subject: e.Subject, Data: e.Data, CreatedAt: apiTime(e.CreatedAt)}
	}
	if more {
		page.NextAfter = es[len(es)-1].Seq
	}
	return http.StatusOK, page, nil
}
