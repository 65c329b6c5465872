package httpapi

import (
	"net/http"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

func (s *Server) listDuties(r *http.Request) (int, any, error) {
	if s.cfg.Leases == nil {
		return 0, nil, coffer.Errorf(coffer.ENOTFOUND, "this server's store keeps no duties")
	}
	ls, err := s.cfg.Leases.Leases(r.Context())
	if err != nil {
		return 0, nil, err
	}
	now := time.Now()
	out := client.DutyList{Duties: make([]client.Duty, len(ls))}
	for i, l := range ls {
		out.Duties[i] = client.Duty{Name: l.Name, Held: l.Holder != "" && l.ExpiresAt.After(now), Holder: l.Holder, Token: l.Token,
			Since: apiTime(l.Since), RenewedAt: apiTime(l.RenewedAt), ExpiresAt: apiTime(l.ExpiresAt), Progress: l.Progress}
	}
	return http.StatusOK, out, nil
}

func (s *Server) listSinks(r *http.Request) (int, any, error) {
	if s.cfg.Sinks == nil {
		return http.StatusOK, client.SinkList{Sinks: []client.Sink{}}, nil
	}
	sinks, err := s.cfg.Sinks(r.Context())
	if err != nil {
		return 0, nil, err
	}
	if sinks == nil {
		sinks = []client.Sink{}
	}
	return http.StatusOK, client.SinkList{Sinks: sinks}, nil
}
