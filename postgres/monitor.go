package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cofferhq/coffer"
)

var _ coffer.MonitorStore = (*Store)(nil)

const monitorColumns = `id, account_id, asset, condition, threshold, period, description, created_by, created_at, updated_at`

func scanMonitor(r rowScanner) (coffer.Monitor, error) {
	var m coffer.Monitor
	var period int64
	err := r.Scan(&m.ID, &m.AccountID, &m.Asset, &m.Condition, (*numeric)(&m.Threshold), &period, &m.Description,
		&m.CreatedBy, &m.CreatedAt, &m.UpdatedAt)
	m.Period = time.Duration(period) * time.Microsecond
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	return m, err
}

// CreateMonitor stores m; a taken id is ECONFLICT.
func (s *Store) CreateMonitor(ctx context.Context, m coffer.Monitor) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO monitors (`+monitorColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		m.ID, m.AccountID, m.Asset, string(m.Condition), numeric(m.Threshold), m.Period.Microseconds(), m.Description,
		m.CreatedBy, m.CreatedAt.UTC(), m.UpdatedAt.UTC())
	if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.Code == codeUniqueViolation {
		return coffer.Errorf(coffer.ECONFLICT, "a monitor with id %q exists", m.ID)
	}
	if err != nil {
		return fmt.Errorf("create monitor %s: %w", m.ID, mapErr(err))
	}
	return nil
}

// UpdateMonitor changes m's definition and forgets its states.
func (s *Store) UpdateMonitor(ctx context.Context, m coffer.Monitor) error {
	return s.changeMonitor(ctx, m.ID, func(tx pgx.Tx) (int64, error) {
		tag, err := tx.Exec(ctx, `UPDATE monitors SET account_id = $1, asset = $2, condition = $3, threshold = $4, period = $5,
			description = $6, updated_at = $7 WHERE id = $8`, m.AccountID, m.Asset, string(m.Condition), numeric(m.Threshold),
			m.Period.Microseconds(), m.Description, m.UpdatedAt.UTC(), m.ID)
		return tag.RowsAffected(), err
	})
}

// DeleteMonitor removes the monitor id and its states.
func (s *Store) DeleteMonitor(ctx context.Context, id string) error {
	return s.changeMonitor(ctx, id, func(tx pgx.Tx) (int64, error) {
		tag, err := tx.Exec(ctx, `DELETE FROM monitors WHERE id = $1`, id)
		return tag.RowsAffected(), err
	})
}

func (s *Store) changeMonitor(ctx context.Context, id string, change func(pgx.Tx) (int64, error)) error {
	err := s.withEvents(ctx, nil, func(tx pgx.Tx) (bool, error) {
		n, err := change(tx)
		if err != nil {
			return false, err
		}
		if n == 0 {
			return false, coffer.Errorf(coffer.ENOTFOUND, "monitor %q not found", id)
		}
		_, err = tx.Exec(ctx, `DELETE FROM monitor_states WHERE monitor_id = $1`, id)
		return false, err
	})
	if err != nil && coffer.ErrorCode(err) != coffer.ENOTFOUND {
		return fmt.Errorf("change monitor %s: %w", id, mapErr(err))
	}
	return err
}

// Monitor returns the monitor id, or ENOTFOUND.
func (s *Store) Monitor(ctx context.Context, id string) (coffer.Monitor, error) {
	m, err := scanMonitor(s.pool.QueryRow(ctx, `SELECT `+monitorColumns+` FROM monitors WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return coffer.Monitor{}, coffer.Errorf(coffer.ENOTFOUND, "monitor %q not found", id)
	}
	if err != nil {
		return coffer.Monitor{}, fmt.Errorf("read monitor %s: %w", id, mapErr(err))
	}
	return m, nil
}

// Monitors lists monitors by id.
func (s *Store) Monitors(ctx context.Context, f coffer.MonitorFilter) ([]coffer.Monitor, error) {
	return s.monitors(ctx, `SELECT `+monitorColumns+` FROM monitors WHERE id > $1 AND ($2 = '' OR account_id = $2)
		AND ($3 = '' OR asset = $3) ORDER BY id LIMIT $4`, f.AfterID, f.AccountID, f.Asset, pageSize(f.Limit))
}

// MonitorsOf returns the monitors of the accounts and the assets given.
func (s *Store) MonitorsOf(ctx context.Context, accounts, assets []string) ([]coffer.Monitor, error) {
	if len(accounts)+len(assets) == 0 {
		return nil, nil
	}
	return s.monitors(ctx, `SELECT `+monitorColumns+` FROM monitors WHERE account_id = ANY($1)
		OR (account_id = '' AND asset = ANY($2)) ORDER BY id`, accounts, assets)
}

func (s *Store) monitors(ctx context.Context, q string, args ...any) ([]coffer.Monitor, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list monitors: %w", mapErr(err))
	}
	out, err := collect(rows, scanMonitor)
	if err != nil {
		return nil, fmt.Errorf("list monitors: %w", mapErr(err))
	}
	return out, nil
}

// MonitorStates returns the states of monitor id, by account.
func (s *Store) MonitorStates(ctx context.Context, id string) ([]coffer.MonitorState, error) {
	rows, err := s.pool.Query(ctx, `SELECT monitor_id, account_id, triggered, changed_at FROM monitor_states
		WHERE monitor_id = $1 ORDER BY account_id`, id)
	if err != nil {
		return nil, fmt.Errorf("monitor states %s: %w", id, mapErr(err))
	}
	out, err := collect(rows, func(r rowScanner) (coffer.MonitorState, error) {
		var st coffer.MonitorState
		err := r.Scan(&st.MonitorID, &st.AccountID, &st.Triggered, &st.ChangedAt)
		st.ChangedAt = st.ChangedAt.UTC()
		return st, err
	})
	if err != nil {
		return nil, fmt.Errorf("monitor states %s: %w", id, mapErr(err))
	}
	return out, nil
}

// SetMonitorState records an edge and its event, if it is one. The monitor's row is locked
// first, so that two evaluations of one monitor take turns and only one writes an edge.
func (s *Store) SetMonitorState(ctx context.Context, st coffer.MonitorState, e coffer.Event) (bool, error) {
	changed := false
	err := s.withEvents(ctx, []coffer.Event{e}, func(tx pgx.Tx) (bool, error) {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM monitors WHERE id = $1 FOR UPDATE`, st.MonitorID).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		var was bool
		err = tx.QueryRow(ctx, `SELECT triggered FROM monitor_states WHERE monitor_id = $1 AND account_id = $2`,
			st.MonitorID, st.AccountID).Scan(&was)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return false, err
		}
		if was == st.Triggered {
			return false, nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO monitor_states (monitor_id, account_id, triggered, changed_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (monitor_id, account_id) DO UPDATE SET triggered = excluded.triggered, changed_at = excluded.changed_at`,
			st.MonitorID, st.AccountID, st.Triggered, st.ChangedAt.UTC()); err != nil {
			return false, err
		}
		changed = true
		return true, nil
	})
	if err != nil {
		return false, fmt.Errorf("set monitor state %s %s: %w", st.MonitorID, st.AccountID, mapErr(err))
	}
	return changed, nil
}
