package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// Limits of the event stream's long poll.
const (
	// EventWaitMax caps GET /v1/events?wait=: well inside the server's write timeout (60 s) and
	// the idle timeouts of the proxies in front of it.
	EventWaitMax = 30 * time.Second
	// EventPollDefault is how often a waiting request looks for events that another process
	// committed; this process's own commits wake it at once (Config.Committed).
	EventPollDefault = 250 * time.Millisecond
)

func (s *Server) listEvents(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	var after uint64
	if v := q.Get("after"); v != "" {
		var err error
		if after, err = strconv.ParseUint(v, 10, 64); err != nil {
			return 0, nil, coffer.Invalid("after", "after must be an event seq: an integer of 0 or more")
		}
	}
	limit, err := pageLimit(q)
	if err != nil {
		return 0, nil, err
	}
	var wait time.Duration
	if v := q.Get("wait"); v != "" {
		if wait, err = time.ParseDuration(v); err != nil || wait < 0 || wait > EventWaitMax {
			return 0, nil, coffer.Invalid("wait", "wait must be a duration from 0s to %s, such as 30s", EventWaitMax)
		}
	}
	ctx := r.Context()
	var deadline <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		deadline = t.C
	}
	for {
		var committed <-chan struct{}
		if s.cfg.Committed != nil {
			committed = s.cfg.Committed.Wait()
		}
		es, err := s.store.Events(ctx, after, fetchLimit(limit))
		if err != nil {
			return 0, nil, err
		}
		if len(es) > 0 || wait == 0 {
			es, more := cut(es, limit)
			page := client.EventPage{Events: make([]client.Event, len(es)), HasMore: more}
			for i, e := range es {
				page.Events[i] = client.Event{Seq: e.Seq, ID: e.ID, Type: e.Type, Subject: e.Subject, Data: e.Data, CreatedAt: apiTime(e.CreatedAt),
					Hash: e.Hash.String()}
			}
			if more {
				page.NextAfter = es[len(es)-1].Seq
			}
			return http.StatusOK, page, nil
		}
		poll := time.NewTimer(s.cfg.EventPoll)
		select {
		case <-committed:
		case <-poll.C:
		case <-deadline:
			wait = 0 // answer the empty page, after one last look
		case <-s.stopping:
			wait = 0
		case <-ctx.Done():
			poll.Stop()
			return 0, nil, ctx.Err()
		}
		poll.Stop()
	}
}
