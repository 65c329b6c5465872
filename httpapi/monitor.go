package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
	"github.com/cofferhq/coffer/client"
)

// monitorPeriodMax caps no_movement's period: a year, as a pending transfer's timeout.
const monitorPeriodMax = TimeoutSecondsMax

// monitorStore returns the store's monitors, or unavailable.
func (s *Server) monitorStore() (coffer.MonitorStore, error) {
	ms, ok := s.store.(coffer.MonitorStore)
	if !ok {
		return nil, coffer.Errorf(coffer.EUNAVAILABLE, "this server's store keeps no monitors")
	}
	return ms, nil
}

func conditionNames() string {
	names := make([]string, len(coffer.MonitorConditions))
	for i, c := range coffer.MonitorConditions {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}

// checkMonitor checks m's condition, threshold (text, in the asset's major unit) and period,
// and sets Threshold and Period.
func (s *Server) checkMonitor(ctx context.Context, m *coffer.Monitor, threshold string, periodSeconds int64) error {
	if !slices.Contains(coffer.MonitorConditions, m.Condition) {
		return coffer.Invalid("condition", "condition %q must be one of %s", m.Condition, conditionNames())
	}
	if m.Condition == coffer.MonitorNoMovement {
		switch {
		case threshold != "":
			return coffer.Invalid("threshold", "no_movement takes no threshold, only period_seconds")
		case periodSeconds <= 0 || periodSeconds > monitorPeriodMax:
			return coffer.Invalid("period_seconds", "no_movement needs period_seconds from 1 to %d", monitorPeriodMax)
		}
		m.Threshold, m.Period = coffer.Amount{}, time.Duration(periodSeconds)*time.Second
		return nil
	}
	if periodSeconds != 0 {
		return coffer.Invalid("period_seconds", "only no_movement takes period_seconds")
	}
	if threshold == "" {
		return coffer.Invalid("threshold", "%s needs a threshold, an amount of %s in major units", m.Condition, m.Asset)
	}
	asset, err := s.asset(ctx, "asset", m.Asset)
	if err != nil {
		return err
	}
	t, err := parseAmount("threshold", threshold, asset.Scale, nonNegative)
	if err != nil {
		return err
	}
	m.Threshold, m.Period = t, 0
	return nil
}

func (s *Server) createMonitor(r *http.Request) (int, any, error) {
	ms, err := s.monitorStore()
	if err != nil {
		return 0, nil, err
	}
	var req client.MonitorRequest
	if err := s.decode(r, &req, false); err != nil {
		return 0, nil, err
	}
	if err := firstError(checkID("id", req.ID), checkText("description", req.Description)); err != nil {
		return 0, nil, err
	}
	ctx := r.Context()
	m := coffer.Monitor{ID: req.ID, AccountID: req.AccountID, Asset: req.Asset, Condition: coffer.MonitorCondition(req.Condition),
		Description: req.Description, CreatedBy: info(ctx).keyID}
	switch {
	case req.AccountID != "" && req.Asset != "":
		return 0, nil, coffer.Invalid("asset", "give account_id or asset, not both")
	case req.AccountID != "":
		a, err := s.accountAsset(ctx, "account_id", req.AccountID)
		if err != nil {
			return 0, nil, err
		}
		m.Asset = a.Code
	case req.Asset == "":
		return 0, nil, coffer.Invalid("account_id", "give account_id (one account) or asset (its every account)")
	}
	if err := s.checkMonitor(ctx, &m, req.Threshold, req.PeriodSeconds); err != nil {
		return 0, nil, err
	}
	m.CreatedAt = s.cfg.Ledger.Now().UTC().Truncate(time.Microsecond)
	m.UpdatedAt = m.CreatedAt
	if err := ms.CreateMonitor(ctx, m); err != nil {
		return 0, nil, err
	}
	out, err := s.renderMonitor(ctx, ms, m, false)
	return http.StatusCreated, out, err
}

func (s *Server) getMonitor(r *http.Request) (int, any, error) {
	ms, err := s.monitorStore()
	if err != nil {
		return 0, nil, err
	}
	m, err := ms.Monitor(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	out, err := s.renderMonitor(r.Context(), ms, m, true)
	return http.StatusOK, out, err
}

func (s *Server) updateMonitor(r *http.Request) (int, any, error) {
	ms, err := s.monitorStore()
	if err != nil {
		return 0, nil, err
	}
	var req client.UpdateMonitorRequest
	if err := s.decode(r, &req, false); err != nil {
		return 0, nil, err
	}
	if req.Condition == nil && req.Threshold == nil && req.PeriodSeconds == nil && req.Description == nil {
		return 0, nil, errInvalid("the body changes nothing: give at least one of condition, threshold, period_seconds and description")
	}
	ctx := r.Context()
	m, err := ms.Monitor(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	threshold, period := "", int64(0)
	if m.Condition == coffer.MonitorNoMovement {
		period = int64(m.Period / time.Second)
	} else {
		scale, err := s.scale(ctx, m.Asset)
		if err != nil {
			return 0, nil, err
		}
		threshold = m.Threshold.Format(scale)
	}
	if req.Condition != nil {
		if (coffer.MonitorCondition(*req.Condition) == coffer.MonitorNoMovement) != (m.Condition == coffer.MonitorNoMovement) {
			threshold, period = "", 0 // the other kind: its own figure must be given
		}
		m.Condition = coffer.MonitorCondition(*req.Condition)
	}
	if req.Threshold != nil {
		threshold = *req.Threshold
	}
	if req.PeriodSeconds != nil {
		period = *req.PeriodSeconds
	}
	if req.Description != nil {
		if err := checkText("description", *req.Description); err != nil {
			return 0, nil, err
		}
		m.Description = *req.Description
	}
	if err := s.checkMonitor(ctx, &m, threshold, period); err != nil {
		return 0, nil, err
	}
	m.UpdatedAt = s.cfg.Ledger.Now().UTC().Truncate(time.Microsecond)
	if err := ms.UpdateMonitor(ctx, m); err != nil {
		return 0, nil, err
	}
	out, err := s.renderMonitor(ctx, ms, m, false)
	return http.StatusOK, out, err
}

func (s *Server) deleteMonitor(r *http.Request) (int, any, error) {
	ms, err := s.monitorStore()
	if err != nil {
		return 0, nil, err
	}
	ctx := r.Context()
	m, err := ms.Monitor(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	if err := ms.DeleteMonitor(ctx, m.ID); err != nil {
		return 0, nil, err
	}
	out, err := s.renderMonitor(ctx, ms, m, false)
	return http.StatusOK, out, err
}

func (s *Server) listMonitors(r *http.Request) (int, any, error) {
	ms, err := s.monitorStore()
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	limit, err := pageLimit(q)
	if err != nil {
		return 0, nil, err
	}
	f := coffer.MonitorFilter{AccountID: q.Get("account_id"), Asset: q.Get("asset"), Limit: fetchLimit(limit)}
	if c := q.Get("cursor"); c != "" {
		if f.AfterID, err = decodeCursor(c); err != nil {
			return 0, nil, err
		}
	}
	list, err := ms.Monitors(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	items, more, next, err := paged(list, limit, func(m coffer.Monitor) (client.Monitor, error) { return s.renderMonitor(r.Context(), ms, m, false) },
		func(m coffer.Monitor) string { return encodeCursor(m.ID) })
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, client.MonitorPage{Monitors: items, HasMore: more, NextCursor: next}, nil
}

// renderMonitor renders m, with its states when states is set.
func (s *Server) renderMonitor(ctx context.Context, ms coffer.MonitorStore, m coffer.Monitor, states bool) (client.Monitor, error) {
	scale, err := s.scale(ctx, m.Asset)
	if err != nil {
		return client.Monitor{}, err
	}
	out := client.Monitor{ID: m.ID, AccountID: m.AccountID, Asset: m.Asset, Condition: string(m.Condition),
		Threshold: m.Threshold.Format(scale), PeriodSeconds: int64(m.Period / time.Second), Description: m.Description,
		CreatedBy: m.CreatedBy, CreatedAt: apiTime(m.CreatedAt), UpdatedAt: apiTime(m.UpdatedAt)}
	if !states {
		return out, nil
	}
	sts, err := ms.MonitorStates(ctx, m.ID)
	if err != nil {
		return client.Monitor{}, err
	}
	for _, st := range sts {
		out.States = append(out.States, client.MonitorState{AccountID: st.AccountID, Triggered: st.Triggered, ChangedAt: apiTime(st.ChangedAt)})
	}
	return out, nil
}
