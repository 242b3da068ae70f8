package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// The keys under which Settings fields are kept.
const (
	settingInstanceName = "instance_name"
	settingTheme        = "theme"

	settingVMNamePattern = "vm_name_pattern"
	settingVMStopAfter   = "vm_stop_forgotten_after_seconds"
	settingVMStopWarning = "vm_stop_warning_seconds"
)

// Setting returns the raw value stored under key, or ErrNotFound.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: setting %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store: setting %q: %w", key, err)
	}
	return v, nil
}

// Settings returns the user's settings, with defaults for anything never saved.
func (s *Store) Settings(ctx context.Context) (model.Settings, error) {
	out := model.DefaultSettings()
	rows, err := s.db.QueryContext(ctx, `SELECT key, value FROM settings WHERE key IN (?, ?)`,
		settingInstanceName, settingTheme)
	if err != nil {
		return out, fmt.Errorf("store: settings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return out, fmt.Errorf("store: settings: %w", err)
		}
		switch k {
		case settingInstanceName:
			out.InstanceName = v
		case settingTheme:
			if t, err := model.ParseTheme(v); err == nil {
				out.Theme = t
			}
		}
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("store: settings: %w", err)
	}
	return out, nil
}

// SaveSettings stores every field of st in one transaction.
func (s *Store) SaveSettings(ctx context.Context, st model.Settings) error {
	return s.saveSettings(ctx, map[string]string{
		settingInstanceName: st.InstanceName,
		settingTheme:        string(st.Theme),
	})
}

func (s *Store) saveSettings(ctx context.Context, values map[string]string) error {
	now := time.Now().UnixMilli()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for k, v := range values {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
				k, v, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: save settings: %w", err)
	}
	return nil
}

// SetVMDefaults sets what VMSettings answers for a setting never saved:
// meshflow.yaml's. Call it before the store is shared.
func (s *Store) SetVMDefaults(vs model.VMSettings) { s.vmDefaults = vs }

// VMSettings returns how VMs are named and guarded, with the defaults for
// anything never saved.
func (s *Store) VMSettings(ctx context.Context) (model.VMSettings, error) {
	out := s.vmDefaults
	if out.NamePattern == "" {
		out = model.DefaultVMSettings()
	}
	rows, err := s.db.QueryContext(ctx, `SELECT key, value FROM settings WHERE key IN (?, ?, ?)`,
		settingVMNamePattern, settingVMStopAfter, settingVMStopWarning)
	if err != nil {
		return out, fmt.Errorf("store: vm settings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return out, fmt.Errorf("store: vm settings: %w", err)
		}
		secs, _ := strconv.ParseInt(v, 10, 64)
		switch k {
		case settingVMNamePattern:
			out.NamePattern = v
		case settingVMStopAfter:
			out.StopForgottenAfter = time.Duration(secs) * time.Second
		case settingVMStopWarning:
			out.StopWarning = time.Duration(secs) * time.Second
		}
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("store: vm settings: %w", err)
	}
	return out, nil
}

// SaveVMSettings stores every field of vs in one transaction.
func (s *Store) SaveVMSettings(ctx context.Context, vs model.VMSettings) error {
	return s.saveSettings(ctx, map[string]string{
		settingVMNamePattern: vs.NamePattern,
		settingVMStopAfter:   strconv.FormatInt(int64(vs.StopForgottenAfter/time.Second), 10),
		settingVMStopWarning: strconv.FormatInt(int64(vs.StopWarning/time.Second), 10),
	})
}
