package store

import (
	"context"
	"fmt"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// AddAuditEvent appends e to the audit log and returns its id. A zero e.At
// means now.
func (s *Store) AddAuditEvent(ctx context.Context, e model.AuditEvent) (int64, error) {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO audit_log (at, action, target, source, status) VALUES (?, ?, ?, ?, ?)`,
		e.At.UnixMilli(), e.Action, e.Target, e.Source, e.Status)
	if err != nil {
		return 0, fmt.Errorf("store: add audit event %q: %w", e.Action, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("store: add audit event %q: %w", e.Action, err)
	}
	return id, nil
}

// AuditEvents returns one page of the audit log, newest first: at most limit
// events with an id below beforeID, or the newest ones when beforeID is zero.
func (s *Store) AuditEvents(ctx context.Context, beforeID int64, limit int) ([]model.AuditEvent, error) {
	if limit <= 0 {
		limit = 50
	}
	q := `SELECT id, at, action, target, source, status FROM audit_log`
	args := []any{}
	if beforeID > 0 {
		q += ` WHERE id < ?`
		args = append(args, beforeID)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)

	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: audit events: %w", err)
	}
	defer rows.Close()
	var out []model.AuditEvent
	for rows.Next() {
		var e model.AuditEvent
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Action, &e.Target, &e.Source, &e.Status); err != nil {
			return nil, fmt.Errorf("store: audit events: %w", err)
		}
		e.At = time.UnixMilli(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audit events: %w", err)
	}
	return out, nil
}

// CountAuditEvents returns how many events the audit log holds.
func (s *Store) CountAuditEvents(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count audit events: %w", err)
	}
	return n, nil
}
