package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// AddAuditEvent appends e to the audit log and returns its id. A zero e.At
// means now. Every face records through here, the CLI on a data dir no
// server owns included.
func (s *Store) AddAuditEvent(ctx context.Context, e model.AuditEvent) (int64, error) {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	if !slices.Contains(model.Outcomes, e.Outcome) || e.Source == "" || e.Action == "" {
		return 0, fmt.Errorf("store: add audit event %q: source, action and outcome are required, got %q, %q, %q",
			e.Action, e.Source, e.Action, e.Outcome)
	}
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO audit_log (at, source, actor, address, action, target_kind, target_id, outcome, reason)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.At.UnixMilli(), e.Source, e.Actor, e.Address, e.Action, e.Target.Kind, e.Target.ID, e.Outcome, e.Reason)
	if err != nil {
		return 0, fmt.Errorf("store: add audit event %q: %w", e.Action, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("store: add audit event %q: %w", e.Action, err)
	}
	return id, nil
}

// defaultAuditLimit is the page size of a filter without a limit.
const defaultAuditLimit = 50

// AuditEvents returns the events f selects, newest first: at most f.Limit
// of them older than f.BeforeID, or the newest when it is zero.
func (s *Store) AuditEvents(ctx context.Context, f model.AuditFilter) ([]model.AuditEvent, error) {
	where, args := auditWhere(f)
	if f.BeforeID > 0 {
		where = append(where, `id < ?`)
		args = append(args, f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultAuditLimit
	}
	q := `SELECT id, at, source, actor, address, action, target_kind, target_id, outcome, reason FROM audit_log` +
		and(where) + ` ORDER BY id DESC LIMIT ?`
	rows, err := s.db.QueryContext(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: audit events: %w", err)
	}
	defer rows.Close()
	var out []model.AuditEvent
	for rows.Next() {
		var e model.AuditEvent
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Source, &e.Actor, &e.Address, &e.Action,
			&e.Target.Kind, &e.Target.ID, &e.Outcome, &e.Reason); err != nil {
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

// CountAuditEvents returns how many events f selects, paging aside.
func (s *Store) CountAuditEvents(ctx context.Context, f model.AuditFilter) (int, error) {
	where, args := auditWhere(f)
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`+and(where), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count audit events: %w", err)
	}
	return n, nil
}

// AuditActions returns the action words the log holds, sorted, for a
// filter to offer: old rows and new features' words included. It hops
// from word to word along the action index, one lookup per word, where
// DISTINCT would read every row's entry.
func (s *Store) AuditActions(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `
		WITH RECURSIVE words(action) AS (
			SELECT MIN(action) FROM audit_log
			UNION ALL
			SELECT (SELECT MIN(action) FROM audit_log WHERE action > words.action) FROM words WHERE words.action IS NOT NULL
		)
		SELECT action FROM words WHERE action IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("store: audit actions: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, fmt.Errorf("store: audit actions: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audit actions: %w", err)
	}
	return out, nil
}

// auditWhere is the SQL condition of f's filters, paging aside. The target
// text matches the target as model.AuditTarget.String reads it.
func auditWhere(f model.AuditFilter) (where []string, args []any) {
	if f.Source != "" {
		where, args = append(where, `source = ?`), append(args, f.Source)
	}
	if f.Action != "" {
		where, args = append(where, `action = ?`), append(args, f.Action)
	}
	if f.Outcome != "" {
		where, args = append(where, `outcome = ?`), append(args, f.Outcome)
	}
	if t := strings.TrimSpace(f.Target); t != "" {
		where = append(where, `instr(lower(CASE
			WHEN target_kind = '' THEN target_id
			WHEN target_id = '' THEN target_kind
			ELSE target_kind || ' ' || target_id END), lower(?)) > 0`)
		args = append(args, t)
	}
	return where, args
}

// and joins conditions into a WHERE clause; none gives none.
func and(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return ` WHERE ` + strings.Join(where, ` AND `)
}
