package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Event is one committed change. Data is the ledger's JSON snapshot of the changed object after
// the change, amounts in minor units.
type Event struct {
	Seq       uint64          `json:"seq"`
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Subject   string          `json:"subject"`
	Data      json.RawMessage `json:"data"`
	CreatedAt Time            `json:"created_at"`
}

// EventPage is the answer to GET /v1/events: events with seq above the request's after, in
// order. HasMore says whether more follow already; NextAfter, the after of the next page (the
// last seq here), is set only then. A consumer that has read everything goes on from the last
// event's seq.
type EventPage struct {
	Events    []Event `json:"events"`
	HasMore   bool    `json:"has_more"`
	NextAfter uint64  `json:"next_after,omitempty"`
}

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
	page := EventPage{Events: make([]Event, len(es)), HasMore: more}
	for i, e := range es {
		page.Events[i] = Event{Seq: e.Seq, ID: e.ID, Type: e.Type, Subject: e.Subject, Data: e.Data, CreatedAt: apiTime(e.CreatedAt)}
	}
	if more {
		page.NextAfter = es[len(es)-1].Seq
	}
	return http.StatusOK, page, nil
}
