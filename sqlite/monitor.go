package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cofferhq/coffer"
)

var _ coffer.MonitorStore = (*Store)(nil)

const monitorColumns = `id, account_id, asset, condition, threshold, period, description, created_by, created_at, updated_at`

func scanMonitor(r row) (coffer.Monitor, error) {
	var (
		m                  coffer.Monitor
		threshold          string
		period, created, u int64
	)
	if err := r.Scan(&m.ID, &m.AccountID, &m.Asset, &m.Condition, &threshold, &period, &m.Description, &m.CreatedBy,
		&created, &u); err != nil {
		return coffer.Monitor{}, err
	}
	t, err := coffer.ParseAmount(threshold, 0)
	if err != nil {
		return coffer.Monitor{}, fmt.Errorf("monitor %s: %w", m.ID, err)
	}
	m.Threshold, m.Period = t, time.Duration(period)*time.Microsecond
	m.CreatedAt, m.UpdatedAt = fromMicro(created), fromMicro(u)
	return m, nil
}

// CreateMonitor stores m; a taken id is ECONFLICT.
func (s *Store) CreateMonitor(ctx context.Context, m coffer.Monitor) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO monitors (`+monitorColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.AccountID, m.Asset, string(m.Condition), m.Threshold.String(), m.Period.Microseconds(), m.Description,
		m.CreatedBy, micro(m.CreatedAt), micro(m.UpdatedAt))
	if isConstraint(err) {
		return coffer.Errorf(coffer.ECONFLICT, "a monitor with id %q exists", m.ID)
	}
	if err != nil {
		return fmt.Errorf("create monitor %s: %w", m.ID, retryable(err))
	}
	return nil
}

// UpdateMonitor changes m's definition and forgets its states.
func (s *Store) UpdateMonitor(ctx context.Context, m coffer.Monitor) error {
	return s.changeMonitor(ctx, m.ID, func(tx *sql.Tx) (sql.Result, error) {
		return tx.ExecContext(ctx, `UPDATE monitors SET account_id = ?, asset = ?, condition = ?, threshold = ?, period = ?,
			description = ?, updated_at = ? WHERE id = ?`, m.AccountID, m.Asset, string(m.Condition), m.Threshold.String(),
			m.Period.Microseconds(), m.Description, micro(m.UpdatedAt), m.ID)
	})
}

// DeleteMonitor removes the monitor id and its states.
func (s *Store) DeleteMonitor(ctx context.Context, id string) error {
	return s.changeMonitor(ctx, id, func(tx *sql.Tx) (sql.Result, error) {
		return tx.ExecContext(ctx, `DELETE FROM monitors WHERE id = ?`, id)
	})
}

// changeMonitor runs change on the monitor id and drops its states, in one transaction.
func (s *Store) changeMonitor(ctx context.Context, id string, change func(*sql.Tx) (sql.Result, error)) error {
	err := s.withEvents(ctx, nil, func(tx *sql.Tx) (bool, error) {
		res, err := change(tx)
		if err != nil {
			return false, err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return false, cmpErr(err, coffer.Errorf(coffer.ENOTFOUND, "monitor %q not found", id))
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM monitor_states WHERE monitor_id = ?`, id)
		return false, err
	})
	if err != nil && coffer.ErrorCode(err) != coffer.ENOTFOUND {
		return fmt.Errorf("change monitor %s: %w", id, retryable(err))
	}
	return err
}

// cmpErr is err, or else alt.
func cmpErr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}

// Monitor returns the monitor id, or ENOTFOUND.
func (s *Store) Monitor(ctx context.Context, id string) (coffer.Monitor, error) {
	m, err := scanMonitor(s.read.QueryRowContext(ctx, `SELECT `+monitorColumns+` FROM monitors WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return coffer.Monitor{}, coffer.Errorf(coffer.ENOTFOUND, "monitor %q not found", id)
	}
	if err != nil {
		return coffer.Monitor{}, fmt.Errorf("read monitor %s: %w", id, err)
	}
	return m, nil
}

// Monitors lists monitors by id.
func (s *Store) Monitors(ctx context.Context, f coffer.MonitorFilter) ([]coffer.Monitor, error) {
	q := `SELECT ` + monitorColumns + ` FROM monitors WHERE id > ?`
	args := []any{f.AfterID}
	if f.AccountID != "" {
		q += ` AND account_id = ?`
		args = append(args, f.AccountID)
	}
	if f.Asset != "" {
		q += ` AND asset = ?`
		args = append(args, f.Asset)
	}
	q += ` ORDER BY id LIMIT ?`
	args = append(args, pageSize(f.Limit))
	return s.monitors(ctx, q, args)
}

// MonitorsOf returns the monitors of the accounts and the assets given.
func (s *Store) MonitorsOf(ctx context.Context, accounts, assets []string) ([]coffer.Monitor, error) {
	if len(accounts)+len(assets) == 0 {
		return nil, nil
	}
	var args []any
	var conds []string
	if len(accounts) > 0 {
		conds = append(conds, `account_id IN (`+placeholders(len(accounts))+`)`)
		for _, a := range accounts {
			args = append(args, a)
		}
	}
	if len(assets) > 0 {
		conds = append(conds, `(account_id = '' AND asset IN (`+placeholders(len(assets))+`))`)
		for _, a := range assets {
			args = append(args, a)
		}
	}
	return s.monitors(ctx, `SELECT `+monitorColumns+` FROM monitors WHERE `+strings.Join(conds, " OR ")+` ORDER BY id`, args)
}

func (s *Store) monitors(ctx context.Context, q string, args []any) ([]coffer.Monitor, error) {
	var out []coffer.Monitor
	err := s.list(ctx, q, args, func(r *sql.Rows) error {
		m, err := scanMonitor(r)
		out = append(out, m)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list monitors: %w", err)
	}
	return out, nil
}

// MonitorStates returns the states of monitor id, by account.
func (s *Store) MonitorStates(ctx context.Context, id string) ([]coffer.MonitorState, error) {
	var out []coffer.MonitorState
	err := s.list(ctx, `SELECT account_id, triggered, changed_at FROM monitor_states WHERE monitor_id = ? ORDER BY account_id`,
		[]any{id}, func(r *sql.Rows) error {
			st := coffer.MonitorState{MonitorID: id}
			var at int64
			err := r.Scan(&st.AccountID, &st.Triggered, &at)
			st.ChangedAt = fromMicro(at)
			out = append(out, st)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("monitor states %s: %w", id, err)
	}
	return out, nil
}

// SetMonitorState records an edge and its event, if it is one.
func (s *Store) SetMonitorState(ctx context.Context, st coffer.MonitorState, e coffer.Event) (bool, error) {
	changed := false
	err := s.withEvents(ctx, []coffer.Event{e}, func(tx *sql.Tx) (bool, error) {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM monitors WHERE id = ?)`, st.MonitorID).Scan(&exists); err != nil || !exists {
			return false, err
		}
		var was bool
		err := tx.QueryRowContext(ctx, `SELECT triggered FROM monitor_states WHERE monitor_id = ? AND account_id = ?`,
			st.MonitorID, st.AccountID).Scan(&was)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return false, err
		}
		if was == st.Triggered {
			return false, nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO monitor_states (monitor_id, account_id, triggered, changed_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (monitor_id, account_id) DO UPDATE SET triggered = excluded.triggered, changed_at = excluded.changed_at`,
			st.MonitorID, st.AccountID, st.Triggered, micro(st.ChangedAt)); err != nil {
			return false, err
		}
		changed = true
		return true, nil
	})
	if err != nil {
		return false, fmt.Errorf("set monitor state %s %s: %w", st.MonitorID, st.AccountID, retryable(err))
	}
	return changed, nil
}
