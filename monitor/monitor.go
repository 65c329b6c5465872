// Package monitor evaluates balance monitors: an operator's conditions on an account or on
// every account of an asset (balance or available below or above a threshold, held above it,
// no movement for a period), each yielding monitor.triggered when it starts being true for an
// account and monitor.cleared when it stops, so that webhooks and brokers carry them.
//
// A Watcher runs as one duty of the fleet. It follows the event log from a durable cursor
// (coffer.CursorStore, named CursorName) and evaluates only the monitors of the accounts and
// assets the new events touched; a periodic sweep evaluates the no_movement monitors, which
// become true with time alone. An edge is recorded with its event in one transaction, and only
// if the stored state differs (coffer.MonitorStore.SetMonitorState), so each edge is one event
// however often it is evaluated, across restarts and a change of holder too. A monitor reflects
// an account as it is when evaluated: a dip and a recovery between two passes are no edge.
package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/cofferhq/coffer"
)

// Names and limits.
const (
	// DutyName is the duty the watcher runs as, and CursorName its cursor in the event log.
	DutyName   = "monitor"
	CursorName = "monitor"
	// EventBatchMax is how many events a pass reads at a time: the relay's page.
	EventBatchMax = 500
	// PollDefault is how often the watcher looks for new events when not woken.
	PollDefault = time.Second
	// SweepEveryDefault is how often no_movement monitors are evaluated: a period is meant in
	// minutes to days, so a minute late is on time.
	SweepEveryDefault = time.Minute
)

// Store is what the watcher reads and writes; both stores have it.
type Store interface {
	coffer.MonitorStore
	coffer.CursorStore
	Events(ctx context.Context, after uint64, limit int) ([]coffer.Event, error)
	Account(ctx context.Context, id string) (coffer.Account, error)
	Accounts(ctx context.Context, f coffer.AccountFilter) ([]coffer.Account, error)
	Entries(ctx context.Context, f coffer.EntryFilter) ([]coffer.Entry, error)
}

// Config configures a Watcher.
type Config struct {
	Store Store
	// Now is the clock of no_movement. Default time.Now.
	Now func() time.Time
	// Poll and SweepEvery: see PollDefault and SweepEveryDefault.
	Poll       time.Duration
	SweepEvery time.Duration
	// Wake, if set, wakes the watcher at once (the ledger's commits).
	Wake   <-chan struct{}
	Logger *slog.Logger
}

// Watcher evaluates the monitors.
type Watcher struct {
	cfg Config
}

// New returns a Watcher.
func New(cfg Config) *Watcher {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Poll <= 0 {
		cfg.Poll = PollDefault
	}
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = SweepEveryDefault
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Watcher{cfg: cfg}
}

// Progress is what the duty reports after each pass.
type Progress struct {
	Cursor    uint64    `json:"cursor"`
	Edges     int       `json:"edges"`
	SweptAt   time.Time `json:"swept_at,omitzero"`
	LastError string    `json:"last_error,omitempty"`
}

// Run passes and sweeps until ctx ends; fence is the duty's. It is a duty.Duty's Run.
func (w *Watcher) Run(ctx context.Context, fence coffer.Fence, report func(any)) error {
	var p Progress
	var swept time.Time
	t := time.NewTicker(w.cfg.Poll)
	defer t.Stop()
	for {
		n, cursor, err := w.Pass(ctx, fence)
		p.Edges += n
		p.Cursor = cursor
		if err == nil && w.cfg.Now().Sub(swept) >= w.cfg.SweepEvery {
			n, err = w.Sweep(ctx)
			p.Edges += n
			if err == nil {
				swept = w.cfg.Now()
				p.SweptAt = swept
			}
		}
		p.LastError = ""
		if err != nil {
			if ctx.Err() != nil || coffer.ErrorCode(err) == coffer.ECONFLICT {
				return nil // stopped, or the lease went to another holder
			}
			p.LastError = err.Error()
			w.cfg.Logger.Error("monitor pass", "err", err)
		}
		if report != nil {
			report(p)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-w.cfg.Wake:
		}
	}
}

// Pass evaluates the monitors of what the events after the cursor touched, advancing the
// cursor with fence as it goes, and returns how many edges it recorded and the cursor.
func (w *Watcher) Pass(ctx context.Context, fence coffer.Fence) (int, uint64, error) {
	s := w.cfg.Store
	c, err := s.Cursor(ctx, CursorName)
	if err != nil {
		return 0, 0, err
	}
	cursor, edges := c.Seq, 0
	for {
		es, err := s.Events(ctx, cursor, EventBatchMax)
		if err != nil || len(es) == 0 {
			return edges, cursor, err
		}
		accounts, assets := touched(es)
		n, err := w.evaluateTouched(ctx, accounts, assets)
		edges += n
		if err != nil {
			return edges, cursor, err
		}
		last := es[len(es)-1].Seq
		if err := s.AdvanceCursor(ctx, CursorName, last, fence); err != nil {
			return edges, cursor, err
		}
		cursor = last
		if len(es) < EventBatchMax {
			return edges, cursor, nil
		}
	}
}

// touched returns the accounts the events are about (a transfer's two sides, an account's
// own events) and their assets.
func touched(es []coffer.Event) (accounts, assets []string) {
	seen := map[string]bool{}
	add := func(id string) {
		if id == "" || seen[id] {
			return
		}
		seen[id] = true
		accounts = append(accounts, id)
		if a := assetOf(id); a != "" && !slices.Contains(assets, a) {
			assets = append(assets, a)
		}
	}
	for _, e := range es {
		switch e.Type {
		case coffer.EventAccountCreated, coffer.EventAccountLocked, coffer.EventAccountUnlocked:
			add(e.Subject)
		case coffer.EventTransferCreated, coffer.EventTransferPosted, coffer.EventTransferVoided, coffer.EventTransferExpired:
			var t struct {
				Debit  string `json:"debit_account_id"`
				Credit string `json:"credit_account_id"`
			}
			if json.Unmarshal(e.Data, &t) == nil {
				add(t.Debit)
				add(t.Credit)
			}
		}
	}
	return accounts, assets
}

// assetOf is the asset of an account id, kind:owner:asset.
func assetOf(id string) string {
	for i := len(id) - 1; i >= 0; i-- {
		if id[i] == ':' {
			return id[i+1:]
		}
	}
	return ""
}

func (w *Watcher) evaluateTouched(ctx context.Context, accounts, assets []string) (int, error) {
	ms, err := w.cfg.Store.MonitorsOf(ctx, accounts, assets)
	if err != nil {
		return 0, err
	}
	edges := 0
	for _, m := range ms {
		for _, id := range accounts {
			if m.AccountID != id && (m.AccountID != "" || assetOf(id) != m.Asset) {
				continue
			}
			n, err := w.evaluate(ctx, m, id)
			edges += n
			if err != nil {
				return edges, err
			}
		}
	}
	return edges, nil
}

// Sweep evaluates every no_movement monitor on every account it watches.
func (w *Watcher) Sweep(ctx context.Context) (int, error) {
	s, edges := w.cfg.Store, 0
	f := coffer.MonitorFilter{Limit: coffer.PageSizeMax}
	for {
		ms, err := s.Monitors(ctx, f)
		if err != nil {
			return edges, err
		}
		for _, m := range ms {
			if m.Condition != coffer.MonitorNoMovement {
				continue
			}
			n, err := w.sweep(ctx, m)
			edges += n
			if err != nil {
				return edges, err
			}
		}
		if len(ms) < coffer.PageSizeMax {
			return edges, nil
		}
		f.AfterID = ms[len(ms)-1].ID
	}
}

func (w *Watcher) sweep(ctx context.Context, m coffer.Monitor) (int, error) {
	if m.AccountID != "" {
		return w.evaluate(ctx, m, m.AccountID)
	}
	edges := 0
	f := coffer.AccountFilter{Asset: m.Asset, Limit: coffer.PageSizeMax}
	for {
		as, err := w.cfg.Store.Accounts(ctx, f)
		if err != nil {
			return edges, err
		}
		for _, a := range as {
			n, err := w.evaluate(ctx, m, a.ID)
			edges += n
			if err != nil {
				return edges, err
			}
		}
		if len(as) < coffer.PageSizeMax {
			return edges, nil
		}
		f.AfterID = as[len(as)-1].ID
	}
}

// evaluate checks m on the account and records an edge if there is one.
func (w *Watcher) evaluate(ctx context.Context, m coffer.Monitor, accountID string) (int, error) {
	s := w.cfg.Store
	a, err := s.Account(ctx, accountID)
	if coffer.ErrorCode(err) == coffer.ENOTFOUND {
		return 0, nil // a monitor of an account not created yet
	}
	if err != nil {
		return 0, err
	}
	now := w.cfg.Now().UTC().Truncate(time.Microsecond)
	var last *time.Time
	if m.Condition == coffer.MonitorNoMovement {
		t := a.CreatedAt
		es, err := s.Entries(ctx, coffer.EntryFilter{AccountID: a.ID, Desc: true, Limit: 1})
		if err != nil {
			return 0, err
		}
		if len(es) > 0 {
			t = es[0].CreatedAt
		}
		last = &t
	}
	on := Holds(m, &a, last, now)
	n := coffer.MonitorNotice{MonitorID: m.ID, AccountID: a.ID, Asset: a.Asset, Condition: m.Condition,
		Threshold: m.Threshold, PeriodSecs: int64(m.Period / time.Second), Triggered: on, Balance: a.Balance(),
		Available: a.Available(), Held: a.Held(), LastEntryAt: last, Description: m.Description}
	data, err := json.Marshal(n)
	if err != nil {
		return 0, fmt.Errorf("encode monitor event: %w", err)
	}
	typ := coffer.EventMonitorCleared
	if on {
		typ = coffer.EventMonitorTriggered
	}
	changed, err := s.SetMonitorState(ctx, coffer.MonitorState{MonitorID: m.ID, AccountID: a.ID, Triggered: on, ChangedAt: now},
		coffer.Event{Type: typ, Subject: m.ID, Data: data, CreatedAt: now})
	if err != nil || !changed {
		return 0, err
	}
	return 1, nil
}

// Holds reports whether m's condition is true of account a now; last is the time of the
// account's last entry (or its creation), needed by no_movement only.
func Holds(m coffer.Monitor, a *coffer.Account, last *time.Time, now time.Time) bool {
	switch m.Condition {
	case coffer.MonitorBalanceBelow:
		return a.Balance().Cmp(m.Threshold) < 0
	case coffer.MonitorBalanceAbove:
		return a.Balance().Cmp(m.Threshold) > 0
	case coffer.MonitorAvailableBelow:
		return a.Available().Cmp(m.Threshold) < 0
	case coffer.MonitorAvailableAbove:
		return a.Available().Cmp(m.Threshold) > 0
	case coffer.MonitorHeldAbove:
		return a.Held().Cmp(m.Threshold) > 0
	case coffer.MonitorNoMovement:
		return last != nil && now.Sub(*last) >= m.Period
	}
	return false
}
